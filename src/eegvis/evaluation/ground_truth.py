"""Scores of attribution maps against the truth planted in synthetic data.

A channel x frequency map is scored against a boolean mask of the same shape
that says where a planted signal lies (:func:`eegvis.data.artifacts.planted_masks`):
the class's own planted effect, or an artifact the map should ignore. Every
score reads the magnitude ``|relevance|`` only, so a map and its negative score
the same (Arras et al. 2022, Information Fusion 81:14; Quantus; braindecode's
``compute_metrics``):

- relevance mass accuracy: the share of the total ``|relevance|`` inside the mask;
- relevance rank accuracy: the share of the K cells of largest ``|relevance|``
  (K = the mask's number of cells) that lie inside it;
- pointing game: whether the cell of largest ``|relevance|`` lies inside it;
- ROC-AUC: the probability that a cell inside the mask has a larger
  ``|relevance|`` than one outside (ties count half).

Ties are broken at random, in expectation: where cells tied at the K-th largest
value straddle the top K, each tied cell counts with the share of the top K
left to them (rank accuracy, pointing game), as ties count half in the AUC. The
scores thus do not depend on the order of the cells, and a map with no
information (all cells equal) scores chance, as :func:`chance_levels` gives it:
the mask's share of cells for the first three (a map spread evenly or a cell
drawn at random), 0.5 for the AUC. Only the mass accuracy of an all-zero map is
undefined (NaN).

:func:`ground_truth_scores` scores every subject's map of every class against
its masks (:func:`class_masks`) and summarises the subjects by a mean and a
Student-t confidence interval.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.stats
import xarray as xr

from eegvis.utils.docs import fill_doc

#: Dimensions of the maps :func:`ground_truth_scores` scores (in any order).
MAP_DIMS = ("subject", "channel", "frequency", "class")
#: Columns of :func:`ground_truth_scores`'s per-subject table, after the caller's labels.
SUBJECT_COLUMNS = ("subject", "class", "mask", "metric", "value")
#: Columns of :func:`ground_truth_scores`'s summary table, after the caller's labels.
SUMMARY_COLUMNS = ("class", "mask", "metric", "value", "ci_low", "ci_high", "n_subjects", "chance")


def _checked_mask(mask: npt.ArrayLike, name: str) -> np.ndarray:
    """Return ``mask`` as an array; raise ValueError unless boolean with cells in and out."""
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise ValueError(f"{name} must be boolean, got dtype {mask.dtype}")
    if not mask.any():
        raise ValueError(f"{name} is empty: it holds no cell to score against")
    if mask.all():
        raise ValueError(f"{name} holds every cell: no cell outside it to score against")
    return mask


def _cells(relevance: npt.ArrayLike, mask: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return ``|relevance|``, shape (..., n_cells), and the mask, shape (n_cells,)."""
    mask = _checked_mask(mask, "mask")
    magnitude = np.abs(np.asarray(relevance, dtype=float))
    if magnitude.ndim < mask.ndim or magnitude.shape[magnitude.ndim - mask.ndim :] != mask.shape:
        raise ValueError(
            f"relevance of shape {magnitude.shape} does not end in the mask's shape {mask.shape}"
        )
    if not np.isfinite(magnitude).all():
        raise ValueError("relevance must be finite")
    leading = magnitude.shape[: magnitude.ndim - mask.ndim]
    return magnitude.reshape(*leading, mask.size), mask.ravel()


def _top_share(magnitude: np.ndarray, inside: np.ndarray, k: int) -> np.ndarray:
    """Share of the top ``k`` cells inside the mask, cells tied at the k-th value shared."""
    threshold = np.sort(magnitude, axis=-1)[..., -k, np.newaxis]
    above = magnitude > threshold
    tied = magnitude == threshold
    left = k - above.sum(axis=-1)  # places of the top k that the tied cells share
    in_tied = (tied & inside).sum(axis=-1) / tied.sum(axis=-1)
    return ((above & inside).sum(axis=-1) + left * in_tied) / k


@fill_doc
def relevance_mass_accuracy(relevance: npt.ArrayLike, mask: npt.ArrayLike) -> np.ndarray | float:
    """Return the share of ``|relevance|`` that lies inside the mask.

    Parameters
    ----------
    %(relevance)s
    %(mask)s

    Returns
    -------
    %(ground_truth_score)s
        In [0, 1]; NaN for a map that is zero everywhere.

    Raises
    ------
    ValueError
        If ``relevance`` or ``mask`` is not as described.
    """
    magnitude, inside = _cells(relevance, mask)
    with np.errstate(invalid="ignore"):
        return (magnitude[..., inside].sum(axis=-1) / magnitude.sum(axis=-1))[()]


@fill_doc
def relevance_rank_accuracy(relevance: npt.ArrayLike, mask: npt.ArrayLike) -> np.ndarray | float:
    """Return the share of the K cells of largest ``|relevance|`` that lie inside the mask.

    K is the number of cells of the mask. Cells tied with the K-th largest value
    share the places of the top K left to them (K minus the cells above that
    value), each counted with the same fraction: the expected score when ties
    are broken at random, whatever the order of the cells.

    Parameters
    ----------
    %(relevance)s
    %(mask)s

    Returns
    -------
    %(ground_truth_score)s
        In [0, 1].

    Raises
    ------
    ValueError
        If ``relevance`` or ``mask`` is not as described.
    """
    magnitude, inside = _cells(relevance, mask)
    return _top_share(magnitude, inside, int(inside.sum()))[()]


@fill_doc
def pointing_game(relevance: npt.ArrayLike, mask: npt.ArrayLike) -> np.ndarray | float:
    """Return 1.0 if the cell of largest ``|relevance|`` lies inside the mask, else 0.0.

    Where several cells share the largest value, the share of them inside the
    mask (the expected score of a cell drawn among them at random).

    Parameters
    ----------
    %(relevance)s
    %(mask)s

    Returns
    -------
    %(ground_truth_score)s
        1.0 or 0.0 (a fraction between them only for tied maxima).

    Raises
    ------
    ValueError
        If ``relevance`` or ``mask`` is not as described.
    """
    magnitude, inside = _cells(relevance, mask)
    return _top_share(magnitude, inside, 1)[()]


@fill_doc
def roc_auc(relevance: npt.ArrayLike, mask: npt.ArrayLike) -> np.ndarray | float:
    """Return the ROC-AUC of ``|relevance|`` as a score of the cells' membership in the mask.

    The Mann-Whitney statistic over all pairs of a cell inside and a cell
    outside the mask: 1 for a larger value inside, 1/2 for a tie.

    Parameters
    ----------
    %(relevance)s
    %(mask)s

    Returns
    -------
    %(ground_truth_score)s
        In [0, 1]; 0.5 for a map with no information.

    Raises
    ------
    ValueError
        If ``relevance`` or ``mask`` is not as described.
    """
    magnitude, inside = _cells(relevance, mask)
    ranks = scipy.stats.rankdata(magnitude, axis=-1)  # ties get their mean rank
    n_inside = int(inside.sum())
    n_outside = inside.size - n_inside
    exceeding = ranks[..., inside].sum(axis=-1) - n_inside * (n_inside + 1) / 2
    return (exceeding / (n_inside * n_outside))[()]


#: The scores, by name.
METRICS: Mapping[str, Callable[[npt.ArrayLike, npt.ArrayLike], np.ndarray | float]] = (
    MappingProxyType(
        {
            "relevance_mass_accuracy": relevance_mass_accuracy,
            "relevance_rank_accuracy": relevance_rank_accuracy,
            "pointing_game": pointing_game,
            "roc_auc": roc_auc,
        }
    )
)


@fill_doc
def chance_levels(mask: npt.ArrayLike) -> dict[str, float]:
    """Return each score of a map with no information about the mask.

    A map equal everywhere (or the expectation over random maps whose cells are
    exchangeable) scores the mask's share of cells in mass accuracy, rank
    accuracy and the pointing game, and 0.5 in ROC-AUC.

    Parameters
    ----------
    %(mask)s

    Returns
    -------
    chance : dict of str to float
        Metric name (as in :data:`METRICS`) -> its chance level.

    Raises
    ------
    ValueError
        If ``mask`` is not boolean or holds no cell or every cell.
    """
    share = float(_checked_mask(mask, "mask").mean())
    return {
        "relevance_mass_accuracy": share,
        "relevance_rank_accuracy": share,
        "pointing_game": share,
        "roc_auc": 0.5,
    }


def class_masks(classes: Sequence[str], masks: Mapping[str, object]) -> dict[str, list[str]]:
    """Return the masks each class's map is scored against.

    Parameters
    ----------
    classes : sequence of str
        The classes of the maps.
    masks : mapping of str
        The masks by name (only the names are read): a class's own planted
        effect under the class's name, artifacts under any other name.

    Returns
    -------
    scored : dict of str to list of str
        Class -> its own mask (when ``masks`` has one under its name), then
        every mask not named after a class, in the order of ``masks``.
    """
    artifacts = [name for name in masks if name not in set(classes)]
    return {klass: ([klass] if klass in masks else []) + artifacts for klass in classes}


def merge_class_masks(
    masks: Mapping[str, np.ndarray], classes: Sequence[str], name: str = "brain_effect"
) -> dict[str, np.ndarray]:
    """Replace the classes' own masks by their union, scored for every class.

    A lateralised effect is evidence for both classes: a network tells left- from
    right-hand imagery by the power at both hemispheres' sensorimotor sites, so
    each class's map may rightly point at the other class's site. The union of
    the classes' planted regions is then the brain effect every class's map is
    scored against, beside the confounds.

    Parameters
    ----------
    masks : mapping of str to numpy.ndarray of bool
        The masks by name, classes' own under the class's name.
    classes : sequence of str
        The classes of the maps.
    name : str
        Name of the union.

    Returns
    -------
    masks : dict of str to numpy.ndarray of bool
        ``name`` (when any class has a mask) first, then the masks not named after a class.
    """
    own = [np.asarray(masks[klass], dtype=bool) for klass in classes if klass in masks]
    merged = {name: np.logical_or.reduce(own)} if own else {}
    return merged | {key: mask for key, mask in masks.items() if key not in set(classes)}


def ground_truth_scores(
    maps: xr.DataArray,
    masks: Mapping[str, npt.ArrayLike],
    *,
    confidence: float = 0.95,
    **labels: object,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score every subject's map of every class against its masks; summarise the subjects.

    Parameters
    ----------
    maps : xarray.DataArray
        Attribution maps with dimensions ``subject``, ``channel``,
        ``frequency`` and ``class`` (any order), e.g. the map variable of a
        maps dataset, ``maps[maps.attrs["map"]]``.
    masks : mapping of str to array-like of bool, shape (n_channels, n_freqs)
        The truth by name, in the maps' channel and frequency order
        (:func:`eegvis.data.artifacts.planted_masks`); which masks each class
        is scored against: :func:`class_masks`.
    confidence : float
        Level of the confidence interval, in (0, 1).
    **labels
        Columns put first in both tables, one value each (e.g.
        ``method="deeplift", network="trained"``).

    Returns
    -------
    per_subject : pandas.DataFrame
        Columns: the labels, then ``subject``, ``class``, ``mask``, ``metric``
        (a name of :data:`METRICS`) and ``value``.
    summary : pandas.DataFrame
        Columns: the labels, then ``class``, ``mask``, ``metric``, ``value``
        (the mean over subjects), ``ci_low`` and ``ci_high`` (the Student-t
        interval of the mean, ``mean ± t((1 + confidence) / 2, n - 1) s / √n``
        with ``s`` the standard deviation across subjects; NaN for a single
        subject), ``n_subjects`` (those with a defined value: an all-zero map
        has no mass accuracy) and ``chance`` (:func:`chance_levels`).

    Raises
    ------
    ValueError
        If ``maps`` has other dimensions, no subject or non-finite values,
        ``masks`` is empty or a mask is not a boolean channel x frequency
        array with cells in and out, ``confidence`` is outside (0, 1), or a
        label would replace a column of the tables.
    """
    relevance = _checked_maps(maps).transpose("class", "subject", "channel", "frequency")
    shape = (maps.sizes["channel"], maps.sizes["frequency"])
    if not masks:
        raise ValueError("masks is empty: there is nothing to score the maps against")
    for name, mask in masks.items():
        mask = _checked_mask(mask, f"masks[{name!r}]")
        if mask.shape != shape:
            raise ValueError(
                f"masks[{name!r}] has shape {mask.shape}, not the maps' channel x frequency "
                f"shape {shape}"
            )
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    clashes = sorted(set(labels) & {*SUBJECT_COLUMNS, *SUMMARY_COLUMNS})
    if clashes:
        raise ValueError(f"labels {clashes} would replace columns of the tables")
    classes = [str(klass) for klass in relevance["class"].values]
    subjects = relevance["subject"].values
    per_subject, summary = [], []
    for klass, scored in class_masks(classes, masks).items():
        class_maps = relevance.sel({"class": klass}).values
        for name in scored:
            chance = chance_levels(masks[name])
            for metric, score in METRICS.items():
                values = np.atleast_1d(score(class_maps, masks[name]))
                per_subject += [
                    (subject, klass, name, metric, value)
                    for subject, value in zip(subjects, values, strict=True)
                ]
                interval = _t_interval(values, confidence)
                summary.append((klass, name, metric, *interval, chance[metric]))
    return (
        _labelled(pd.DataFrame(per_subject, columns=list(SUBJECT_COLUMNS)), labels),
        _labelled(pd.DataFrame(summary, columns=list(SUMMARY_COLUMNS)), labels),
    )


def _checked_maps(maps: xr.DataArray) -> xr.DataArray:
    """Return ``maps``; raise unless a DataArray of :data:`MAP_DIMS` with finite values."""
    if not isinstance(maps, xr.DataArray):
        raise ValueError(
            f"maps must be an xarray.DataArray (a dataset's map variable), got {type(maps)}"
        )
    if set(maps.dims) != set(MAP_DIMS):
        raise ValueError(f"maps must have the dimensions {MAP_DIMS} (any order), got {maps.dims}")
    if maps.sizes["subject"] == 0:
        raise ValueError("maps holds no subject")
    if not np.isfinite(maps.values).all():
        raise ValueError("maps must be finite")
    return maps


def _t_interval(values: np.ndarray, confidence: float) -> tuple[float, float, float, int]:
    """Return the mean of the finite ``values``, its Student-t interval and their number."""
    finite = values[np.isfinite(values)]
    n = finite.size
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    mean = float(finite.mean())
    if n == 1:
        return mean, np.nan, np.nan, 1
    half = scipy.stats.t.ppf((1 + confidence) / 2, n - 1) * finite.std(ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half, n


def _labelled(table: pd.DataFrame, labels: Mapping[str, object]) -> pd.DataFrame:
    """Return ``table`` with one column per label, first, in the order given."""
    for position, (name, value) in enumerate(labels.items()):
        table.insert(position, name, value)
    return table
