"""Recordings from other sources, saved as one FIF file per subject: MOABB datasets and BIDS.

- :func:`fetch_moabb_subject`: a dataset of MOABB (Mother of All BCI
  Benchmarks), which downloads, caches and checks the public motor-imagery
  datasets (BCI Competition IV 2a as ``BNCI2014_001``, the High-Gamma Dataset
  as ``Schirrmeister2017``, PhysioNet as ``PhysionetMI``, ...). Cues are labelled
  with annotations named after their events (from the stim channel where the
  dataset has no annotations).
- :func:`read_bids_subject`: a BIDS dataset read with MNE-BIDS; cues are the
  events of ``events.tsv`` (``trial_type``), which MNE-BIDS turns into
  annotations.

Both keep the EEG channels (or the configured ones, in that order) and write
all runs, one after the other, into one FIF file (:func:`save_recordings`).
MNE marks the joins (``BAD boundary``), so no epoch spans two runs. Epoching
reads that file like any other recording (:func:`eegvis.data.recordings.read_run`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import mne

from eegvis.data.montage import standard_montage
from eegvis.data.recordings import RecordingError
from eegvis.utils.io import atomic_output

logger = logging.getLogger(__name__)


def moabb_dataset(name: str, options: Mapping[str, Any] | None = None) -> Any:
    """Instantiate a dataset of ``moabb.datasets`` by its class name.

    Parameters
    ----------
    name : str
        Class name, e.g. ``"BNCI2014_001"``.
    options : mapping | None
        Keyword arguments of the class.

    Returns
    -------
    dataset : moabb.datasets.base.BaseDataset

    Raises
    ------
    RecordingError
        If MOABB has no dataset of that name (the message names ``dataset.moabb.dataset``).
    """
    import moabb.datasets

    cls = getattr(moabb.datasets, name, None)
    if cls is None:
        raise RecordingError(f"dataset.moabb.dataset: moabb.datasets has no dataset {name!r}.")
    return cls(**dict(options or {}))


def _labelled(raw: mne.io.BaseRaw, event_id: Mapping[str, int]) -> mne.io.BaseRaw:
    """Make sure every cue is an annotation named after its event (from the stim channel)."""
    names = set(event_id)
    if raw.annotations and names & set(raw.annotations.description):
        return raw
    events = mne.find_events(raw, shortest_event=0, verbose="error")
    descriptions = {code: name for name, code in event_id.items()}
    events = events[[code in descriptions for code in events[:, 2]]]
    raw.set_annotations(
        mne.annotations_from_events(
            events, raw.info["sfreq"], descriptions, orig_time=raw.annotations.orig_time
        )
    )
    return raw


def picked(raw: mne.io.BaseRaw, channels: Sequence[str] | None, source: str) -> mne.io.BaseRaw:
    """Keep the EEG channels, or ``channels`` in that order (an error names missing ones)."""
    if channels is None:
        return raw.pick("eeg")
    missing = [name for name in channels if name not in raw.ch_names]
    if missing:
        raise RecordingError(f"{source}: channels {missing} are not recorded.")
    return raw.pick(list(channels))


def fetch_moabb_subject(
    name: str | Any,
    subject: int,
    path: str | os.PathLike,
    options: Mapping[str, Any] | None = None,
    channels: Sequence[str] | None = None,
) -> Path:
    """Fetch one subject of a MOABB dataset and write all its runs to one FIF file.

    Parameters
    ----------
    name : str | moabb.datasets.base.BaseDataset
        Class name in ``moabb.datasets``, or a dataset instance.
    subject : int
        Subject number, as the dataset counts them.
    path : path-like
        Output ``*_raw.fif`` file, written atomically.
    options : mapping | None
        Keyword arguments of the dataset class.
    channels : sequence of str | None
        EEG channels to keep, in this order; default every EEG channel.

    Returns
    -------
    path : Path
        The written file: EEG channels in volts with positions of the standard
        10-05 montage, one annotation per cue named after its event.

    Raises
    ------
    RecordingError
        If the subject is not in the dataset, a configured channel is missing,
        or the recordings hold no cue.
    """
    dataset = moabb_dataset(name, options) if isinstance(name, str) else name
    source = f"{type(dataset).__name__} subject {subject}"
    if subject not in dataset.subject_list:
        raise RecordingError(
            f"subjects: {source} is not in the dataset (subjects {dataset.subject_list})."
        )
    raws = []
    for session, session_runs in dataset.get_data([subject])[subject].items():
        for run, raw in session_runs.items():
            raw = picked(_labelled(raw.copy().load_data(), dataset.event_id), channels, source)
            logger.info(
                "%s, session %s, run %s: %d channels at %g Hz, %.0f s",
                source,
                session,
                run,
                len(raw.ch_names),
                raw.info["sfreq"],
                raw.times[-1],
            )
            raws.append(raw)
    return save_recordings(raws, path, source)


def save_recordings(raws: Sequence[mne.io.BaseRaw], path: str | os.PathLike, source: str) -> Path:
    """Write one subject's runs, one after the other, into one FIF file (float64, atomically).

    Parameters
    ----------
    raws : sequence of mne.io.Raw
        The runs, with the same channels; cues as annotations.
    path : path-like
        Output ``*_raw.fif`` file.
    source : str
        Where the runs come from, for error messages.

    Returns
    -------
    path : Path
        Channel positions from the standard 10-05 montage; MNE marks each join
        ``BAD boundary``, so no epoch spans two runs.

    Raises
    ------
    RecordingError
        If there is no run.
    """
    if not raws:
        raise RecordingError(f"{source}: no recording.")
    raw = mne.concatenate_raws(list(raws), verbose="error")
    raw.set_montage(standard_montage(), on_missing="warn", verbose="error")
    with atomic_output(path) as tmp_path:
        raw.save(tmp_path, fmt="double", verbose="error")  # no float32 rounding
    return Path(path)


def read_bids_subject(
    root: str | os.PathLike,
    subject: int,
    path: str | os.PathLike,
    task: str,
    session: str | None = None,
    runs: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
) -> Path:
    """Read one subject's EEG runs of a BIDS dataset and write them to one FIF file.

    Parameters
    ----------
    root : path-like
        The BIDS root.
    subject : int
        Subject number; the BIDS label is the one whose number it is (``01``,
        ``001`` or ``1``).
    path : path-like
        Output ``*_raw.fif`` file.
    task : str
        BIDS task.
    session : str | None
        BIDS session, if the dataset has sessions.
    runs : sequence of str | None
        BIDS run labels; default every run of the task.
    channels : sequence of str | None
        EEG channels to keep, in this order; default every EEG channel.

    Returns
    -------
    path : Path

    Raises
    ------
    RecordingError
        If the root, the subject or a run is missing; the message names the
        BIDS entity or file.
    """
    from mne_bids import BIDSPath, get_entity_vals, read_raw_bids

    root = Path(root)
    if not (root / "dataset_description.json").exists():
        raise RecordingError(f"dataset.bids.root {root}: no dataset_description.json (not BIDS).")
    labels = {int(label): label for label in get_entity_vals(root, "subject") if label.isdigit()}
    if subject not in labels:
        raise RecordingError(
            f"dataset.bids.root {root}: no sub-<label> for subject {subject} "
            f"(subjects {sorted(labels)})."
        )
    query = BIDSPath(root=root, subject=labels[subject], session=session, task=task, datatype="eeg")
    found = sorted(
        {p.run for p in query.match() if p.run is not None} if runs is None else set(runs)
    )
    raws = []
    for run in found or [None]:
        bids_path = query.copy().update(run=run, suffix="eeg")
        matches = bids_path.match()
        if not matches:
            raise RecordingError(f"dataset.bids: no recording for {bids_path.basename} in {root}.")
        raw = read_raw_bids(matches[0], verbose="error").load_data(verbose="error")
        raws.append(picked(raw, channels, str(matches[0].fpath)))
    return save_recordings(raws, path, f"{root} subject {subject}")
