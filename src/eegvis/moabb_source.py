"""MOABB datasets as a source: one subject's recordings fetched through MOABB, saved as FIF.

MOABB (Mother of All BCI Benchmarks) downloads, caches and checks the public
motor-imagery datasets (BCI Competition IV 2a as ``BNCI2014_001``, the
High-Gamma Dataset as ``Schirrmeister2017``, PhysioNet as ``PhysionetMI``,
...). :func:`fetch_subject` asks MOABB for one subject's sessions and runs,
keeps the EEG channels (or the configured ones, in that order), labels each cue
with an annotation named after its event (``left_hand``, ...), and writes all
runs, one after the other, into one FIF file. MNE marks the joins
(``BAD boundary``), so no epoch spans two runs. Epoching reads that file like
any other recording (:func:`eegvis.recordings.read_run`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import mne

from eegvis.io import atomic_output
from eegvis.montage import standard_montage
from eegvis.recordings import RecordingError

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


def _picked(raw: mne.io.BaseRaw, channels: Sequence[str] | None, source: str) -> mne.io.BaseRaw:
    if channels is None:
        return raw.pick("eeg")
    missing = [name for name in channels if name not in raw.ch_names]
    if missing:
        raise RecordingError(f"{source}: dataset.moabb.channels {missing} are not recorded.")
    return raw.pick(list(channels))


def fetch_subject(
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
    runs = []
    for session, session_runs in dataset.get_data([subject])[subject].items():
        for run, raw in session_runs.items():
            raw = _picked(_labelled(raw.copy().load_data(), dataset.event_id), channels, source)
            logger.info(
                "%s, session %s, run %s: %d channels at %g Hz, %.0f s",
                source,
                session,
                run,
                len(raw.ch_names),
                raw.info["sfreq"],
                raw.times[-1],
            )
            runs.append(raw)
    if not runs:
        raise RecordingError(f"{source}: MOABB returned no recording.")
    raw = mne.concatenate_raws(runs, verbose="error")
    raw.set_montage(standard_montage(), on_missing="warn", verbose="error")
    with atomic_output(path) as tmp_path:
        raw.save(tmp_path, fmt="double", verbose="error")  # no float32 rounding
    return Path(path)
