"""From EEGBCI recordings to labelled MNE epochs, and back to network arrays.

One subject's runs, read and brought to the analysis sampling rate by
:func:`eegvis.data.recordings.read_runs`, are cut into windows relative to the
imagery cues and concatenated. MNE drops a window that ends past the
recording: in the 122.99 s runs of most subjects the last cue's 1.0-4.1 s
window ends one sample too late, so those subjects keep 42 of 45 trials. Every
drop is logged with its run and reason. The saved epochs of usable subjects
are loaded back as the network's inputs and targets.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import mne
import numpy as np
import pandas as pd

from eegvis.data.recordings import RecordingError, read_runs
from eegvis.data.subjects import SubjectTrials
from eegvis.data.summaries import usable_subjects
from eegvis.utils.progress import counted, progress

logger = logging.getLogger(__name__)


#: Factor from volts (MNE's unit) to each supported unit of the network's input.
UNIT_SCALE = {"uV": 1e6, "V": 1.0}


@dataclass
class EpochingSummary:
    """What happened to one subject's recordings during epoching.

    Attributes
    ----------
    subject : int
        Subject number.
    sfreq : float
        Sampling rate of the epochs, in Hz.
    original_sfreq : list of float
        Sampling rate of each run as recorded.
    resampled : bool
        Whether any run was resampled to ``sfreq``.
    excluded : bool
        Whether downstream steps must skip this subject.
    reason : str
        Why the subject is excluded (empty if not).
    n_trials : dict of str to int
        Kept trials per class.
    dropped : list of str
        One entry per dropped trial: run, cue onset and MNE's drop reason.
    """

    subject: int
    sfreq: float
    original_sfreq: list[float] = field(default_factory=list)
    resampled: bool = False
    excluded: bool = False
    reason: str = ""
    n_trials: dict[str, int] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return the summary as JSON-serialisable types."""
        return asdict(self)


def epoch_run(
    raw: mne.io.BaseRaw,
    classes: Mapping[str, str],
    tmin: float,
    tmax: float,
    run: int,
) -> tuple[mne.Epochs, list[str]]:
    """Cut one run into labelled windows around its cues.

    Parameters
    ----------
    raw : mne.io.Raw
        One run, as returned by :func:`eegvis.data.recordings.read_run`.
    classes : mapping of str to str
        Class name to annotation code (``{"left_hand": "T1", ...}``); class
        ``i`` in this order gets event code ``i + 1``.
    tmin, tmax : float
        Window relative to cue onset, in seconds (``tmax`` inclusive).
    run : int
        Run number, stored in the epochs' metadata.

    Returns
    -------
    epochs : mne.Epochs
        Kept windows, with metadata columns ``run``, ``annotation``, ``onset``
        (cue onset in the run, s) and ``label`` (class name).
    dropped : list of str
        A description of each window MNE dropped.

    Raises
    ------
    RecordingError
        If the run has no annotation of any configured class.
    """
    source = raw.filenames[0] if raw.filenames and raw.filenames[0] else "recording"
    event_id = {code: index + 1 for index, code in enumerate(classes.values())}
    cues = [a for a in raw.annotations if a["description"] in event_id]
    if not cues:
        raise RecordingError(
            f"{source}: no {'/'.join(event_id)} annotations, so no trials of "
            f"{', '.join(classes)} can be cut."
        )
    events, _ = mne.events_from_annotations(raw, event_id=event_id, verbose="error")
    metadata = pd.DataFrame(
        {
            "run": run,
            "annotation": [cue["description"] for cue in cues],
            "onset": [float(cue["onset"]) for cue in cues],
        }
    )
    metadata["label"] = metadata["annotation"].map({c: n for n, c in classes.items()})
    epochs = mne.Epochs(
        raw,
        events,
        event_id={name: event_id[code] for name, code in classes.items()},
        tmin=tmin,
        tmax=tmax,
        baseline=None,
        metadata=metadata,
        preload=True,
        on_missing="ignore",
        verbose="error",
    )
    dropped = [
        f"run {run}: {metadata['annotation'][i]} cue at {metadata['onset'][i]:.2f} s "
        f"({', '.join(reasons)})"
        for i, reasons in enumerate(epochs.drop_log)
        if reasons
    ]
    return epochs, dropped


def epoch_subject(
    subject: int,
    paths: Sequence[str | os.PathLike],
    runs: Sequence[int],
    classes: Mapping[str, str],
    tmin: float,
    tmax: float,
    sfreq: float,
    other_sfreq: str = "resample",
) -> tuple[mne.Epochs, EpochingSummary]:
    """Epoch all runs of one subject.

    Parameters
    ----------
    subject : int
        Subject number, stored in the metadata.
    paths : sequence of path-like
        One EDF file per run.
    runs : sequence of int
        The run number of each path.
    classes : mapping of str to str
        Class name to annotation code, see :func:`epoch_run`.
    tmin, tmax : float
        Window relative to cue onset, in seconds.
    sfreq : float
        Sampling rate the analyses expect, in Hz.
    other_sfreq : {"resample", "exclude"}
        For a run recorded at another rate: resample it to ``sfreq`` and use
        the subject, or resample it (so the file stays readable alongside the
        others) and mark the subject as excluded in the summary, which later
        steps honour.

    Returns
    -------
    epochs : mne.Epochs
        All kept trials of all runs, data in volts, metadata with ``subject``.
    summary : EpochingSummary
        Trial counts, drops, resampling and exclusion.
    """
    summary = EpochingSummary(subject=subject, sfreq=sfreq)
    pieces = []
    for path, run, (raw, recorded) in zip(paths, runs, read_runs(paths, sfreq), strict=True):
        summary.original_sfreq.append(recorded)
        if recorded != sfreq:
            summary.resampled = True
            if other_sfreq == "exclude":
                summary.excluded = True
                summary.reason = f"{path} is recorded at {recorded:g} Hz, not {sfreq:g} Hz"
                logger.warning("Subject %d excluded from later steps: %s", subject, summary.reason)
        epochs, dropped = epoch_run(raw, classes, tmin, tmax, run)
        summary.dropped += dropped
        for entry in dropped:
            logger.info("Subject %d: dropped %s", subject, entry)
        pieces.append(epochs)
    epochs = mne.concatenate_epochs(pieces, verbose="error")
    epochs.metadata.insert(0, "subject", subject)
    summary.n_trials = {name: int((epochs.metadata["label"] == name).sum()) for name in classes}
    empty = [name for name, count in summary.n_trials.items() if count == 0]
    if empty:
        raise RecordingError(
            f"subject {subject} ({', '.join(map(str, paths))}): no trials of class "
            f"{', '.join(empty)} after epoching."
        )
    logger.info(
        "Subject %d: %s trials kept, %d dropped, %d samples per trial at %g Hz",
        subject,
        summary.n_trials,
        len(summary.dropped),
        len(epochs.times),
        epochs.info["sfreq"],
    )
    return epochs, summary


def to_arrays(
    epochs: mne.BaseEpochs, classes: Sequence[str], units: str = "uV"
) -> tuple[np.ndarray, np.ndarray]:
    """Return the network's inputs and targets.

    Parameters
    ----------
    epochs : mne.Epochs
        Epochs as written by the epoching step (data in volts).
    classes : sequence of str
        Class names; the target of class ``classes[i]`` is ``i``.
    units : {"uV", "V"}
        Units of the returned data.

    Returns
    -------
    X : ndarray, shape (n_trials, n_channels, n_times), float32
    y : ndarray, shape (n_trials,), int64
    """
    scale = UNIT_SCALE[units]
    X = (epochs.get_data(copy=True) * scale).astype(np.float32)
    y = epochs.metadata["label"].map({name: i for i, name in enumerate(classes)})
    return X, y.to_numpy(dtype=np.int64)


def load_epochs(path: str | os.PathLike) -> mne.Epochs:
    """Read epochs written by the epoching step."""
    return mne.read_epochs(Path(path), preload=True, verbose="error")


def iter_subjects(
    epoch_paths: Sequence[str | os.PathLike],
    summary_paths: Sequence[str | os.PathLike],
    classes: Sequence[str],
    units: str = "uV",
    bandpassed: Callable[[int], np.ndarray] | None = None,
    splits: Mapping[int, str] | None = None,
) -> Iterator[SubjectTrials]:
    """Load usable subjects one at a time (memory independent of their number).

    The summaries are read at the call (excluded subjects are logged then), the
    epochs when the iterator reaches them.

    Parameters
    ----------
    epoch_paths : sequence of path-like
        Epochs files written by the epoching step, one per subject.
    summary_paths : sequence of path-like
        The matching per-subject summaries (JSON); subjects marked
        ``excluded`` are skipped, with a log line.
    classes : sequence of str
        Class names; see :func:`to_arrays`.
    units : {"uV", "V"}
        Units of the returned data.
    bandpassed : callable | None
        Called with the subject number, returns its band-passed trials
        (n_bands, n_trials, n_channels, n_times), in the order of the epochs
        (:func:`eegvis.data.bandpassing.subject_bandpasser`), put into
        :attr:`SubjectTrials.filtered`.
    splits : mapping of int to str | None
        Subject number to ``"train"`` or ``"valid"``.

    Returns
    -------
    subjects : iterator of SubjectTrials
        In the order of ``epoch_paths``, with their number as length hint
        (:func:`eegvis.utils.progress.counted`).
    """

    def load(index: int) -> SubjectTrials:
        subject = int(json.loads(Path(summary_paths[index]).read_text())["subject"])
        X, y = to_arrays(load_epochs(epoch_paths[index]), classes, units)
        filtered = None if bandpassed is None else bandpassed(subject)
        if filtered is not None and filtered.shape[1:] != X.shape:
            raise ValueError(
                f"subject {subject}: band-passed trials {filtered.shape[1:]} do not match "
                f"the epochs {epoch_paths[index]} {X.shape} (trials, channels, samples)"
            )
        return SubjectTrials(subject, X, y, filtered, (splits or {}).get(subject, ""))

    indices = usable_subjects(summary_paths)
    return counted(map(load, indices), len(indices))


def load_split(
    epoch_paths: Sequence[str | os.PathLike],
    summary_paths: Sequence[str | os.PathLike],
    classes: Sequence[str],
    units: str = "uV",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Load and concatenate the trials of several subjects, skipping excluded ones.

    Parameters
    ----------
    epoch_paths, summary_paths, classes, units
        As for :func:`iter_subjects`.

    Returns
    -------
    X : ndarray, shape (n_trials, n_channels, n_times), float32
    y : ndarray, shape (n_trials,), int64
    subjects : ndarray, shape (n_trials,), int64
        Subject number of each trial.

    Raises
    ------
    RecordingError
        If no subject is usable.
    """
    subjects = iter_subjects(epoch_paths, summary_paths, classes, units)
    loaded = list(progress(subjects, desc="loading epochs", logger=logger))
    if not loaded:
        raise RecordingError(f"no usable subject among {', '.join(map(str, epoch_paths))}.")
    return (
        np.concatenate([trials.X for trials in loaded]),
        np.concatenate([trials.y for trials in loaded]),
        np.concatenate([np.full(len(trials.y), trials.subject) for trials in loaded]),
    )
