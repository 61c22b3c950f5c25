"""The bookkeeping of :func:`eegvis.analyses.perturbation.perturbation_correlations`.

Which rows of each batch feed the pooled and the per-group sums
(:func:`crop_layout`, after :func:`check_groups` and :func:`check_pooled`), the
float64 sums over crops from which one iteration's correlations follow
(:class:`CorrelationSums`), and the maps summed over iterations with their
split-half reliability (:class:`IterationSums`).

Private to :mod:`eegvis.analyses`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from eegvis.stats.reliability import split_half

#: Rows of a batch: all of them, some (an index tensor), or none.
Rows = slice | torch.Tensor | None


def check_groups(
    groups: np.ndarray | None, n_examples: int
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Validate ``groups``; return the sorted labels and each crop's label index, or Nones."""
    if groups is None:
        return None, None
    groups = np.asarray(groups)
    if groups.shape != (n_examples,):
        raise ValueError(f"groups must have shape ({n_examples},), got {groups.shape}")
    labels, group_of, counts = np.unique(groups, return_inverse=True, return_counts=True)
    if (counts < 2).any():
        raise ValueError(
            f"every group needs at least 2 crops; groups {labels[counts < 2].tolist()} have 1"
        )
    return labels, group_of.reshape(n_examples)


def check_pooled(pooled: np.ndarray | None, n_examples: int) -> np.ndarray:
    """Validate ``pooled``; return it as a boolean mask (all crops for None)."""
    if pooled is None:
        return np.ones(n_examples, dtype=bool)
    pooled = np.asarray(pooled)
    if pooled.dtype != np.bool_ or pooled.shape != (n_examples,):
        raise ValueError(
            f"pooled must be a boolean mask of shape ({n_examples},), got {pooled.dtype} "
            f"{pooled.shape}"
        )
    if pooled.sum() < 2:
        raise ValueError(f"pooled must select at least 2 crops, got {pooled.sum()}")
    return pooled


def rows(mask: np.ndarray, device: torch.device) -> Rows:
    """Index of the rows of a batch in ``mask``: all rows, some (index tensor), or None."""
    if mask.all():
        return slice(None)
    if not mask.any():
        return None
    return torch.as_tensor(np.flatnonzero(mask), device=device)


@dataclass(frozen=True)
class CropLayout:
    """The batches of crops and which of their rows feed which sums.

    Attributes
    ----------
    batches : list of slice
        The crops of each batch, in input order.
    pooled_rows : list of Rows
        Per batch, its rows among the pooled crops (None: none of them).
    group_rows : list of list of (int, Rows)
        Per batch, each group present in it (index into ``labels``) with its rows.
    labels : numpy.ndarray or None
        The sorted unique group labels; None without groups.
    """

    batches: list[slice]
    pooled_rows: list[Rows]
    group_rows: list[list[tuple[int, Rows]]]
    labels: np.ndarray | None

    @property
    def n_groups(self) -> int:
        """Number of groups (0 without groups)."""
        return 0 if self.labels is None else len(self.labels)


def crop_layout(
    labels: np.ndarray | None,
    group_of: np.ndarray | None,
    pooled: np.ndarray,
    batch_size: int,
    device: torch.device,
) -> CropLayout:
    """Cut the crops into batches of ``batch_size``; find each batch's pooled and group rows.

    Parameters
    ----------
    labels, group_of : numpy.ndarray or None
        As returned by :func:`check_groups`.
    pooled : numpy.ndarray of bool, shape (n_examples,)
        As returned by :func:`check_pooled`.
    batch_size : int
        Crops per batch.
    device : torch.device
        Where the row indices live (the model's device).

    Returns
    -------
    CropLayout
    """
    n_examples = len(pooled)
    batches = [slice(i, min(i + batch_size, n_examples)) for i in range(0, n_examples, batch_size)]
    group_rows = [
        [(g, rows(group_of[b] == g, device)) for g in np.unique(group_of[b])]
        if labels is not None
        else []
        for b in batches
    ]
    return CropLayout(batches, [rows(pooled[b], device) for b in batches], group_rows, labels)


class CorrelationSums:
    """Float64 sums over examples for Pearson correlations between perturbations and predictions.

    Parameters
    ----------
    n_cells : int
        Number of perturbed cells (rows times frequencies).
    n_classes : int
        Number of prediction outputs.
    device : torch.device
        Where the sums live.
    """

    def __init__(self, n_cells: int, n_classes: int, device: torch.device) -> None:
        zeros = {"dtype": torch.float64, "device": device}
        self.n = 0
        self.sum_a = torch.zeros(n_cells, **zeros)
        self.sum_aa = torch.zeros(n_cells, **zeros)
        self.sum_p = torch.zeros(n_classes, **zeros)
        self.sum_pp = torch.zeros(n_classes, **zeros)
        self.sum_ap = torch.zeros(n_cells, n_classes, **zeros)

    def add(self, values: torch.Tensor, changes: torch.Tensor) -> None:
        """Add a batch: ``values`` (batch, ...) perturbations, ``changes`` (batch, n_classes)."""
        # A copy in any case: it is squared in place below, and the caller's values may
        # already be float64 (then .double() would return them, not a copy).
        a = values.reshape(values.shape[0], -1).to(torch.float64, copy=True)
        self.n += a.shape[0]
        # One product gives the sums of a (against ones) and of a * p.
        sums = a.T @ torch.cat([changes.new_ones(len(changes), 1), changes], dim=1)
        self.sum_a += sums[:, 0]
        self.sum_ap += sums[:, 1:]
        self.sum_aa += a.square_().sum(dim=0)
        self.sum_p += changes.sum(dim=0)
        self.sum_pp += (changes * changes).sum(dim=0)

    def correlation(self) -> torch.Tensor:
        """Pearson correlations of shape (n_cells, n_classes); NaN where a variance is zero."""
        cov = self.sum_ap - torch.outer(self.sum_a, self.sum_p) / self.n
        var_a = self.sum_aa - self.sum_a**2 / self.n
        var_p = self.sum_pp - self.sum_p**2 / self.n
        scale = torch.outer(var_a, var_p).clamp_min(0).sqrt()
        return torch.where(scale > 0, cov / scale, torch.full_like(cov, math.nan))


class IterationSums:
    """The correlation maps of the iterations so far, and their split-half reliability.

    Parameters
    ----------
    shape : (int, int, int)
        ``(n_rows, n_freqs, n_classes)``, the shape of one map.
    n_groups : int
        Number of groups with a map of their own (0 for none).
    """

    def __init__(self, shape: tuple[int, int, int], n_groups: int) -> None:
        n_rows, n_freqs, n_classes = shape
        self.shape = shape
        self.pooled_sum = torch.zeros(n_rows * n_freqs, n_classes, dtype=torch.float64)
        self.group_sum = torch.zeros(n_groups, n_rows * n_freqs, n_classes, dtype=torch.float64)
        self.iterations: list[np.ndarray] = []
        self.reliability_maps: list[np.ndarray] = []
        self.r: list[float] = []
        self.r_sb: list[float] = []

    def add(self, pooled: CorrelationSums, groups: list[CorrelationSums]) -> np.ndarray:
        """Add one iteration's sums; return its pooled map, shape ``self.shape``."""
        correlation = pooled.correlation().cpu()
        self.pooled_sum += correlation
        for g, group in enumerate(groups):
            self.group_sum[g] += group.correlation().cpu()
        self.iterations.append(correlation.reshape(self.shape).numpy())
        return self.iterations[-1]

    def add_reliability(self, reliability_map: np.ndarray) -> tuple[float, float]:
        """Add the latest iteration's reliability map; return split-half ``r`` and ``r_SB``.

        Both are computed from the reliability maps of all iterations so far
        (:func:`eegvis.stats.reliability.split_half`) and recorded.
        """
        self.reliability_maps.append(reliability_map)
        estimate = split_half(np.stack(self.reliability_maps))
        self.r.append(estimate.r)
        self.r_sb.append(estimate.r_spearman_brown)
        return estimate.r, estimate.r_spearman_brown

    def pooled_mean(self) -> np.ndarray:
        """Mean pooled map over the iterations, shape ``self.shape``."""
        return (self.pooled_sum / len(self.iterations)).reshape(self.shape).numpy()

    def group_means(self) -> np.ndarray | None:
        """Mean map of each group over the iterations, (n_groups, *shape); None without groups."""
        if not len(self.group_sum):
            return None
        n_groups = len(self.group_sum)
        return (self.group_sum / len(self.iterations)).reshape(n_groups, *self.shape).numpy()
