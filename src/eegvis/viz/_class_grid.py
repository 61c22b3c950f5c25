"""The scalp-map grid of the figures whose columns are the classes of a statistics table.

:func:`~eegvis.viz.envelopes.plot_envelope_class` (rows: bands) and
:func:`~eegvis.viz.spectral.plot_band_maps` (rows: contrasts) draw it.

Private to :mod:`eegvis.viz`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from eegvis.utils.docs import fill_doc
from eegvis.viz.captions import (
    Selector,
    map_grid,
    reliability_notes,
    statistics_caption,
)
from eegvis.viz.topomaps import plot_map_grid


@fill_doc
def class_grid(
    statistics: pd.DataFrame,
    reliability: pd.DataFrame,
    rows: Sequence[Selector],
    row_titles: Sequence[str],
    ch_names: Sequence[str],
    *,
    subjects: str,
    title: str,
    cbar_label: str,
    row_label: str,
    symmetric: str = "row",
) -> Figure:
    """Scalp maps of ``statistics``, one row per selector of ``rows``, one column per class.

    Significant channels are marked; under each map its split-half reliability
    over subjects and, on a line of its own where ``reliability`` has it
    (perturbation maps), over iterations; under the grid the test
    (:func:`eegvis.viz.captions.statistics_caption`).

    Parameters
    ----------
    %(map_tables)s
    rows : sequence of mapping
        Selectors of the rows (:func:`eegvis.viz.captions.map_grid`).
    row_titles : sequence of str
        Title of each row.
    %(ch_names)s
    %(figure_subjects)s
    title, cbar_label, row_label : str
        As for :func:`eegvis.viz.topomaps.plot_map_grid`.
    symmetric : {"row", "all"}
        As for :func:`eegvis.viz.topomaps.plot_map_grid`: a colour scale per row or one for all.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    columns = [{"class": name} for name in statistics["class"].unique()]
    values, mask = map_grid(statistics, rows, columns, ch_names)
    notes = reliability_notes(reliability, rows, columns)
    over_iterations = reliability_notes(reliability, rows, columns, split="iterations")
    for i, j in zip(*np.nonzero(over_iterations != ""), strict=True):
        notes[i, j] += "\n" + over_iterations[i, j].replace("split-half", "iterations")
    return plot_map_grid(
        values,
        row_titles,
        [column["class"] for column in columns],
        ch_names,
        title=title,
        cbar_label=cbar_label,
        row_label=row_label,
        mask=mask,
        notes=notes,
        footer=statistics_caption(statistics, subjects),
        symmetric=symmetric,
    )
