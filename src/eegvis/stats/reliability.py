"""Split-half reliability of a map, with the Spearman-Brown correction.

A map (one value per channel, or per channel x band, ...) averaged over units (subjects,
or Monte-Carlo iterations of the perturbation) is split by unit position into two halves
(even positions 0, 2, 4, ... and odd positions 1, 3, 5, ...); each half is averaged and
the two half-maps are correlated across cells. Splitting subjects measures how well the
map replicates across people; splitting iterations isolates the sampling noise of the
estimator. Spearman-Brown, ``2r / (1 + r)``, estimates the reliability of the map
averaged over all units. A map with r below about 0.5 should not be read cell by cell.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class SplitHalf:
    """Result of :func:`split_half`.

    Attributes
    ----------
    r : float
        Pearson correlation of the two half-maps across cells (NaN if undefined).
    r_spearman_brown : float
        ``spearman_brown(r)``: estimated reliability of the full-sample map.
    n : int
        Number of units split (``len`` of the split axis).
    n_cells : int
        Cells that entered the correlation (finite in both half-maps).
    """

    r: float
    r_spearman_brown: float
    n: int
    n_cells: int


def spearman_brown(r: float, factor: float = 2.0) -> float:
    """Return the Spearman-Brown prophecy ``factor * r / (1 + (factor - 1) * r)``.

    Parameters
    ----------
    r : float
        Reliability (correlation) of a measure, in [-1, 1]; NaN passes through.
    factor : float
        Ratio of the new length to the old; 2 for a split-half correlation.

    Returns
    -------
    float
        Predicted reliability. The formula is meant for r >= 0; a negative r goes through
        it where the denominator is positive, and gives NaN where it is not (r = -1 with
        factor 2).

    Raises
    ------
    ValueError
        If ``r`` is outside [-1, 1] or ``factor`` is not a positive finite number.
    """
    r = float(r)
    factor = float(factor)
    if not (math.isfinite(factor) and factor > 0):
        raise ValueError(f"factor must be a positive finite number, got {factor}")
    if math.isnan(r):
        return math.nan
    if not -1.0 <= r <= 1.0:
        raise ValueError(f"r must be in [-1, 1], got {r}")
    denominator = 1.0 + (factor - 1.0) * r
    if denominator <= 0:
        return math.nan
    return factor * r / denominator


def split_half(maps: npt.ArrayLike, *, axis: int = 0) -> SplitHalf:
    """Return the odd/even split-half correlation of a map and its Spearman-Brown value.

    Parameters
    ----------
    maps : array_like, shape (n_units, ...) along ``axis``
        One map per unit (subject or iteration). NaN values are ignored in the half
        averages (``nanmean``); a cell that is NaN in either half-map (all its units NaN
        in that half) is dropped from the correlation.
    axis : int
        Axis of the units; the cells are all other axes, flattened.

    Returns
    -------
    SplitHalf
        ``r`` is NaN when there are fewer than 2 units, fewer than 3 finite cells, or a
        half-map is constant over the finite cells.

    Raises
    ------
    ValueError
        If ``maps`` has fewer than 2 axes or ``axis`` is out of range.
    """
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim < 2:
        raise ValueError(
            f"maps must have a unit axis and at least one cell axis, got shape {maps.shape}"
        )
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise ValueError(f"axis must be an integer, got {axis!r}")
    if not -maps.ndim <= axis < maps.ndim:
        raise ValueError(f"axis {axis} is out of range for maps of shape {maps.shape}")
    units = np.moveaxis(maps, axis, 0).reshape(maps.shape[axis], -1)
    n = units.shape[0]
    if n < 2:
        return SplitHalf(math.nan, math.nan, n, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells: NaN, dropped below
        even = np.nanmean(units[0::2], axis=0)
        odd = np.nanmean(units[1::2], axis=0)
    finite = np.isfinite(even) & np.isfinite(odd)
    n_cells = int(finite.sum())
    even, odd = even[finite], odd[finite]
    if n_cells < 3 or np.ptp(even) == 0 or np.ptp(odd) == 0:
        return SplitHalf(math.nan, math.nan, n, n_cells)
    r = float(np.clip(np.corrcoef(even, odd)[0, 1], -1.0, 1.0))
    return SplitHalf(r, spearman_brown(r), n, n_cells)
