"""Time the amplitude-gradient maps: eegvis as the workflow runs them against braindecode 0.8.1.

Network: eegvis's seed-000 Deep4Net (``eegvis.models.SEED_000_OPTIONS``: 64
channels, 2 classes, 450-sample input), made dense, in eval mode, untrained
(timing does not depend on the weights), initialised with ``--seed``. Inputs:
``--n-crops`` EEG-like crops, 64 x 450 samples of pink noise at about 15 uV
(160 Hz).

Rows, on the same module (the same weights) and the same crops:

- eegvis: ``eegvis.analyses.gradient_subjects``, what ``scripts/gradient.py``
  runs, on one subject whose trials are the crops (one window per trial),
  with the workflow's default batch size; it also finds the network's
  receptive field and the class difference of mean amplitude. Its gradient
  step alone, ``eegvis.analyses.gradients.amplitude_gradients``, is timed too.
- braindecode 0.8.1: ``braindecode.visualization.compute_amplitude_gradients``
  with the same batch size, on the same module with its ``softmax`` replaced
  by the identity (eegvis bypasses it with ``strip_log_softmax``). braindecode
  0.8.1 cannot be imported beside the venv's 0.4.85, so it runs in a
  subprocess with ``--braindecode081 DIR`` first on ``sys.path`` (installed
  there with ``pip install --no-deps --target`` and the pins of
  ``requirements-oracle.txt`` if missing); only its compute call is timed,
  not the imports.

braindecode returns each crop's gradient divided by its batch's size; the
map compared is ``mean_i(B_i * g[:, i])`` (see ``eegvis.analyses.gradients``), and the
largest absolute difference to eegvis's map is printed.

    python benchmarks/gradients.py [--n-crops 300] [--batch-size 64] [--threads N]
                                   [--repeats 1] [--braindecode081 .oracle/braindecode-0.8.1-py311]
                                   [--device cpu|cuda|auto]

With a GPU as ``--device``, eegvis runs there and on the CPU instead (no
braindecode): both times and the largest difference of the maps are printed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import mne
import numpy as np
import torch
from _timing import timed

from eegvis.analyses import gradient_subjects
from eegvis.analyses.gradients import amplitude_gradients
from eegvis.data.subjects import SubjectTrials
from eegvis.models import SEED_000_OPTIONS, Deep4Net
from eegvis.models.dense import to_dense_prediction_model
from eegvis.utils.devices import resolve_device

SFREQ = 160.0
N_CHANS, N_TIMES = 64, 450
REPO = Path(__file__).resolve().parents[1]
PINS = REPO / "requirements-oracle.txt"
#: Where the tests' ``braindecode081_dir`` fixture installs braindecode 0.8.1.
ORACLE_DIR = REPO / ".oracle" / f"braindecode-0.8.1-py{sys.version_info[0]}{sys.version_info[1]}"


def network(seed: int) -> Deep4Net:
    """The seed-000 Deep4Net, dense, in eval mode."""
    model = Deep4Net(N_CHANS, 2, N_TIMES, **SEED_000_OPTIONS, random_state=seed)
    return to_dense_prediction_model(model).eval()


def pink_noise_crops(n_crops: int, seed: int = 0) -> np.ndarray:
    """(n_crops, 64, 450) float32 noise, 15 uV standard deviation, power ~ 1/f above 0.5 Hz.

    Flat below 0.5 Hz, DC included: with a mean of exactly zero the DC bin's phase (0 or pi)
    would hang on rounding, and with it the sign of its gradient.
    """
    rng = np.random.default_rng(seed)
    freqs = np.fft.rfftfreq(N_TIMES, d=1 / SFREQ)
    shape = 1 / np.sqrt(np.maximum(freqs, 0.5))
    white = rng.standard_normal((n_crops, N_CHANS, N_TIMES))
    pink = np.fft.irfft(np.fft.rfft(white) * shape, n=N_TIMES)
    return (15 * pink / pink.std()).astype(np.float32)


def braindecode081_dir(path: Path) -> Path:
    """``path``, with braindecode 0.8.1 and its pins installed there unless already present."""
    if (path / "braindecode" / "visualization" / "gradients.py").is_file():
        return path
    pins = [
        line
        for line in PINS.read_text().splitlines()
        if line and not line.startswith("#") and line != "braindecode==0.4.85"
    ]
    print(f"installing {', '.join(pins)} into {path}", flush=True)
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-input", "--quiet"]
    subprocess.run([*command, "--target", str(path), *pins], check=True)
    return path


def run_braindecode(directory: Path, inputs: Path, output: Path, threads: int | None) -> None:
    """Run this script's braindecode side in a subprocess, braindecode 0.8.1 first on its path."""
    import eegvis

    env = dict(os.environ)
    paths = [str(directory), str(Path(eegvis.__file__).parents[1]), env.get("PYTHONPATH")]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    command = [sys.executable, __file__, "--braindecode-side", str(inputs), str(output)]
    if threads:
        command += ["--threads", str(threads)]
    subprocess.run(command, env=env, check=True)


def braindecode_side(inputs: Path, output: Path) -> None:
    """Time braindecode 0.8.1's ``compute_amplitude_gradients`` on the saved module and crops."""
    # braindecode 0.8.1 imports a MOABB dataset name MOABB 1.7 no longer has; hide MOABB.
    sys.modules["moabb"] = None
    import importlib.metadata

    from braindecode.visualization.gradients import compute_amplitude_gradients

    version = importlib.metadata.version("braindecode")
    if version != "0.8.1":
        sys.exit(f"expected braindecode 0.8.1 on the path, got {version}")
    saved = torch.load(inputs, weights_only=True)
    model = network(0)
    model.load_state_dict(saved["state_dict"])
    model.softmax = torch.nn.Identity()
    X = saved["X"]
    dataset = torch.utils.data.TensorDataset(X, torch.zeros(len(X)), torch.zeros(len(X)))
    seconds, gradients = timed(
        lambda: compute_amplitude_gradients(model, dataset, saved["batch_size"]), saved["repeats"]
    )
    np.savez(output, gradients=gradients, seconds=seconds)


def braindecode_map(gradients: np.ndarray, batch_size: int) -> np.ndarray:
    """braindecode's (classes, crops, chans, freqs) per-batch-scaled gradients as eegvis's map."""
    n_crops = gradients.shape[1]
    sizes = np.minimum(batch_size, n_crops - np.arange(0, n_crops, batch_size))
    scale = np.repeat(sizes, sizes).astype(np.float64)
    return (gradients * scale[None, :, None, None]).mean(axis=1).transpose(1, 2, 0)


def compare_with_cpu(
    model: torch.nn.Module,
    trials: SubjectTrials,
    info: mne.Info,
    batch_size: int,
    repeats: int,
    device: torch.device,
) -> None:
    """Time ``gradient_subjects`` on ``device`` and on the CPU; print both and the difference."""
    seconds, maps = {}, {}
    for where in (device, torch.device("cpu")):
        model.to(where)

        def call(where: torch.device = where):
            result = gradient_subjects(
                model, [trials], info, ["a", "b"], input_length=N_TIMES, batch_size=batch_size
            )
            if where.type == "cuda":
                torch.cuda.synchronize(where)
            return result

        call()  # CUDA start-up and kernel selection are not timed
        seconds[where.type], maps[where.type] = timed(call, repeats)
        print(f"  eegvis gradient_subjects on {where}: {seconds[where.type]:8.2f} s")
    difference = np.abs(maps[device.type]["gradient"].values - maps["cpu"]["gradient"].values)
    largest = np.abs(maps["cpu"]["gradient"].values).max()
    print(
        f"  max |gradient_{device.type} - gradient_cpu| {difference.max():.1e} "
        f"(largest {largest:.1e})"
    )
    print(f"cpu / {device.type}: {seconds['cpu'] / seconds[device.type]:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-crops", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=64, help="both (workflow default 64)")
    parser.add_argument("--repeats", type=int, default=1, help="report the best of this many")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--seed", type=int, default=20170629, help="network initialisation")
    parser.add_argument(
        "--braindecode081",
        type=Path,
        default=ORACLE_DIR,
        help="folder holding braindecode 0.8.1 (installed there if missing)",
    )
    parser.add_argument(
        "--device",
        default="cpu",
        help="a GPU (cuda, auto): time eegvis there against the CPU instead of braindecode",
    )
    parser.add_argument("--braindecode-side", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.braindecode_side:
        braindecode_side(*args.braindecode_side)
        return

    model = network(args.seed)
    X = pink_noise_crops(args.n_crops)
    info = mne.create_info([f"EEG{i:03d}" for i in range(N_CHANS)], SFREQ, "eeg")
    trials = SubjectTrials(1, X, np.arange(len(X)) % 2)
    device = resolve_device(args.device)
    print(
        f"device {device}, torch {torch.__version__} ({torch.get_num_threads()} threads); "
        f"{args.n_crops} crops of {N_CHANS} x {N_TIMES}, batch size {args.batch_size}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    if device.type != "cpu":
        compare_with_cpu(model, trials, info, args.batch_size, args.repeats, device)
        return
    workflow_s, maps = timed(
        lambda: gradient_subjects(
            model, [trials], info, ["a", "b"], input_length=N_TIMES, batch_size=args.batch_size
        ),
        args.repeats,
    )
    gradient_s, _ = timed(
        lambda: amplitude_gradients(
            model, X, SFREQ, batch_size=args.batch_size, strip_log_softmax=True
        ),
        args.repeats,
    )
    ours = maps["gradient"].values[0]
    with tempfile.TemporaryDirectory() as tmp:
        inputs, output = Path(tmp) / "inputs.pt", Path(tmp) / "braindecode.npz"
        saved = {"state_dict": model.state_dict(), "X": torch.from_numpy(X)}
        torch.save({**saved, "batch_size": args.batch_size, "repeats": args.repeats}, inputs)
        run_braindecode(braindecode081_dir(args.braindecode081), inputs, output, args.threads)
        result = np.load(output)
        braindecode_s = float(result["seconds"])
        reference = braindecode_map(result["gradients"], args.batch_size)
    difference = np.abs(ours - reference).max()
    print(f"  braindecode 0.8.1 compute_amplitude_gradients {braindecode_s:8.2f} s")
    print(f"  eegvis gradient_subjects (workflow)           {workflow_s:8.2f} s")
    print(f"  eegvis amplitude_gradients (its gradient step) {gradient_s:7.2f} s")
    print(
        f"  max |difference| of the maps {difference:.1e} (largest |gradient| "
        f"{np.abs(reference).max():.1e}); load average {os.getloadavg()[0]:.2f}"
    )
    print(f"braindecode 0.8.1 / eegvis workflow: {braindecode_s / workflow_s:.1f}x")


if __name__ == "__main__":
    main()
