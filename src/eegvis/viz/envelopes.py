"""Figures of the envelope analyses: the paper's Fig. 15 and Fig. 14 analogues."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from eegvis.utils.docs import fill_doc
from eegvis.viz._class_grid import class_grid
from eegvis.viz.captions import map_grid, reliability_notes, select, statistics_caption
from eegvis.viz.labels import LAYER_TITLES
from eegvis.viz.topomaps import plot_map_grid

#: Colour-bar names of the envelope-activation maps' summaries over a layer's units.
UNIT_SUMMARY_LABELS = {"mean_abs": "mean |r|", "mean": "mean r"}


@fill_doc
def plot_envelope_activation(
    activation: pd.DataFrame,
    classes: pd.DataFrame,
    reliability: pd.DataFrame,
    layers: Sequence[str],
    bands: Sequence[str],
    band_titles: Sequence[str],
    ch_names: Sequence[str],
    *,
    contrast: str = "trained-untrained",
    unit_summary: str = "mean_abs",
    subjects: str = "all",
    title: str = "",
) -> Figure:
    """Scalp maps of trained-minus-control envelope-unit correlation (Fig. 15).

    Parameters
    ----------
    activation : pandas.DataFrame
        Statistics table of the envelope-activation maps.
    classes : pandas.DataFrame
        Statistics table of the envelope-class maps; the last column shows
        their absolute mean averaged over classes (with two classes the two
        correlations are opposite, so a signed mean would be zero), a channel
        marked where any class is significant.
    reliability : pandas.DataFrame
        Reliability table of the envelope-activation maps.
    layers : sequence of str
        Layer names, the columns.
    bands, band_titles : sequence of str
        Band names (as in the tables) and row titles.
    %(ch_names)s
    contrast : str
        The contrast shown, e.g. ``"trained-untrained"``.
    unit_summary : {"mean_abs", "mean"}
        How the maps summarise a layer's units (the tables' maps are already
        summarised; this names it on the colour bar): mean of the absolute
        correlations (the paper's Fig. 15) or signed mean.
    %(figure_subjects)s
    %(figure_title)s

    Returns
    -------
    fig : matplotlib.figure.Figure
        Rows = bands; columns = layers, then the class column with its own scale.
    """
    if unit_summary not in UNIT_SUMMARY_LABELS:
        raise ValueError(
            f"unit_summary must be one of {tuple(UNIT_SUMMARY_LABELS)}, got {unit_summary!r}"
        )
    rows = [{"band": band} for band in bands]
    columns = [{"contrast": contrast, "layer": layer} for layer in layers]
    values, mask = map_grid(activation, rows, columns, ch_names)
    class_names = classes["class"].unique()
    class_values, class_mask = map_grid(
        classes, rows, [{"class": name} for name in class_names], ch_names
    )
    notes = reliability_notes(reliability, rows, columns)
    return plot_map_grid(
        np.concatenate([values, np.abs(class_values).mean(axis=1, keepdims=True)], axis=1),
        band_titles,
        [LAYER_TITLES.get(layer, layer) for layer in layers] + ["class |r|"],
        ch_names,
        title=title,
        cbar_label=f"{UNIT_SUMMARY_LABELS[unit_summary]} over units, "
        f"{contrast.replace('-', ' − ')}",
        separate_last_column=True,
        last_column_cbar_label="|r| envelope–class, mean over classes",
        row_label="frequency band",
        mask=np.concatenate([mask, class_mask.any(axis=1, keepdims=True)], axis=1),
        notes=np.concatenate([notes, np.full((len(bands), 1), "")], axis=1),
        footer=statistics_caption(select(activation, {"contrast": contrast}), subjects),
    )


@fill_doc
def plot_envelope_class(
    statistics: pd.DataFrame,
    reliability: pd.DataFrame,
    bands: Sequence[str],
    band_titles: Sequence[str],
    ch_names: Sequence[str],
    *,
    subjects: str = "all",
    title: str = "",
) -> Figure:
    """Scalp maps of envelope-class correlation per band and class (Fig. 14).

    Parameters
    ----------
    %(map_tables)s
    bands, band_titles : sequence of str
        Band names (as in the tables) and row titles.
    %(ch_names)s
    %(figure_subjects)s
    %(figure_title)s

    Returns
    -------
    fig : matplotlib.figure.Figure
        Rows = bands, columns = classes.
    """
    return class_grid(
        statistics,
        reliability,
        [{"band": band} for band in bands],
        band_titles,
        ch_names,
        subjects=subjects,
        title=title,
        cbar_label="r (envelope, class)",
        row_label="frequency band",
    )
