"""Band-power envelopes aligned sample for sample with a network's unit outputs.

Steps 1-4 of the envelope-activation correlation of Schirrmeister et al.
(2017, Fig. 15):

1. :func:`bandpass` filters the signal into one frequency band (Butterworth,
   zero phase). The paper's 32 bands come from :func:`paper_filterbank`;
   :func:`bands_below_nyquist` keeps those the sampling rate can represent.
2. :func:`cut_windows` cuts the input windows the network sees, at the
   window starts of :func:`eegvis.crops.crop_starts`.
3. :func:`squared_envelope` squares the Hilbert envelope of each window
   (squaring comes *before* the averaging; the paper's text says otherwise,
   its author confirmed this order).
4. :func:`moving_average` averages over a layer's receptive field (stride 1,
   no padding); :func:`running_sums` and :func:`window_means` do the same for
   several fields from one cumulative sum, at a layer's output samples only.

Steps 2-4 run in torch, in float64, on the device of the tensors given (a
NumPy array is computed on the CPU and returned as one).

Alignment with the network. A layer's output sample ``i`` is computed from the
input samples ``[i * stride + offset, i * stride + offset + field)`` of its
window (:func:`eegvis.layers.receptive_fields`); sample ``i * stride + offset``
of the moving average of length ``field`` averages exactly those samples.
Envelopes are computed per window (the Hilbert transform sees only the window,
as the network does), so the envelope of a trial sample depends on the window
it was cut in; :func:`eegvis.envelope_activation.join_windows` therefore takes
each output sample from the first window that holds it, for envelopes and
activations alike.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import torch

logger = logging.getLogger(__name__)

#: Signals: NumPy arrays (computed on the CPU) or tensors (computed on their device).
Signals = TypeVar("Signals", np.ndarray, torch.Tensor)

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
    afterwards (:func:`eegvis.bandpassing.bandpassed_trials`), which keeps the
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
    # Imported here: scipy.signal takes about a second to import, and the perturbation and
    # gradient jobs, which import this module through eegvis.analyses, never filter.
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


def envelope(windows: Signals, axis: int = -1) -> Signals:
    """Return the Hilbert envelope ``|x + i H(x)|`` of each window.

    Parameters
    ----------
    windows : ndarray | Tensor, shape (..., n_times, ...)
        Real signals, one transform per window along ``axis`` (the window's
        edges are the transform's edges, as for the network).
    axis : int
        Time axis.

    Returns
    -------
    envelope : ndarray | Tensor of float64, same type and shape as ``windows``
        Non-negative instantaneous amplitude.
    """
    return squared_envelope(windows, axis=axis) ** 0.5


def squared_envelope(windows: Signals, axis: int = -1) -> Signals:
    """Return the squared Hilbert envelope ``|x + i H(x)|**2`` of each window.

    ``H(x)`` is the imaginary part of ``scipy.signal.hilbert``'s analytic
    signal: positive frequencies turned by -90 degrees, DC and Nyquist bins
    dropped. It is computed in torch, in float64, on the device of a tensor
    (a NumPy array is computed on the CPU and returned as one), with a real
    FFT and its inverse (half the work of a complex inverse FFT); the result
    is ``x**2 + H(x)**2``, without a square root.

    Parameters
    ----------
    windows : ndarray | Tensor, shape (..., n_times, ...)
        Real signals; time along ``axis``.
    axis : int
        Time axis.

    Returns
    -------
    power : ndarray | Tensor of float64, same type and shape as ``windows``
        Non-negative instantaneous power.
    """
    x = _float64_tensor(windows).movedim(axis, -1)
    n = x.shape[-1]
    if n == 0:
        raise ValueError("cannot take the envelope of empty windows")
    spectrum = torch.fft.rfft(x)
    spectrum[..., 0] = 0
    if n % 2 == 0:
        spectrum[..., -1] = 0
    power = torch.fft.irfft(spectrum.mul_(-1j), n=n)  # H(x)
    power.square_().addcmul_(x, x)
    return _like(power.movedim(-1, axis), windows)


def moving_average(x: Signals, window: int) -> Signals:
    """Average over a sliding window along the last axis (stride 1, no padding).

    Equals average pooling with kernel ``window`` and stride 1:
    ``window_means(running_sums(x), window)``. Computed in torch from float64
    cumulative sums, on the device of a tensor, so the cost does not depend on
    ``window``; the absolute error is about ``n_times * eps * max|x|``.

    Parameters
    ----------
    x : ndarray | Tensor, shape (..., n_times)
        Signals.
    window : int
        Window length in samples, ``1 <= window <= n_times``.

    Returns
    -------
    averaged : ndarray | Tensor of float64, same type as ``x``, shape (..., n_times - window + 1)
        Sample ``j`` is the mean of ``x[..., j : j + window]``.
    """
    return _like(window_means(running_sums(_float64_tensor(x)), window), x)


def running_sums(x: Signals) -> Signals:
    """Return the cumulative sums of ``x`` along the last axis, starting with 0.

    One pass gives the moving averages over any number of window lengths
    (:func:`window_means`): the envelope stage sums each batch of envelopes
    once for all the layers it is correlated with.

    Parameters
    ----------
    x : ndarray | Tensor, shape (..., n_times)
        Signals.

    Returns
    -------
    sums : ndarray | Tensor of float64, same type as ``x``, shape (..., n_times + 1)
        ``sums[..., j]`` is the sum of ``x[..., :j]``.
    """
    values = _float64_tensor(x)
    sums = values.new_empty((*values.shape[:-1], values.shape[-1] + 1))
    sums[..., 0] = 0
    torch.cumsum(values, dim=-1, out=sums[..., 1:])
    return _like(sums, x)


def window_means(
    sums: Signals, window: int, first: int = 0, stride: int = 1, count: int | None = None
) -> Signals:
    """Return the means over windows of ``window`` samples from running sums.

    The windows start at ``first, first + stride, ...`` (e.g. the fields of a
    layer's output samples); they are read with strided slices, not gathered.

    Parameters
    ----------
    sums : ndarray | Tensor, shape (..., n_times + 1)
        Running sums (:func:`running_sums`).
    window : int
        Window length in samples, ``1 <= window <= n_times``.
    first : int
        First sample of the first window.
    stride : int
        Samples between consecutive windows' starts.
    count : int | None
        Number of windows; as many as fit if None.

    Returns
    -------
    means : same type as ``sums``, shape (..., count)
        ``means[..., k]`` is the mean of ``x[..., s : s + window]``, ``s = first + k * stride``.
    """
    n_times = sums.shape[-1] - 1
    if not 1 <= window <= n_times:
        raise ValueError(f"window must be between 1 and n_times={n_times}, got {window}")
    if first < 0 or stride < 1:
        raise ValueError(f"need first >= 0 and stride >= 1, got {first} and {stride}")
    fitting = max(0, (n_times - window - first) // stride + 1)
    count = fitting if count is None else count
    if count > fitting:
        raise ValueError(
            f"{count} windows of {window} samples from sample {first} every {stride} "
            f"exceed {n_times} samples"
        )
    stop = first + (count - 1) * stride + 1
    return (
        sums[..., first + window : stop + window : stride] - sums[..., first:stop:stride]
    ) / window


def cut_windows(data: Signals, starts: npt.ArrayLike, window_samples: int) -> Signals:
    """Cut the same windows from every trial (the network's input crops).

    Parameters
    ----------
    data : ndarray | Tensor, shape (n_trials, ..., n_times)
        Per-trial signals, e.g. (n_trials, n_chans, n_times).
    starts : array_like of int, shape (n_windows,)
        Window starts within a trial (:func:`eegvis.crops.crop_starts`).
    window_samples : int
        Window length in samples.

    Returns
    -------
    windows : same type as ``data``, shape (n_trials * n_windows, ..., window_samples)
        Trial-major: the windows of trial 0 in the order of ``starts``, then
        those of trial 1, and so on.
    """
    if not isinstance(data, torch.Tensor):
        data = np.asarray(data)
    starts = _check_starts(starts)
    if starts[0] < 0 or starts[-1] + window_samples > data.shape[-1]:
        raise ValueError(
            f"windows of {window_samples} samples starting at {starts[0]}..{starts[-1]} "
            f"do not fit in trials of {data.shape[-1]} samples"
        )
    pieces = [data[..., start : start + window_samples] for start in starts.tolist()]
    stack = torch.stack if isinstance(data, torch.Tensor) else np.stack
    return stack(pieces, 1).reshape(-1, *data.shape[1:-1], window_samples)


def _float64_tensor(values: Signals) -> torch.Tensor:
    if isinstance(values, torch.Tensor):
        return values.to(torch.float64)
    return torch.from_numpy(np.asarray(values, dtype=np.float64))


def _like(result: torch.Tensor, given: Signals) -> Signals:
    """Return ``result`` as a tensor if ``given`` was one, else as a NumPy array."""
    return result if isinstance(given, torch.Tensor) else result.numpy()


def _check_starts(starts: npt.ArrayLike) -> np.ndarray:
    starts = np.asarray(starts, dtype=np.int64)
    if starts.ndim != 1 or starts.size == 0 or np.any(np.diff(starts) <= 0):
        raise ValueError(f"window starts must be a non-empty increasing 1-D sequence: {starts}")
    return starts
