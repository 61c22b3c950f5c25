"""The envelope job's work at full scale on one device, against the same work on the CPU.

The issue's GPU target: the envelope job for 109 subjects x the paper's 22 bands
x 5 layers x 2 networks in under 2 minutes on one H100/H200. This script runs
what that job runs, ``eegvis.analyses.envelope_activation_networks`` over
subjects band-passed in a background thread (``eegvis.data.subjects.prefetched``,
``--threads`` bands at a time with ``eegvis.data.filters.bandpass``), on
synthetic subjects shaped like PhysioNet EEGBCI: 3 runs of 64 channels x 20,000
samples at 160 Hz (pink noise, about 15 uV), 15 trials of 497 samples cut from
each run. Only reading EDF and epochs files is left out. The networks are the
dense seed-000 Deep4Net with two seeds (a "trained" and an "untrained" one;
timing does not depend on the weights).

Rows:

- ``--device`` on all ``--subjects`` (timed, per-unit maps pooled as the
  workflow keeps them);
- the reference: the CPU on the first ``--reference-subjects`` (timed; the
  CPU time for all subjects is extrapolated from it, and printed as such);
- both devices again on those subjects with per-subject maps kept, to give the
  largest difference between the device's and the CPU's correlations (the
  GPU-vs-CPU tolerance). On a CPU-only machine this compares the CPU with itself.

    python benchmarks/envelope_scale.py [--subjects 109] [--bands paper|config]
        [--device auto] [--threads 16] [--reference-subjects 4]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import mne
import numpy as np
import torch

from eegvis.analyses import envelope_activation_networks
from eegvis.data.filters import bandpass
from eegvis.data.montage import standard_montage
from eegvis.data.subjects import SubjectTrials, prefetched
from eegvis.models import SEED_000_OPTIONS, Deep4Net
from eegvis.models.dense import to_dense_prediction_model
from eegvis.pipeline.config import resolve_bands
from eegvis.utils.devices import resolve_device

N_CHANS, SFREQ, LENGTH = 64, 160.0, 450
N_RUNS, RUN_SAMPLES, TRIALS_PER_RUN, TRIAL_SAMPLES = 3, 20_000, 15, 497
DEMO_BANDS = {"alpha": (7.0, 13.0), "beta": (13.0, 30.0), "high_gamma": (60.0, 78.0)}


def networks(device: torch.device) -> dict[str, torch.nn.Module]:
    """Two dense seed-000 Deep4Nets (different seeds) on ``device``."""
    return {
        name: to_dense_prediction_model(
            Deep4Net(N_CHANS, 2, LENGTH, **SEED_000_OPTIONS, random_state=seed)
        )
        .eval()
        .to(device)
        for seed, name in enumerate(("trained", "untrained"))
    }


def synthetic_subject(subject: int, bands: list[tuple[float, float]], n_jobs: int) -> SubjectTrials:
    """One subject's trials and their band-passed copies, cut from band-passed continuous runs."""
    rng = np.random.default_rng(subject)
    starts = np.linspace(200, RUN_SAMPLES - TRIAL_SAMPLES - 200, TRIALS_PER_RUN).astype(int)
    samples = starts[:, None] + np.arange(TRIAL_SAMPLES)
    freqs = np.fft.rfftfreq(RUN_SAMPLES, 1 / SFREQ)
    shape = 1 / np.sqrt(np.maximum(freqs, 0.5))
    trials, filtered = [], []
    with ThreadPoolExecutor(n_jobs) as pool:
        for _ in range(N_RUNS):
            white = rng.standard_normal((N_CHANS, RUN_SAMPLES))
            run = np.fft.irfft(np.fft.rfft(white) * shape, n=RUN_SAMPLES)
            run *= 15 / run.std()

            def cut_band(band: tuple[float, float], run=run) -> np.ndarray:
                return bandpass(run, SFREQ, *band)[:, samples].transpose(1, 0, 2)

            trials.append(run[:, samples].transpose(1, 0, 2))
            filtered.append(np.stack(list(pool.map(cut_band, bands))))
    X = np.concatenate(trials).astype(np.float32)
    y = np.arange(len(X)) % 2
    return SubjectTrials(subject, X, y, np.concatenate(filtered, axis=1).astype(np.float32))


def subjects(n: int, bands: dict, n_jobs: int) -> Iterator[SubjectTrials]:
    """Synthetic subjects 1..n, each made in a background thread while the last is analysed."""
    band_list = list(bands.values())
    return prefetched(synthetic_subject(s, band_list, n_jobs) for s in range(1, n + 1))


def run(device: torch.device, n: int, bands: dict, n_jobs: int, keep: bool) -> tuple[float, dict]:
    """Seconds for the envelope job's work on ``n`` subjects, and its maps."""
    montage = standard_montage()
    info = mne.create_info(montage.ch_names[:N_CHANS], SFREQ, "eeg")
    models = networks(device)
    start = time.perf_counter()
    maps = envelope_activation_networks(
        models, subjects(n, bands, n_jobs), info, bands, subject_units=keep
    )
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start, maps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=109)
    parser.add_argument("--bands", choices=["paper", "config"], default="paper")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--reference-subjects", type=int, default=4)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    bands = DEMO_BANDS
    if args.bands == "paper":
        bands = {b["name"]: (b["low"], b["high"]) for b in resolve_bands("paper_filterbank", SFREQ)}
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(
        f"{args.subjects} synthetic subjects x {len(bands)} bands x 5 layers x 2 networks on "
        f"{device} ({name}); {args.threads} threads; torch {torch.__version__}"
    )
    seconds, maps = run(device, args.subjects, bands, args.threads, keep=False)
    each = seconds / args.subjects
    print(f"{device}: {seconds:.1f} s for {args.subjects} subjects ({each:.2f} s each)")
    k = min(args.reference_subjects, args.subjects)
    cpu_seconds, _ = run(torch.device("cpu"), k, bands, args.threads, keep=False)
    estimate = cpu_seconds / k * args.subjects
    print(
        f"reference, cpu: {cpu_seconds:.1f} s for {k} subjects; {estimate:.0f} s for "
        f"{args.subjects} extrapolated; cpu / {device.type}: {estimate / seconds:.1f}x"
    )
    _, on_device = run(device, k, bands, args.threads, keep=True)
    _, on_cpu = run(torch.device("cpu"), k, bands, args.threads, keep=True)
    difference = max(
        float(np.nanmax(np.abs(on_device[net][var].values - on_cpu[net][var].values)))
        for net in on_cpu
        for var in on_cpu[net].data_vars
        if var.startswith("units_")
    )
    print(f"max |r_{device.type} - r_cpu| over all units of {k} subjects: {difference:.1e}")
    layers = [v for v in maps["trained"].data_vars if v.startswith("pooled")]
    print(f"pooled maps: {', '.join(layers)}")


if __name__ == "__main__":
    main()
