#!/usr/bin/env bash
# The GPU checks of issue 13 in one call on a GPU machine (benchmarks/README.md, "GPU").
#
# What runs, against what the issue asks:
#   - the CUDA tests (envelope stage, inference copy, correlation, gradients and
#     perturbation maps: GPU against CPU);
#   - training throughput with and without bf16 autocast (train_throughput.py);
#   - the noise of that perturbation alone on the host's CPUs, one stream against
#     eegvis's blocks drawn in threads (perturbation_noise.py);
#   - the seed's 12-iteration perturbation of about 4,300 crops (target: < 5 s on an
#     H100/H200), and the largest GPU - CPU difference of a perturbation map;
#   - the envelope job's work for 109 subjects x 22 bands x 5 layers x 2 networks
#     (target: < 2 min), the CPU as reference, and the largest GPU - CPU difference
#     of the correlations;
#   - amplitude-gradient maps on the GPU against the CPU (time and largest difference).
#
# The machine has no network. Its python3 has torch, NumPy, SciPy, pandas, xarray,
# h5py, PyYAML, Hypothesis and pytest, but not MNE, h5netcdf or braindecode 0.4.85:
# make those wheels here first (about 8 MB; braindecode 0.4.85 is built from its
# source archive), into a folder git ignores, and carry it:
#
#   pip wheel --no-deps -w .wheels mne==1.13.2 h5netcdf==1.8.2 pooch lazy_loader \
#       decorator braindecode==0.4.85
#   echo /.wheels/ >> .git/info/exclude
#   device run: command "bash benchmarks/gpu_checks.sh", carry [".wheels"], timeout_s 600
#
# The log is written to $OUT/gpu_checks.log (or ./gpu_checks.log). DEVICE, SUBJECTS,
# CROPS and THREADS override the defaults (cuda, 109, 4300, all cores), e.g. for a
# rehearsal on a CPU: DEVICE=cpu SUBJECTS=2 CROPS=100 bash benchmarks/gpu_checks.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICE=${DEVICE:-cuda}
SUBJECTS=${SUBJECTS:-109}
CROPS=${CROPS:-4300}
THREADS=${THREADS:-$(nproc)}
PYTHON=${PYTHON:-python3}
LOG=${OUT:-.}/gpu_checks.log
export PYTHONPATH=src PYTHONUNBUFFERED=1

if [ -d .wheels ]; then
    "$PYTHON" -m pip install --no-deps --no-index --quiet .wheels/*.whl
fi
{
    date -u
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
    fi
    "$PYTHON" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
    echo "== CUDA tests"
    "$PYTHON" -m pytest -q -p no:cacheprovider -k cuda tests/unit/analyses/test_envelope_activation.py \
        tests/unit/models/test_inference.py tests/unit/analyses/test_correlation.py \
        tests/unit/analyses/test_gradients.py tests/unit/analyses/test_perturbation.py || true
    echo "== training throughput, float32 then bf16 autocast"
    "$PYTHON" benchmarks/train_throughput.py --device "$DEVICE"
    if [ "$DEVICE" = cuda ]; then
        "$PYTHON" benchmarks/train_throughput.py --device cuda --amp
    fi
    echo "== perturbation noise alone: $CROPS crops, 12 iterations, $THREADS threads"
    "$PYTHON" benchmarks/perturbation_noise.py --n-crops "$CROPS" --threads "$THREADS" \
        --repeats 1
    echo "== perturbation: $CROPS crops, 12 iterations"
    "$PYTHON" benchmarks/perturbation.py --device "$DEVICE" --n-crops "$CROPS" \
        --iterations 12 --workflow-only --repeats 2
    if [ "$DEVICE" != cpu ]; then
        echo "== amplitude gradients, GPU against CPU"
        "$PYTHON" benchmarks/gradients.py --device "$DEVICE" --n-crops 1000 --repeats 2
    fi
    echo "== envelope job: $SUBJECTS subjects, the paper's 22 bands"
    "$PYTHON" benchmarks/envelope_scale.py --device "$DEVICE" --subjects "$SUBJECTS" \
        --bands paper --threads "$THREADS" --reference-subjects 2
    date -u
} 2>&1 | tee "$LOG"
