"""Time the workflow's envelope-activation stage against the implementation of commit a8016e4.

Both sides start from the same workflow outputs (epochs, recordings and the
trained and untrained networks of ``--results``, e.g. the demo's ``results/demo``
after ``snakemake --cores all``) and produce the per-subject, per-unit
envelope-activation correlations of both networks:

- reference (commit a8016e4, run from a git worktree in a subprocess, as its
  jobs ran): one ``bandpass_subject`` job per subject (band-pass each run with
  ``eegvis.data.epochs.bandpassed_trials``, write ``.npy``), then one
  ``envelope_activation`` job per network (``correlate_subjects``: NumPy
  envelopes, reading the ``.npy`` files back);
- eegvis (this tree): the one ``envelope_activation`` job of the workflow,
  ``eegvis.analyses.envelope_activation_networks`` over
  ``eegvis.data.bandpassing.bandpassed_subjects`` (band-pass in a background thread,
  envelopes in torch, shared by both networks), with ``--threads`` bands
  band-passed at a time, as the workflow's job does with its threads.

Only the work is timed (not Python start-up or imports). The largest difference
between the two sides' correlations is printed; the target is 1e-6.

    git worktree add --detach ../eegvis-a8016e4 a8016e4
    python benchmarks/envelope_job.py --reference-tree ../eegvis-a8016e4 [--results results/demo]
        [--subjects 4] [--bands config|paper] [--threads 2] [--device cpu]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import mne
import numpy as np
import torch
import yaml

from eegvis.analyses import envelope_activation_networks
from eegvis.data.bandpassing import bandpassed_subjects
from eegvis.models.io import load_model
from eegvis.pipeline.config import resolve_bands
from eegvis.utils.devices import resolve_device

NETWORKS = ("trained", "untrained")

REFERENCE = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import numpy as np, torch
    from eegvis.analyses.envelope_activation import correlate_subjects
    from eegvis.data.epochs import bandpassed_trials, load_epochs, to_arrays
    from eegvis.models.io import load_model
    from eegvis.models import BLOCK_OUTPUTS

    job = json.loads(sys.argv[1])
    torch.set_num_threads(job["threads"])
    window, folder = job["window"], Path(job["folder"])
    started = time.perf_counter()
    for subject, paths in job["recordings"].items():
        filtered = bandpassed_trials(
            paths, job["runs"], window["classes"], window["tmin"], window["tmax"],
            window["sfreq"], job["bands"], window["units"],
        )
        np.save(folder / f"{subject}.npy", filtered)
    bandpassed = time.perf_counter()
    for name, path in job["models"].items():
        model, metadata = load_model(path)

        def subjects():
            for subject, epochs in zip(job["recordings"], job["epochs"]):
                X, _ = to_arrays(load_epochs(epochs), metadata["classes"], window["units"])
                yield X, np.load(folder / f"{subject}.npy")

        _, per_subject = correlate_subjects(model, subjects(), model.n_times, BLOCK_OUTPUTS, 16)
        np.savez(folder / f"{name}.npz", **per_subject)
    done = time.perf_counter()
    disk = sum(path.stat().st_size for path in folder.glob("*.npy"))
    print(json.dumps({"bandpass": bandpassed - started, "envelopes": done - bandpassed,
                      "disk": disk}))
    """
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-tree", type=Path, required=True)
    parser.add_argument("--results", type=Path, default=Path("results/demo"))
    parser.add_argument("--config", type=Path, default=Path("config/config.yaml"))
    parser.add_argument("--subjects", type=int, default=4)
    parser.add_argument("--bands", choices=["config", "paper"], default="config")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    return parser.parse_args()


def workflow_inputs(args: argparse.Namespace) -> dict:
    """Epochs, recordings, bands and networks of the first ``--subjects`` subjects."""
    config = yaml.safe_load(args.config.read_text())
    window = dict(config["epochs"], units=config["epochs"].get("units", "uV"))
    bands = resolve_bands(
        "paper_filterbank" if args.bands == "paper" else config["bands"], window["sfreq"]
    )
    subjects = sorted(config["subjects"]["train"] + config["subjects"]["valid"])[: args.subjects]
    raw = args.results / "raw"
    runs = config["runs"]
    return {
        "window": window,
        "runs": runs,
        "bands": {band["name"]: (band["low"], band["high"]) for band in bands},
        "epochs": [str(args.results / "epochs" / f"sub-{s:03d}_epo.fif") for s in subjects],
        "summaries": [str(args.results / "epochs" / f"sub-{s:03d}.json") for s in subjects],
        "recordings": {
            s: [str(raw / f"S{s:03d}" / f"S{s:03d}R{run:02d}.edf") for run in runs]
            for s in subjects
        },
        "models": {name: str(args.results / "models" / f"{name}.pt") for name in NETWORKS},
    }


def run_reference(tree: Path, inputs: dict, threads: int, folder: str) -> dict:
    job = dict(inputs, threads=threads, folder=folder, bands=list(inputs["bands"].values()))
    environment = dict(os.environ, PYTHONPATH=str(tree.resolve() / "src"))
    result = subprocess.run(
        [sys.executable, "-c", REFERENCE, json.dumps(job)],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_eegvis(inputs: dict, device: torch.device, bandpass_jobs: int) -> tuple[float, dict]:
    started = time.perf_counter()
    models = {name: load_model(path, device)[0] for name, path in inputs["models"].items()}
    metadata = load_model(inputs["models"]["trained"])[1]
    subjects = bandpassed_subjects(
        inputs["epochs"],
        inputs["summaries"],
        metadata["classes"],
        inputs["recordings"],
        inputs["runs"],
        inputs["window"],
        list(inputs["bands"].values()),
        n_jobs=bandpass_jobs,
    )
    maps = envelope_activation_networks(
        models,
        subjects,
        mne.io.read_info(inputs["epochs"][0], verbose="error"),
        inputs["bands"],
        input_length=metadata["input_time_length"],
    )
    return time.perf_counter() - started, maps


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    inputs = workflow_inputs(args)
    device = resolve_device(args.device)
    print(
        f"{len(inputs['epochs'])} subjects of {args.results}, {len(inputs['bands'])} bands, "
        f"networks {', '.join(NETWORKS)}; {args.threads} torch threads, eegvis on {device}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory() as folder:
        reference = run_reference(args.reference_tree, inputs, args.threads, folder)
        ours, maps = run_eegvis(inputs, device, args.threads)
        difference = max(
            float(np.nanmax(np.abs(maps[name][f"units_{layer}"].values - expected)))
            for name in NETWORKS
            for layer, expected in np.load(Path(folder) / f"{name}.npz").items()
        )
    total = reference["bandpass"] + reference["envelopes"]
    print(f"{'step':<34}{'a8016e4 (s)':>12}{'eegvis (s)':>12}")
    print(f"{'band-pass jobs (one per subject)':<34}{reference['bandpass']:>12.2f}{'':>12}")
    print(f"{'envelope_activation job(s)':<34}{reference['envelopes']:>12.2f}{'':>12}")
    print(f"{'total':<34}{total:>12.2f}{ours:>12.2f}")
    print(f"speed-up (a8016e4 / eegvis): {total / ours:.2f}x")
    print(f"band-passed files written by a8016e4: {reference['disk'] / 1e6:.0f} MB; eegvis: 0 MB")
    print(
        f"max |r_eegvis - r_a8016e4| over all units, subjects and both networks: {difference:.1e}"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
