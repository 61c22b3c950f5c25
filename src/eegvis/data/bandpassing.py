"""Band-passed trials: each continuous run filtered, then cut like the epochs.

The envelope analyses need every trial in several frequency bands. Filtering
the continuous run (not the cut trials) keeps the filter's edge effects at the
ends of the run; the trials are then cut with :func:`eegvis.data.epochs.epoch_run`,
so they are the trials of :func:`eegvis.data.epochs.epoch_subject`, in its order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import mne
import numpy as np
import numpy.typing as npt

from eegvis.data.epochs import UNIT_SCALE, epoch_run, iter_subjects
from eegvis.data.filters import bandpass
from eegvis.data.recordings import read_runs
from eegvis.data.subjects import SubjectTrials, prefetched


def bandpassed_trials(
    paths: Sequence[str | os.PathLike],
    runs: Sequence[int],
    classes: Mapping[str, str],
    tmin: float,
    tmax: float,
    sfreq: float,
    bands: Sequence[tuple[float, float]],
    units: str = "uV",
    n_jobs: int = 1,
) -> np.ndarray:
    """Band-pass each continuous run, then cut the trials of its epochs (as ``epoch_subject``).

    Filtering the continuous recording (Butterworth order 4, zero-phase, see
    :func:`eegvis.data.filters.bandpass`) keeps the filter's edge effects at the
    ends of the run instead of the ends of every trial. Each run is epoched
    once; every band is cut at the same samples (:func:`trial_samples`).

    Parameters
    ----------
    paths, runs, classes, tmin, tmax, sfreq
        As for :func:`eegvis.data.epochs.epoch_subject`.
    bands : sequence of (float, float)
        Pass bands in Hz (``low = 0`` for a low-pass).
    units : {"uV", "V"}
        Units of the returned data.
    n_jobs : int
        Bands filtered at the same time, in threads (SciPy's filters release
        the interpreter lock). The result does not depend on it.

    Returns
    -------
    filtered : ndarray, shape (n_bands, n_trials, n_channels, n_times), float32
        Trials in the order of :func:`eegvis.data.epochs.epoch_subject`'s epochs.
    """
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be at least 1, got {n_jobs}")
    pieces = []
    for (raw, _), run in zip(read_runs(paths, sfreq), runs, strict=True):
        epochs, _ = epoch_run(raw, classes, tmin, tmax, run)
        pieces.append(bandpass_trials(raw, epochs, bands, units, n_jobs=n_jobs))
    return np.concatenate(pieces, axis=1)


def bandpass_trials(
    raw: mne.io.BaseRaw,
    epochs: mne.BaseEpochs,
    bands: Mapping[str, tuple[float, float]] | Sequence[tuple[float, float]],
    units: str = "uV",
    *,
    n_jobs: int = 1,
    dtype: npt.DTypeLike = np.float32,
) -> np.ndarray:
    """Band-pass the continuous ``raw`` into each band, then cut ``epochs``' trials from it.

    The epochs must have been cut from ``raw`` (no resampling or decimation
    since); every band is cut at the samples the epochs were cut at
    (:func:`trial_samples`), so the filter's edge effects stay at the
    recording's ends.

    Parameters
    ----------
    raw : mne.io.Raw
        The continuous recording.
    epochs : mne.Epochs
        Trials cut from ``raw``; their channels are filtered.
    bands : mapping of str to (float, float) | sequence of (float, float)
        Pass bands in Hz (``low = 0`` for a low-pass), in order.
    units : {"uV", "V"}
        Units of the returned data.
    n_jobs : int
        Bands filtered at the same time, in threads (SciPy's filters release
        the interpreter lock). The result does not depend on it.
    dtype : numpy dtype
        Type of the returned data.

    Returns
    -------
    filtered : ndarray, shape (n_bands, n_trials, n_channels, n_times)
    """
    if units not in UNIT_SCALE:
        raise ValueError(f"units must be one of {sorted(UNIT_SCALE)}, got {units!r}")
    if epochs.info["sfreq"] != raw.info["sfreq"]:
        raise ValueError(
            f"the epochs are sampled at {epochs.info['sfreq']:g} Hz, the raw recording at "
            f"{raw.info['sfreq']:g} Hz: cut the epochs from this recording"
        )
    samples = trial_samples(epochs, raw)
    if samples.size and (samples.min() < 0 or samples.max() >= raw.n_times):
        raise ValueError(
            f"the epochs' trials reach beyond the raw recording's {raw.n_times} samples: "
            "cut the epochs from this recording"
        )
    sfreq, scale = raw.info["sfreq"], UNIT_SCALE[units]
    data = raw.get_data(picks=epochs.ch_names)
    bands = list(bands.values()) if isinstance(bands, Mapping) else list(bands)

    def cut_band(band: tuple[float, float]) -> np.ndarray:
        trials = bandpass(data, sfreq, *band)[:, samples] * scale
        return trials.transpose(1, 0, 2).astype(dtype)

    with ThreadPoolExecutor(n_jobs) as pool:
        return np.stack(list(pool.map(cut_band, bands)))


def trial_samples(epochs: mne.BaseEpochs, raw: mne.io.BaseRaw) -> np.ndarray:
    """Return the samples of ``raw`` each of ``epochs``' trials was cut from.

    The epochs are cut once from the unfiltered run; every band's filtered
    signal is then cut at these samples, exactly as :class:`mne.Epochs` would
    cut it (first sample ``event - first_samp + round(tmin * sfreq)``).

    Parameters
    ----------
    epochs : mne.Epochs
        Epochs cut from ``raw`` (no resampling or decimation since).
    raw : mne.io.Raw
        The continuous run.

    Returns
    -------
    samples : ndarray of int, shape (n_trials, n_times)
    """
    first = epochs.events[:, 0] - raw.first_samp + round(epochs.times[0] * raw.info["sfreq"])
    return first[:, None] + np.arange(len(epochs.times))


def subject_bandpasser(
    recordings: Mapping[int, Sequence[str | os.PathLike]],
    runs: Sequence[int],
    window: Mapping,
    bands: Sequence[tuple[float, float]],
    n_jobs: int = 1,
) -> Callable[[int], np.ndarray]:
    """Return a function giving a subject's band-passed trials from its recordings.

    The envelope analyses band-pass each subject when they reach it (no
    band-passed copies on disk); :func:`eegvis.data.epochs.iter_subjects` calls the
    returned function with each subject's number.

    Parameters
    ----------
    recordings : mapping of int to sequence of path-like
        Subject number to the files of its runs (``runs``, in order).
    runs : sequence of int
        Run numbers, as for :func:`eegvis.data.epochs.epoch_subject`.
    window : mapping
        The workflow's ``epochs`` settings: ``classes``, ``tmin``, ``tmax``,
        ``sfreq`` and ``units``.
    bands : sequence of (float, float)
        Pass bands in Hz.
    n_jobs : int
        Bands filtered at the same time (see :func:`bandpassed_trials`).

    Returns
    -------
    bandpassed : callable
        ``bandpassed(subject)`` is :func:`bandpassed_trials` of that subject.
    """

    def bandpassed(subject: int) -> np.ndarray:
        if subject not in recordings:
            raise KeyError(f"no recordings given for subject {subject}")
        return bandpassed_trials(
            recordings[subject],
            runs,
            classes=window["classes"],
            tmin=window["tmin"],
            tmax=window["tmax"],
            sfreq=window["sfreq"],
            bands=bands,
            units=window.get("units", "uV"),
            n_jobs=n_jobs,
        )

    return bandpassed


def bandpassed_subjects(
    epoch_paths: Sequence[str | os.PathLike],
    summary_paths: Sequence[str | os.PathLike],
    classes: Sequence[str],
    recordings: Mapping[int, Sequence[str | os.PathLike]],
    runs: Sequence[int],
    window: Mapping,
    bands: Sequence[tuple[float, float]],
    splits: Mapping[int, str] | None = None,
    n_jobs: int = 1,
) -> Iterator[SubjectTrials]:
    """Yield each usable subject's trials with their band-passed copies, loaded ahead.

    The workflow's envelope jobs band-pass each subject's continuous
    recordings when they reach it, instead of reading band-passed copies from
    disk (22 bands of 109 subjects would take about 13 GB). The next subject is
    read and band-passed in a background thread (:func:`eegvis.data.subjects.prefetched`)
    while the current one is analysed; at most three subjects are in memory.

    Parameters
    ----------
    epoch_paths, summary_paths, classes, splits
        As for :func:`eegvis.data.epochs.iter_subjects`.
    recordings, runs, window, bands, n_jobs
        As for :func:`subject_bandpasser`. The workflow gives ``n_jobs`` the
        job's threads: with the networks on a GPU, band-passing is most of the
        envelope job's CPU work.

    Yields
    ------
    trials : SubjectTrials
        With ``filtered`` set.
    """
    bandpassed = subject_bandpasser(recordings, runs, window, bands, n_jobs)
    subjects = iter_subjects(
        epoch_paths,
        summary_paths,
        classes,
        window.get("units", "uV"),
        bandpassed=bandpassed,
        splits=splits,
    )
    return prefetched(subjects)
