"""Time eegvis's per-subject ICA + ICLabel against the same steps written by hand.

Data: one EEGBCI subject's runs 4, 8 and 12 (64 channels, 160 Hz, 3 x 2 min),
read with ``eegvis.data.recordings.read_run`` from ``--data`` (default: the
``shared/eegbci`` folder beside the repository, as the tests use).

Rows, on the same runs with the same settings (``--method``,
``--n-components``, ``--decim``, ``--seed``; exclusion of eye blink and muscle
artifact components with probability >= 0.8):

- by hand: what a user of MNE and mne-icalabel writes: concatenate the runs,
  high-pass a copy at 1 Hz, average-reference it, fit
  ``mne.preprocessing.ICA`` (Picard with ``ortho=False, extended=True``, or
  extended Infomax), ``mne_icalabel.label_components``, set ``ica.exclude``
  and apply the ICA to each average-referenced run;
- eegvis: ``eegvis.preprocessing.ica.clean_with_ica`` (the same steps, with
  the checks, the notes and the component table).

Only the work is timed, not reading the files; ICLabel's network is loaded
once before (not timed). The labels of both sides and the largest difference
of their cleaned runs are printed.

    python benchmarks/ica.py [--data ../shared/eegbci] [--subject 1] [--threads N]
                             [--repeats 1] [--method picard|infomax] [--n-components 30]
                             [--decim N] [--seed 0]
"""

from __future__ import annotations

import argparse
import logging
import os
import warnings
from pathlib import Path

import mne
import numpy as np
import torch
from _timing import timed
from mne.preprocessing import ICA
from mne_icalabel import label_components
from threadpoolctl import threadpool_limits

from eegvis.data.recordings import read_run
from eegvis.preprocessing.ica import FIT_PARAMS, clean_with_ica

RUNS = (4, 8, 12)
EXCLUDE = ("eye blink", "muscle artifact")
THRESHOLD = 0.8
DATA = Path(__file__).resolve().parents[2] / "shared" / "eegbci"


def by_hand(
    runs: list[mne.io.BaseRaw], method: str, n_components: int, decim: int | None, seed: int
) -> tuple[list[str], list[mne.io.BaseRaw]]:
    """The steps of ``clean_with_ica`` as a user writes them; return labels and cleaned runs."""
    raw = mne.concatenate_raws([run.copy() for run in runs])
    raw.filter(1.0, None)
    raw.set_eeg_reference("average")
    ica = ICA(n_components, method=method, fit_params=dict(FIT_PARAMS[method]), random_state=seed)
    ica.fit(raw, decim=decim)
    labelled = label_components(raw, ica, method="iclabel")
    ica.exclude = [
        index
        for index, (label, probability) in enumerate(
            zip(labelled["labels"], labelled["y_pred_proba"], strict=True)
        )
        if label in EXCLUDE and probability >= THRESHOLD
    ]
    cleaned = [ica.apply(run.copy().set_eeg_reference("average")) for run in runs]
    return list(labelled["labels"]), cleaned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder of SXXX/SXXXRYY.edf")
    parser.add_argument("--subject", type=int, default=1)
    parser.add_argument("--threads", type=int, help="BLAS, OpenMP and torch threads")
    parser.add_argument("--repeats", type=int, default=1, help="report the best of this many")
    parser.add_argument("--method", default="picard", choices=sorted(FIT_PARAMS))
    parser.add_argument("--n-components", type=int, default=30)
    parser.add_argument("--decim", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        threadpool_limits(args.threads)
        torch.set_num_threads(args.threads)
    mne.set_log_level("error")
    warnings.simplefilter("ignore")  # both sides meet the same warnings; eegvis notes them
    logging.getLogger("eegvis").setLevel(logging.ERROR)  # and logs them: not timed output
    folder = args.data / f"S{args.subject:03d}"
    runs = [read_run(folder / f"S{args.subject:03d}R{run:02d}.edf") for run in RUNS]
    settings = dict(method=args.method, n_components=args.n_components, decim=args.decim)
    clean_with_ica(runs[0].copy().crop(0, 20), n_components=5)  # load ICLabel's network
    print(
        f"subject {args.subject}: {len(runs)} runs, {len(runs[0].ch_names)} channels, "
        f"{sum(run.n_times for run in runs)} samples at {runs[0].info['sfreq']:g} Hz; "
        f"{settings}, seed {args.seed}; torch {torch.__version__} "
        f"({torch.get_num_threads()} threads); load average {os.getloadavg()[0]:.2f}"
    )
    hand_s, (hand_labels, hand_runs) = timed(
        lambda: by_hand(runs, args.method, args.n_components, args.decim, args.seed),
        args.repeats,
    )
    eegvis_s, cleaning = timed(
        lambda: clean_with_ica(runs, args.subject, random_state=args.seed, **settings),
        args.repeats,
    )
    difference = max(
        np.abs(ours.get_data() - theirs.get_data()).max()
        for ours, theirs in zip(cleaning.runs, hand_runs, strict=True)
    )
    same = cleaning.components["label"].tolist() == hand_labels
    excluded = cleaning.components[cleaning.components["excluded"]]
    print(f"  by hand (MNE ICA + label_components + apply) {hand_s:8.2f} s")
    print(f"  eegvis clean_with_ica                        {eegvis_s:8.2f} s")
    print(
        f"  labels {'equal' if same else 'DIFFER'}; excluded {excluded['component'].tolist()} "
        f"({'; '.join(excluded['label'])}); max |cleaned difference| {difference:.1e} V; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(f"by hand / eegvis: {hand_s / eegvis_s:.2f}x")


if __name__ == "__main__":
    main()
