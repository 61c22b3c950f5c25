"""Band-pass filtering and the paper's filter bank.

:func:`bandpass` filters a signal into one frequency band (Butterworth, zero
phase). The paper's 32 bands come from :func:`paper_filterbank`;
:func:`bands_below_nyquist` keeps those a sampling rate can represent.
"""

from __future__ import annotations

import logging
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

# Signals are filtered in blocks of about this many float64 values (16 MiB), which keeps
# the filter's temporaries small (a 64-channel run of 20,000 samples is one block).
_BLOCK_VALUES = 2**21


def paper_filterbank() -> list[tuple[float, float]]:
    """Return the 32 overlapping frequency bands of the paper's envelope analysis.

    Up to 31 Hz the bands are 6 Hz wide with centres 3 Hz apart, from 1 Hz to
    28 Hz; the first one is cut at 0 Hz, which makes it a 4 Hz low-pass. Above,
    they are 8 Hz wide with centres 4 Hz apart, from 31 Hz to 115 Hz. The edges
    in Hz are therefore::

        (0, 4), (1, 7), (4, 10), (7, 13), (10, 16), (13, 19), (16, 22),
        (19, 25), (22, 28), (25, 31),
        (27, 35), (31, 39), (35, 43), ..., (107, 115), (111, 119)

    10 narrow bands and 22 wide ones, 32 in all, from 0-4 Hz to 111-119 Hz.

    Returns
    -------
    bands : list of (float, float)
        ``(low, high)`` edges in Hz, sorted by centre frequency.
    """
    narrow = [(max(centre - 3.0, 0.0), centre + 3.0) for centre in range(1, 29, 3)]
    wide = [(centre - 4.0, centre + 4.0) for centre in range(31, 116, 4)]
    return narrow + wide


def bands_below_nyquist(
    sfreq: float, bands: Sequence[tuple[float, float]] | None = None
) -> list[tuple[float, float]]:
    """Keep the bands whose upper edge lies below the Nyquist frequency.

    Parameters
    ----------
    sfreq : float
        Sampling rate of the data, in Hz.
    bands : sequence of (float, float) | None
        ``(low, high)`` edges in Hz; the paper's filterbank
        (:func:`paper_filterbank`) if None.

    Returns
    -------
    kept : list of (float, float)
        The bands with ``high < sfreq / 2``, in their original order (22 of
        the paper's 32 at 160 Hz, all 32 at 250 Hz).
    """
    bands = paper_filterbank() if bands is None else list(bands)
    kept = [(low, high) for low, high in bands if high < sfreq / 2]
    if len(kept) < len(bands):
        logger.info(
            "%d of %d bands reach the Nyquist frequency %g Hz and are left out",
            len(bands) - len(kept),
            len(bands),
            sfreq / 2,
        )
    return kept


def bandpass(
    data: npt.ArrayLike,
    sfreq: float,
    low: float,
    high: float,
    order: int = 4,
    axis: int = -1,
) -> np.ndarray:
    """Filter into one band with a zero-phase Butterworth filter.

    The filter is designed as second-order sections (``scipy.signal.butter``
    with ``output="sos"``, numerically stable for narrow low bands) and applied
    forward and backward (``scipy.signal.sosfiltfilt``), so it has no phase
    shift and squares the magnitude response. A band with ``low == 0`` is a
    low-pass. For a band-pass, ``order`` applies to each edge, as in
    ``scipy.signal.butter``.

    The filter runs along ``axis`` of whatever it is given, as one continuous
    signal. The workflow filters each continuous run and cuts the trials
    afterwards (:func:`eegvis.data.bandpassing.bandpassed_trials`), which keeps the
    filter's edge transients at the ends of the run. Given per-trial arrays
    (as :func:`eegvis.analyses.envelope_activation_maps` without ``raw``), each
    trial is filtered on its own with ``sosfiltfilt``'s default odd extension
    at both ends, and its first and last fraction of a second (longer for
    narrow and low bands) carry some edge effect.

    Parameters
    ----------
    data : array_like, shape (..., n_times, ...)
        Signals; time along ``axis``.
    sfreq : float
        Sampling rate, in Hz.
    low, high : float
        Band edges in Hz, ``0 <= low < high < sfreq / 2``.
    order : int
        Butterworth order (per edge for a band-pass).
    axis : int
        Time axis.

    Returns
    -------
    filtered : np.ndarray of float64, same shape as ``data``
        The band-passed signals.

    Raises
    ------
    ValueError
        If the band is empty, starts below 0 Hz or reaches the Nyquist frequency.
    """
    # Imported here: scipy.signal is slow to import, and the perturbation and gradient
    # jobs, which import this module (through eegvis.data.trials), never filter.
    from scipy.signal import butter, sosfiltfilt

    _check_band(low, high, sfreq)
    if order < 1:
        raise ValueError(f"filter order must be a positive integer, got {order}")
    if low == 0:
        sos = butter(order, high, btype="lowpass", fs=sfreq, output="sos")
    else:
        sos = butter(order, [low, high], btype="bandpass", fs=sfreq, output="sos")
    signals = np.moveaxis(np.asarray(data, dtype=np.float64), axis, -1)
    rows = signals.reshape(-1, signals.shape[-1])
    filtered = np.empty_like(rows)
    block = max(1, _BLOCK_VALUES // rows.shape[-1])
    for start in range(0, len(rows), block):
        filtered[start : start + block] = sosfiltfilt(sos, rows[start : start + block], axis=-1)
    return np.moveaxis(filtered.reshape(signals.shape), -1, axis)


def _check_band(low: float, high: float, sfreq: float) -> None:
    nyquist = sfreq / 2
    if not 0 <= low < high:
        raise ValueError(f"band {low:g}-{high:g} Hz: need 0 <= low < high")
    if high >= nyquist:
        raise ValueError(
            f"band {low:g}-{high:g} Hz: the upper edge must be below the Nyquist "
            f"frequency {nyquist:g} Hz of data sampled at {sfreq:g} Hz"
        )


def as_band_mapping(
    bands: Mapping[str, Sequence[float]] | Sequence[Mapping[str, Any]],
) -> dict[str, tuple[float, float]]:
    """Return bands as ``{name: (low, high)}``, from that form or the config's.

    Parameters
    ----------
    bands : mapping of str to (float, float) | sequence of mapping
        Band name to ``(low, high)`` in Hz, or the config's list of
        ``{"name": ..., "low": ..., "high": ...}``.

    Returns
    -------
    bands : dict of str to (float, float)
        In the given order.

    Raises
    ------
    TypeError
        If ``bands`` has neither form.
    ValueError
        If a band has no name, two bands share one, or an edge is not a number.
    """
    expected = (
        "bands must be a mapping of name to (low, high) in Hz, e.g. {'alpha': (7, 13)}, "
        "or a list of {'name', 'low', 'high'}, e.g. [{'name': 'alpha', 'low': 7, 'high': 13}]"
    )
    if isinstance(bands, Mapping):
        pairs = list(bands.items())
    elif isinstance(bands, Sequence) and not isinstance(bands, str):
        if not all(isinstance(b, Mapping) and {"name", "low", "high"} <= set(b) for b in bands):
            raise TypeError(f"{expected}; got {bands!r}")
        pairs = [(band["name"], (band["low"], band["high"])) for band in bands]
    else:
        raise TypeError(f"{expected}; got {bands!r}")
    result: dict[str, tuple[float, float]] = {}
    for name, edges in pairs:
        if isinstance(edges, str | bytes) or not (
            isinstance(edges, Sequence)
            and len(edges) == 2
            and all(isinstance(edge, numbers.Real) for edge in edges)
        ):
            raise ValueError(f"band {name!r}: edges must be (low, high) in Hz, got {edges!r}")
        low, high = edges
        if name in result:
            raise ValueError(f"two bands are named {name!r}")
        result[str(name)] = (low, high)
    return result
