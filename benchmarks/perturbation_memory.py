"""Peak memory of the perturbation maps against the number of subjects: spilled vs held crops.

Runs ``eegvis.analyses.perturbation_subjects`` (what the workflow's perturbation
job runs) on synthetic subjects shaped like PhysioNet EEGBCI after epoching:
45 trials of 64 channels x 497 samples (3.1 s at 160 Hz) each, the seed-000
Deep4Net with 450-sample inputs, made dense. The reference holds every crop in
memory, as eegvis did up to commit ae57ebe: the subjects' crops concatenated
into one array and passed to ``perturbation_correlations``. Each measurement
runs in a fresh subprocess. A thread samples ``/proc/self/status`` every 20 ms
and records the peaks of anonymous memory (``RssAnon``: what a job's memory
limit must cover) and of file pages mapped (``RssFile``: the spilled crops in
the page cache, which the kernel can drop and read back). Each row also gives
the wall time.

    python benchmarks/perturbation_memory.py [--subjects 10 40 109] [--iterations 1]
                                             [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time

N_TRIALS, N_CHANS, N_TIMES, SFREQ, LENGTH = 45, 64, 497, 160.0, 450


def status_kib(field: str) -> int:
    """A ``kB`` field of /proc/self/status."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def measure(mode: str, n_subjects: int, n_iterations: int, threads: int) -> dict:
    """Run one measurement in this process; return its peaks (MiB) and wall time (s)."""
    import mne
    import numpy as np
    import torch

    from eegvis import analyses
    from eegvis.analyses._spill import spilled_rows
    from eegvis.data.montage import standard_montage
    from eegvis.data.subjects import SubjectTrials
    from eegvis.models import SEED_000_OPTIONS, Deep4Net
    from eegvis.models.dense import to_dense_prediction_model

    torch.set_num_threads(threads)
    if mode == "held":

        class Held:
            """The reference: every chunk concatenated in memory."""

            def __init__(self, chunks) -> None:
                self.rows = np.concatenate(list(chunks))

            def __enter__(self):
                return self.rows

            def __exit__(self, *exc) -> None:
                del self.rows

        analyses.spilled_rows = Held
    else:
        analyses.spilled_rows = spilled_rows
    montage = standard_montage()
    info = mne.create_info(montage.ch_names[:N_CHANS], SFREQ, "eeg")
    info.set_montage(montage)
    model = to_dense_prediction_model(
        Deep4Net(N_CHANS, 2, LENGTH, **SEED_000_OPTIONS, random_state=0)
    ).eval()

    def subjects():
        for subject in range(1, n_subjects + 1):
            rng = np.random.default_rng(subject)
            X = rng.standard_normal((N_TRIALS, N_CHANS, N_TIMES), np.float32) * 10
            yield SubjectTrials(subject, X, np.arange(N_TRIALS) % 2, split="train")

    peaks = {"RssAnon": 0, "RssFile": 0}
    running = True

    def sample() -> None:
        while running:
            for field in peaks:
                peaks[field] = max(peaks[field], status_kib(field))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    baseline = status_kib("RssAnon")
    sampler.start()
    start = time.perf_counter()
    maps = analyses.perturbation_subjects(
        model, subjects(), info, ["left", "right"], n_iterations=n_iterations, input_length=LENGTH
    )
    seconds = time.perf_counter() - start
    running = False
    sampler.join()
    return {
        "n_crops": int(maps["n_crops"].sum()),
        "anon_mib": (peaks["RssAnon"] - baseline) / 1024,
        "file_mib": peaks["RssFile"] / 1024,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, nargs="+", default=[10, 40, 109])
    parser.add_argument("--iterations", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        mode, n = args.measure
        print(json.dumps(measure(mode, int(n), args.iterations, args.threads)))
        return
    print(
        f"{N_TRIALS} trials x {N_CHANS} x {N_TIMES} samples per subject, {LENGTH}-sample crops, "
        f"{args.iterations} iteration(s), {args.threads} threads"
    )
    print(f"{'subjects':>8} {'crops':>7} {'mode':>8} {'anon MiB':>9} {'file MiB':>9} {'time s':>7}")
    for n in args.subjects:
        rows = {}
        for mode in ("held", "spilled"):
            command = [sys.executable, __file__, "--measure", mode, str(n)]
            command += ["--iterations", str(args.iterations), "--threads", str(args.threads)]
            result = subprocess.run(command, capture_output=True, text=True, check=True)
            rows[mode] = row = json.loads(result.stdout.strip().splitlines()[-1])
            print(
                f"{n:>8} {row['n_crops']:>7} {mode:>8} {row['anon_mib']:>9.0f} "
                f"{row['file_mib']:>9.0f} {row['seconds']:>7.1f}"
            )
        held, spilled = rows["held"], rows["spilled"]
        memory_ratio = held["anon_mib"] / spilled["anon_mib"]
        time_ratio = spilled["seconds"] / held["seconds"]
        print(
            f"{'':>8} anonymous memory held / spilled: {memory_ratio:.1f}x; "
            f"time spilled / held: {time_ratio:.2f}"
        )


if __name__ == "__main__":
    main()
