"""Band-passed trials: each continuous run filtered, then cut like the epochs.

The envelope analyses need every trial in several frequency bands. Filtering
the continuous run (not the cut trials) keeps the filter's edge effects at the
ends of the run; the trials are then cut with :func:`eegvis.epochs.epoch_run`,
so they are the trials of :func:`eegvis.epochs.epoch_subject`, in its order.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np

from eegvis.envelopes import bandpass
from eegvis.epochs import UNIT_SCALE, epoch_run
from eegvis.recordings import read_runs


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
    """Band-pass each continuous run, then cut the trials of :func:`eegvis.epochs.epoch_subject`.

    Filtering the continuous recording (Butterworth order 4, zero-phase, see
    :func:`eegvis.envelopes.bandpass`) keeps the filter's edge effects at the
    ends of the run instead of the ends of every trial.

    Parameters
    ----------
    paths, runs, classes, tmin, tmax, sfreq
        As for :func:`eegvis.epochs.epoch_subject`.
    bands : sequence of (float, float)
        Pass bands in Hz (``low = 0`` for a low-pass).
    units : {"uV", "V"}
        Units of the returned data.

    Returns
    -------
    filtered : ndarray, shape (n_bands, n_trials, n_channels, n_times), float32
        Trials in the order of :func:`eegvis.epochs.epoch_subject`'s epochs.
    """
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
