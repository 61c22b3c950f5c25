"""Pearson correlations pooled over trials and time, accumulated in a stream.

Step 7 of the envelope-activation correlation of Schirrmeister et al. (2017,
Fig. 15) and the envelope-class correlation (Fig. 14): every (channel, band)
envelope against every unit of a layer, or against every class's one-hot
label signal, pooling all trials and time samples of all batches given.

Layout: :func:`pool_samples` turns per-trial (or per-window) series into a
(n_samples, n_features) matrix, flattening the feature axes in C order, so a
result of shape (n_chans * n_bands, n_units) reshapes to
(n_chans, n_bands, n_units)::

    acc = StreamingCorrelation(n_chans * n_bands, n_units)
    for envelopes, activations in batches:  # stitched, see eegvis.analyses.envelopes
        acc.update(pool_samples(envelopes), pool_samples(activations))
    r = acc.correlation().reshape(n_chans, n_bands, n_units)

For the class correlation, use the envelopes averaged over the classifier's
receptive field and ``pool_samples(one_hot_series(labels, n_classes, n_times))``
as ``y``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, fields
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import torch

from eegvis.utils.devices import resolve_device

logger = logging.getLogger(__name__)

Batch = TypeVar("Batch", np.ndarray, torch.Tensor)

# Batches are processed in chunks of rows holding at most this many x or y values (8 MiB in
# float64): temporary memory does not grow with the batch size.
_CHUNK_VALUES = 2**20


def pool_samples(series: np.ndarray | torch.Tensor) -> np.ndarray | torch.Tensor:
    """Lay out series as one row per time sample and one column per feature.

    Parameters
    ----------
    series : np.ndarray | torch.Tensor, shape (n_series, *feature_shape, n_times)
        E.g. envelopes (n_trials, n_chans, n_bands, n_times) or activations
        (n_trials, n_units, n_times).

    Returns
    -------
    samples : same type as ``series``, shape (n_series * n_times, n_features)
        Row ``i * n_times + t`` holds series ``i`` at time ``t``; the feature
        axes are flattened in C order (for envelopes: channel-major, band-minor).
    """
    if series.ndim < 2:
        raise ValueError(f"series need at least 2 axes (series, time), got shape {series.shape}")
    n_features = math.prod(series.shape[1:-1])
    if isinstance(series, torch.Tensor):
        return series.movedim(-1, 1).reshape(-1, n_features)
    return np.moveaxis(series, -1, 1).reshape(-1, n_features)


def one_hot_series(labels: npt.ArrayLike, n_classes: int, n_times: int) -> np.ndarray:
    """Return each series' class as a one-hot signal constant over time.

    Parameters
    ----------
    labels : array_like of int, shape (n_series,)
        Class index of each trial (or window), in ``0 .. n_classes - 1``.
    n_classes : int
        Number of classes.
    n_times : int
        Samples per series (the length of the envelopes it is correlated with).

    Returns
    -------
    signal : np.ndarray of float64, shape (n_series, n_classes, n_times)
        1 for the series' class, 0 for the others.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or np.any((labels < 0) | (labels >= n_classes)):
        raise ValueError(f"labels must be a 1-D array of class indices below {n_classes}")
    signal = np.zeros((len(labels), n_classes, n_times))
    signal[np.arange(len(labels)), labels] = 1.0
    return signal


@dataclass
class _Moments:
    """Sufficient statistics of a set of samples, centred (Chan et al. 1979)."""

    n: int
    mean_x: torch.Tensor  # (n_x,)
    mean_y: torch.Tensor  # (n_y,)
    m2_x: torch.Tensor  # (n_x,) sum of squared deviations; exactly 0 for constant columns
    m2_y: torch.Tensor  # (n_y,)
    cxy: torch.Tensor  # (n_x, n_y) sum of products of deviations

    @classmethod
    def empty(cls, n_x: int, n_y: int, device: torch.device) -> _Moments:
        def zeros(*shape: int) -> torch.Tensor:
            return torch.zeros(shape, dtype=torch.float64, device=device)

        return cls(0, zeros(n_x), zeros(n_y), zeros(n_x), zeros(n_y), zeros(n_x, n_y))

    @classmethod
    def of_batch(cls, x: Batch, y: Batch, device: torch.device) -> _Moments:
        """Return the moments of x (n, n_x) and y (n, n_y), in float64 on ``device``.

        Sums are taken relative to the batch's first sample, an actual data value: a column
        that is constant in the batch has deviations, sums and ``m2`` of exactly 0, and no
        cancellation arises when the data sit on a large offset. The batch is processed in
        chunks of rows (shift and conversion to float64 in one pass, one matrix product, sums
        and sums of squares), so temporary memory does not grow with the batch size. The same
        code runs on NumPy arrays (CPU: NumPy's single-threaded element-wise passes stay fast
        when the cores are busy with other work) and on tensors (other devices); the matrix
        products always go through torch.
        """
        (n, n_x), n_y = x.shape, y.shape[1]
        shift_x, shift_y = _float64(x[0]), _float64(y[0])
        cross = torch.zeros((n_x, n_y), dtype=torch.float64, device=device)
        sum_x = sum_y = squares_x = squares_y = 0.0
        rows = max(1, _CHUNK_VALUES // max(n_x, n_y))
        with np.errstate(over="ignore", invalid="ignore"):  # non-finite sums raise below
            for start in range(0, n, rows):
                chunk_x = x[start : start + rows] - shift_x
                chunk_y = y[start : start + rows] - shift_y
                cross.addmm_(torch.as_tensor(chunk_x).T, torch.as_tensor(chunk_y))
                sum_x = sum_x + chunk_x.sum(0)
                sum_y = sum_y + chunk_y.sum(0)
                squares_x = squares_x + _column_squares(chunk_x)
                squares_y = squares_y + _column_squares(chunk_y)
        shift_x, shift_y, sum_x, sum_y, squares_x, squares_y = (
            torch.as_tensor(value, device=device)
            for value in (shift_x, shift_y, sum_x, sum_y, squares_x, squares_y)
        )
        m2_x, m2_y = squares_x - sum_x * sum_x / n, squares_y - sum_y * sum_y / n
        if not torch.cat([sum_x, sum_y, m2_x, m2_y]).isfinite().all():
            raise ValueError("x or y contains NaN, infinite or overflowing values")
        return cls(
            n,
            shift_x + sum_x / n,
            shift_y + sum_y / n,
            m2_x.clamp_(min=0),
            m2_y.clamp_(min=0),
            cross.addr_(sum_x, sum_y, alpha=-1 / n),
        )

    def to(self, device: torch.device) -> _Moments:
        return _Moments(
            self.n, *(getattr(self, f.name).to(device) for f in fields(self) if f.name != "n")
        )


def _float64(values: Batch) -> Batch:
    if isinstance(values, np.ndarray):
        return values.astype(np.float64)
    return values.to(torch.float64)


def _column_squares(values: Batch) -> Batch:
    """Return the sum of squares of each column of ``values`` (one pass, no temporary)."""
    if isinstance(values, np.ndarray):
        return np.einsum("ij,ij->j", values, values)
    return torch.linalg.vecdot(values, values, dim=0)


class StreamingCorrelation:
    """Pearson correlation of every x column with every y column, over batches.

    Keeps, in float64 on ``device``, the sample count, the column means, the
    sums of squared deviations and the (n_x, n_y) sums of cross products of
    deviations: memory does not depend on the number of samples. Each batch's
    sums are taken relative to its first sample (no cancellation when the data
    sit on a large offset, and exactly zero spread for a column that is
    constant) in chunks of at most 2**20 values per array, and combined with
    the running statistics by the pairwise update of Chan, Golub and LeVeque
    (1979), which :meth:`merge` uses as well. The result does not depend on how
    the samples are split into batches or accumulators, or on their order, up
    to rounding; the same batches in the same order give bit-identical results
    on a CPU.

    Parameters
    ----------
    n_x, n_y : int
        Number of x columns (e.g. channels x bands) and y columns (e.g. units).
    device : str | torch.device | None
        Where the statistics live and the products are computed; CUDA if
        available and CPU otherwise when None.
    """

    def __init__(self, n_x: int, n_y: int, device: str | torch.device | None = None) -> None:
        if n_x < 1 or n_y < 1:
            raise ValueError(f"need at least one x and one y column, got {n_x} and {n_y}")
        self.n_x, self.n_y = n_x, n_y
        self.device = resolve_device(device)
        self._moments = _Moments.empty(n_x, n_y, self.device)

    @property
    def n_samples(self) -> int:
        """Number of samples accumulated so far."""
        return self._moments.n

    def update(self, x: npt.ArrayLike | torch.Tensor, y: npt.ArrayLike | torch.Tensor) -> None:
        """Add a batch of paired samples.

        Parameters
        ----------
        x : array_like | torch.Tensor, shape (n_samples, n_x)
            Features, e.g. ``pool_samples`` of envelopes.
        y : array_like | torch.Tensor, shape (n_samples, n_y)
            The same samples' y values, e.g. ``pool_samples`` of activations.
        """
        x, y = self._as_batch(x, self.n_x, "x"), self._as_batch(y, self.n_y, "y")
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"x has {x.shape[0]} samples but y has {y.shape[0]}")
        if x.shape[0]:
            self._absorb(_Moments.of_batch(x, y, self.device))

    def merge(self, other: StreamingCorrelation) -> None:
        """Add the samples accumulated by ``other`` (e.g. another subject's).

        Parameters
        ----------
        other : StreamingCorrelation
            An accumulator with the same numbers of columns; left unchanged.
        """
        if (other.n_x, other.n_y) != (self.n_x, self.n_y):
            raise ValueError(
                f"cannot merge a {other.n_x} x {other.n_y} accumulator into a "
                f"{self.n_x} x {self.n_y} one"
            )
        if other.n_samples:
            self._absorb(other._moments.to(self.device))

    def correlation(self) -> np.ndarray:
        """Return the Pearson correlations of all samples added so far.

        Returns
        -------
        r : np.ndarray of float64, shape (n_x, n_y)
            ``r[i, j]`` correlates x column ``i`` with y column ``j``, clipped to
            [-1, 1]. NaN in the rows of constant x columns and the columns of
            constant y columns (every column, before two samples), with a
            logged warning.
        """
        m = self._moments
        r = m.cxy / torch.outer(m.m2_x.sqrt(), m.m2_y.sqrt())
        r = r.clamp(-1.0, 1.0)
        constant_x, constant_y = m.m2_x == 0, m.m2_y == 0
        if constant_x.any() or constant_y.any():
            r[constant_x] = math.nan
            r[:, constant_y] = math.nan
            logger.warning(
                "correlation over %d samples: %s; their correlations are NaN",
                m.n,
                "; ".join(
                    f"{int(constant.sum())} of {len(constant)} {name} columns are constant "
                    f"(first: {constant.nonzero().flatten()[:5].tolist()})"
                    for name, constant in (("x", constant_x), ("y", constant_y))
                    if constant.any()
                ),
            )
        return r.cpu().numpy()

    def _as_batch(self, data: npt.ArrayLike | torch.Tensor, n_cols: int, name: str) -> Batch:
        """Return ``data`` as a NumPy array for a CPU accumulator, else as a tensor there."""
        if self.device.type != "cpu":
            data = torch.as_tensor(data).to(self.device)
        elif isinstance(data, torch.Tensor):
            data = data.detach().cpu()
            data = (data.float() if data.dtype == torch.bfloat16 else data).numpy()
        else:
            data = np.asarray(data)
        if data.ndim != 2 or data.shape[1] != n_cols:
            raise ValueError(
                f"{name} must have shape (n_samples, {n_cols}), got {tuple(data.shape)}"
            )
        return data

    def _absorb(self, b: _Moments) -> None:
        a = self._moments
        n = a.n + b.n
        delta_x, delta_y = b.mean_x - a.mean_x, b.mean_y - a.mean_y
        weight = a.n * b.n / n
        a.mean_x += delta_x * (b.n / n)
        a.mean_y += delta_y * (b.n / n)
        a.m2_x += b.m2_x + delta_x * delta_x * weight
        a.m2_y += b.m2_y + delta_y * delta_y * weight
        a.cxy += b.cxy
        a.cxy.addr_(delta_x, delta_y, alpha=weight)
        a.n = n
