"""Band-power envelopes aligned sample for sample with a network's unit outputs.

Steps 1-4 of the envelope-activation correlation of Schirrmeister et al.
(2017, Fig. 15):

1. :func:`eegvis.data.filters.bandpass` filters the signal into one frequency
   band (Butterworth, zero phase), over the paper's bands
   (:func:`eegvis.data.filters.paper_filterbank`).
2. :func:`cut_windows` cuts the input windows the network sees, at the
   window starts of :func:`eegvis.models.crops.crop_starts`.
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
window (:func:`eegvis.models.layers.receptive_fields`); sample ``i * stride + offset``
of the moving average of length ``field`` averages exactly those samples.
Envelopes are computed per window (the Hilbert transform sees only the window,
as the network does), so the envelope of a trial sample depends on the window
it was cut in; :func:`eegvis.analyses.envelope_activation.join_windows` therefore takes
each output sample from the first window that holds it, for envelopes and
activations alike.
"""

from __future__ import annotations

import logging
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import torch

logger = logging.getLogger(__name__)

#: Signals: NumPy arrays (computed on the CPU) or tensors (computed on their device).
Signals = TypeVar("Signals", np.ndarray, torch.Tensor)


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
        Window starts within a trial (:func:`eegvis.models.crops.crop_starts`).
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
