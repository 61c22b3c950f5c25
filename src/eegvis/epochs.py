"""From EEGBCI recordings to labelled MNE epochs.

One subject's runs are read (channel names standardised, standard 10-05
positions set), brought to the analysis sampling rate, cut into windows
relative to the imagery cues and concatenated. MNE drops a window that ends
past the recording: in the 122.99 s runs of most subjects the last cue's
1.0-4.1 s window ends one sample too late, so those subjects keep 42 of 45
trials. Every drop is logged with its run and reason.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import mne
import numpy as np
import pandas as pd

from eegvis.eegbci import EDF_CHANNELS
from eegvis.subjects import SubjectTrials

logger = logging.getLogger(__name__)


#: Factor from volts (MNE's unit) to each supported unit of the network's input.
UNIT_SCALE = {"uV": 1e6, "V": 1.0}


class RecordingError(ValueError):
    """A recording cannot be used; the message names the file and the problem."""


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


def standard_montage() -> mne.channels.DigMontage:
    """Return MNE's standard 10-05 montage (positions of all EEGBCI channels).

    MNE 1.13 renamed ``standard_1005`` to ``colin27_1005`` (same positions);
    the new name is used where it exists.
    """
    builtin = mne.channels.get_builtin_montages()
    return mne.channels.make_standard_montage(
        "colin27_1005" if "colin27_1005" in builtin else "standard_1005"
    )


def check_edf_size(path: str | os.PathLike) -> None:
    """Raise :class:`RecordingError` if an EDF file is shorter than its header declares.

    MNE reads a truncated EDF file without an error (it infers the number of
    data records from the file size and only warns), so a partly copied or
    downloaded recording would silently lose its end. The size the header
    declares is ``header bytes + records x samples per record x 2 bytes``
    (3 bytes for BDF). Files whose header cannot be parsed, or that declare
    an unknown number of records (``-1``), are left to the EDF reader.

    Parameters
    ----------
    path : path-like
        An EDF (or BDF) file.

    Raises
    ------
    RecordingError
        Naming the file, the declared and the actual size.
    """
    with open(path, "rb") as stream:
        header = stream.read(256)
        try:
            n_header_bytes = int(header[184:192])
            n_records = int(header[236:244])
            n_signals = int(header[252:256])
            stream.seek(256 + n_signals * 216)
            fields = stream.read(8 * n_signals)
            samples = sum(int(fields[8 * i : 8 * i + 8]) for i in range(n_signals))
        except ValueError:
            return
    if n_records < 0 or n_signals < 1:
        return
    sample_bytes = 3 if header[:1] == b"\xff" else 2
    expected = n_header_bytes + n_records * samples * sample_bytes
    actual = Path(path).stat().st_size
    if actual < expected:
        raise RecordingError(
            f"{path}: truncated EDF file: its header declares {n_records} data records "
            f"({expected} bytes) but the file has {actual} bytes. Delete it and fetch or "
            "copy it again."
        )


def read_run(path: str | os.PathLike) -> mne.io.BaseRaw:
    """Read one EEGBCI recording with standard channel names and positions.

    Parameters
    ----------
    path : path-like
        An EDF file in the EEGBCI format.

    Returns
    -------
    raw : mne.io.Raw
        The 64 EEG channels in volts, names as in the 10-05 system (``C3``,
        ``FCz``), positions from :func:`standard_montage`.

    Raises
    ------
    RecordingError
        If the file cannot be read as EDF, is shorter than its header
        declares (truncated), or lacks one of the 64 channels.
    """
    check_edf_size(path)
    try:
        raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
    except Exception as error:
        raise RecordingError(f"{path}: cannot be read as an EDF recording ({error}).") from error
    missing = [name for name in EDF_CHANNELS if name not in raw.ch_names]
    if missing:
        raise RecordingError(f"{path}: expected EEGBCI channels are missing: {missing}.")
    raw.pick(list(EDF_CHANNELS))
    mne.datasets.eegbci.standardize(raw)
    raw.set_montage(standard_montage())
    return raw


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
        One run, as returned by :func:`read_run`.
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


def read_runs(
    paths: Sequence[str | os.PathLike], sfreq: float
) -> list[tuple[mne.io.BaseRaw, float]]:
    """Read runs with :func:`read_run` and bring them to ``sfreq``.

    Parameters
    ----------
    paths : sequence of path-like
        EDF files.
    sfreq : float
        Target sampling rate in Hz; other runs are resampled, with a warning.

    Returns
    -------
    runs : list of (mne.io.Raw, float)
        Each run at ``sfreq``, with the rate it was recorded at.
    """
    runs = []
    for path in paths:
        raw = read_run(path)
        recorded = float(raw.info["sfreq"])
        if recorded != sfreq:
            logger.warning("%s: recorded at %g Hz, resampling to %g Hz", path, recorded, sfreq)
            raw.resample(sfreq, verbose="error")
        runs.append((raw, recorded))
    return runs


def bandpassed_trials(
    paths: Sequence[str | os.PathLike],
    runs: Sequence[int],
    classes: Mapping[str, str],
    tmin: float,
    tmax: float,
    sfreq: float,
    bands: Sequence[tuple[float, float]],
    units: str = "uV",
) -> np.ndarray:
    """Band-pass each continuous run, then cut the same trials as :func:`epoch_subject`.

    Filtering the continuous recording (Butterworth order 4, zero-phase, see
    :func:`eegvis.envelopes.bandpass`) keeps the filter's edge effects at the
    ends of the run instead of the ends of every trial.

    Parameters
    ----------
    paths, runs, classes, tmin, tmax, sfreq
        As for :func:`epoch_subject`.
    bands : sequence of (float, float)
        Pass bands in Hz (``low = 0`` for a low-pass).
    units : {"uV", "V"}
        Units of the returned data.

    Returns
    -------
    filtered : ndarray, shape (n_bands, n_trials, n_channels, n_times), float32
        Trials in the order of :func:`epoch_subject`'s epochs.
    """
    from eegvis.envelopes import bandpass

    scale = UNIT_SCALE[units]
    prepared = read_runs(paths, sfreq)
    filtered = []
    for low, high in bands:
        pieces = []
        for (raw, _), run in zip(prepared, runs, strict=True):
            band_raw = raw.copy().apply_function(
                lambda data, low=low, high=high: bandpass(data, sfreq, low, high),
                channel_wise=False,
                verbose="error",
            )
            epochs, _ = epoch_run(band_raw, classes, tmin, tmax, run)
            pieces.append(epochs.get_data(copy=False))
        filtered.append((np.concatenate(pieces) * scale).astype(np.float32))
    return np.stack(filtered)


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


def summary_table(summaries: Sequence[Mapping], train_subjects: Sequence[int]) -> pd.DataFrame:
    """Tabulate per-subject epoching summaries.

    Parameters
    ----------
    summaries : sequence of mapping
        :meth:`EpochingSummary.to_dict` of each subject.
    train_subjects : sequence of int
        Subjects of the training split; the others are validation subjects.

    Returns
    -------
    table : pandas.DataFrame
        One row per subject: ``subject``, ``split``, one ``n_<class>`` column
        per class, ``n_dropped``, ``sfreq``, ``resampled``, ``excluded``,
        ``reason``.
    """
    rows = []
    for summary in summaries:
        row = {
            "subject": summary["subject"],
            "split": "train" if summary["subject"] in train_subjects else "valid",
        }
        row.update({f"n_{name}": count for name, count in summary["n_trials"].items()})
        row.update(
            n_dropped=len(summary["dropped"]),
            sfreq=summary["sfreq"],
            resampled=summary["resampled"],
            excluded=summary["excluded"],
            reason=summary["reason"],
        )
        rows.append(row)
    return pd.DataFrame(rows)


def usable_subjects(summary_paths: Sequence[str | os.PathLike]) -> list[int]:
    """Return the indices of the subjects that later steps use.

    Parameters
    ----------
    summary_paths : sequence of path-like
        Per-subject epoching summaries (JSON); a subject marked ``excluded``
        is left out, with a log line saying why.

    Returns
    -------
    indices : list of int
        Positions in ``summary_paths`` of the usable subjects.
    """
    indices = []
    for index, path in enumerate(summary_paths):
        summary = json.loads(Path(path).read_text())
        if summary["excluded"]:
            logger.warning("Skipping subject %d: %s", summary["subject"], summary["reason"])
        else:
            indices.append(index)
    return indices


def iter_subjects(
    epoch_paths: Sequence[str | os.PathLike],
    summary_paths: Sequence[str | os.PathLike],
    classes: Sequence[str],
    units: str = "uV",
    bandpassed_paths: Sequence[str | os.PathLike] | None = None,
    splits: Mapping[int, str] | None = None,
) -> Iterator[SubjectTrials]:
    """Load usable subjects one at a time (memory independent of their number).

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
    bandpassed_paths : sequence of path-like | None
        The matching band-passed trials (``.npy`` of :func:`bandpassed_trials`),
        loaded into :attr:`SubjectTrials.filtered`.
    splits : mapping of int to str | None
        Subject number to ``"train"`` or ``"valid"``.

    Yields
    ------
    trials : SubjectTrials
        In the order of ``epoch_paths``.
    """
    for index in usable_subjects(summary_paths):
        subject = int(json.loads(Path(summary_paths[index]).read_text())["subject"])
        X, y = to_arrays(load_epochs(epoch_paths[index]), classes, units)
        filtered = None if bandpassed_paths is None else np.load(bandpassed_paths[index])
        yield SubjectTrials(subject, X, y, filtered, (splits or {}).get(subject, ""))


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
    loaded = list(iter_subjects(epoch_paths, summary_paths, classes, units))
    if not loaded:
        raise RecordingError(f"no usable subject among {', '.join(map(str, epoch_paths))}.")
    return (
        np.concatenate([trials.X for trials in loaded]),
        np.concatenate([trials.y for trials in loaded]),
        np.concatenate([np.full(len(trials.y), trials.subject) for trials in loaded]),
    )
