"""Scalp-map grids read from the statistics and reliability tables, with their captions.

Every map figure of the workflow shows the mean over subjects of a tested map
(the ``mean`` column of :func:`eegvis.stats.tables.statistics_table`), marks
its significant channels, names the test under the grid and gives each map's
split-half reliability under it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

#: How each test is described in figure captions.
METHOD_DESCRIPTIONS = {
    "tmax": "sign-flip permutation test, family-wise error controlled by the maximum |t| "
    "over the channels × bands of each map",
    "cluster": "cluster-based sign-flip permutation test (clusters of neighbouring channels "
    "within a band), family-wise error controlled over each map",
    "fdr": "sign-flip permutation p values, Benjamini–Hochberg false discovery rate over "
    "the channels × bands of each map",
}
#: Reliability below which a map should not be read channel by channel.
LOW_RELIABILITY = 0.5

Selector = Mapping[str, str]


def select(table: pd.DataFrame, selector: Selector) -> pd.DataFrame:
    """Rows of ``table`` whose columns equal the values of ``selector``.

    Parameters
    ----------
    table : pandas.DataFrame
        A statistics or reliability table.
    selector : mapping of str to str
        Column -> required value (compared as strings; NaN reads as ``""``).

    Returns
    -------
    rows : pandas.DataFrame
    """
    keep = np.ones(len(table), dtype=bool)
    for column, value in selector.items():
        keep &= table[column].astype(object).fillna("").astype(str).to_numpy() == str(value)
    return table[keep]


def map_grid(
    statistics: pd.DataFrame,
    rows: Sequence[Selector],
    columns: Sequence[Selector],
    channels: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Means and significance of a grid of tested maps.

    Parameters
    ----------
    statistics : pandas.DataFrame
        A statistics table.
    rows, columns : sequence of mapping
        Selectors; cell ``(i, j)`` holds the rows matching ``{**rows[i], **columns[j]}``.
    channels : sequence of str
        Channel order of the maps.

    Returns
    -------
    values : numpy.ndarray, shape (n_rows, n_columns, n_channels)
        ``mean`` per channel (NaN where the table has none).
    mask : numpy.ndarray of bool, same shape
        ``significant`` per channel.

    Raises
    ------
    ValueError
        If a cell matches more than one row for a channel.
    """
    values = np.full((len(rows), len(columns), len(channels)), np.nan)
    mask = np.zeros(values.shape, dtype=bool)
    for i, row in enumerate(rows):
        for j, column in enumerate(columns):
            cell = select(statistics, {**row, **column})
            if cell["channel"].duplicated().any():
                raise ValueError(f"more than one statistics row per channel for {row} {column}")
            cell = cell.set_index(cell["channel"].astype(str)).reindex(list(channels))
            values[i, j] = cell["mean"].to_numpy(dtype=float)
            mask[i, j] = cell["significant"].fillna(False).to_numpy(dtype=bool)
    return values, mask


def reliability_notes(
    reliability: pd.DataFrame,
    rows: Sequence[Selector],
    columns: Sequence[Selector],
    split: str = "subjects",
) -> np.ndarray:
    """Split-half reliability of each map of a grid, as short lines for under the maps.

    Parameters
    ----------
    reliability : pandas.DataFrame
        A reliability table.
    rows, columns : sequence of mapping
        Selectors, as for :func:`map_grid`.
    split : str
        ``"subjects"`` or ``"iterations"``.

    Returns
    -------
    notes : numpy.ndarray of str, shape (n_rows, n_columns)
        E.g. ``"split-half r = 0.94"``; ``"(unreliable)"`` is added below
        :data:`LOW_RELIABILITY`; empty where the table has no value.
    """
    notes = np.full((len(rows), len(columns)), "", dtype=object)
    for i, row in enumerate(rows):
        for j, column in enumerate(columns):
            match = select(reliability, {**row, **column, "split": split})
            if len(match) == 1:
                notes[i, j] = describe_reliability(float(match["r"].iloc[0]))
    return notes


def describe_reliability(r: float) -> str:
    """One line for a split-half correlation, flagging unreliable maps."""
    if not np.isfinite(r):
        return "split-half r = n/a"
    return f"split-half r = {r:.2f}" + (" (unreliable)" if r < LOW_RELIABILITY else "")


def statistics_caption(statistics: pd.DataFrame, subjects: str) -> str:
    """Describe the test behind a figure: n subjects, method, correction, alpha.

    Parameters
    ----------
    statistics : pandas.DataFrame
        The rows shown in the figure (one method, one alpha).
    subjects : str
        Which subjects were tested (the config's ``statistics.subjects``).

    Returns
    -------
    caption : str
    """
    method = _single(statistics, "method")
    alpha = _single(statistics, "alpha")
    n_subjects = _single(statistics, "n_subjects")
    n_permutations = _single(statistics, "n_permutations")
    return (
        f"Mean over n = {n_subjects} subjects ({subjects}); {METHOD_DESCRIPTIONS[method]} "
        f"({n_permutations} sign flips), α = {alpha:g}; circles: significant channels. "
        "Under each map: split-half reliability (odd vs even subjects, r across channels)."
    )


def _single(table: pd.DataFrame, column: str):
    """Return the one value of ``column`` in ``table``."""
    values = table[column].unique()
    if len(values) != 1:
        raise ValueError(f"expected one {column} in the statistics, found {list(values)}")
    return values[0]
