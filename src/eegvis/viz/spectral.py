"""Figures of the spectral analyses: amplitude-gradient and amplitude-perturbation maps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from eegvis.viz.captions import (
    describe_reliability,
    map_grid,
    reliability_notes,
    select,
    statistics_caption,
)
from eegvis.viz.topomaps import plot_channel_frequency, plot_map_grid

#: Figure-title name of each analysis.
ANALYSIS_TITLES = {
    "gradient": "Amplitude gradient",
    "perturbation": "Amplitude-perturbation correlation",
    "attribution": "Gradient attribution (gradient × class amplitude difference)",
}
#: Colour-bar label of each analysis.
VALUE_LABELS = {
    "gradient": "∂ prediction / ∂ amplitude (mean over crops)",
    "perturbation": "r (amplitude change, prediction change)",
    "attribution": "prediction change from the class amplitude difference",
}


def plot_band_maps(
    statistics: pd.DataFrame,
    reliability: pd.DataFrame,
    analysis: str,
    band: Mapping[str, float],
    contrasts: Sequence[str],
    ch_names: Sequence[str],
    *,
    subjects: str = "all",
    title: str = "",
) -> Figure:
    """Scalp maps of the band-mean gradient or perturbation maps, one row per contrast.

    Parameters
    ----------
    statistics, reliability : pandas.DataFrame
        Statistics and reliability tables of the analysis.
    analysis : {"gradient", "attribution", "perturbation"}
        Which analysis (for the colour-bar label).
    band : mapping
        ``{name, low, high}`` of the band shown.
    contrasts : sequence of str
        Rows, e.g. ``["trained", "untrained", "trained-untrained"]``.
    ch_names : sequence of str
        Channel names.
    subjects : str
        Which subjects were tested (for the caption).
    title : str
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Rows = contrasts, columns = classes; one symmetric colour scale per row;
        significant channels marked; split-half reliability under each map (and,
        for perturbation, the reliability over iterations).
    """
    shown = select(statistics, {"band": band["name"]})
    rows = [{"contrast": contrast} for contrast in contrasts]
    columns = [{"class": name} for name in shown["class"].unique()]
    values, mask = map_grid(shown, rows, columns, ch_names)
    shown_reliability = select(reliability, {"band": band["name"]})
    notes = reliability_notes(shown_reliability, rows, columns)
    for i, row in enumerate(rows):
        for j, column in enumerate(columns):
            over_iterations = select(shown_reliability, {**row, **column, "split": "iterations"})
            if len(over_iterations) == 1:
                r = float(over_iterations["r"].iloc[0])
                notes[i, j] += "\n" + describe_reliability(r).replace("split-half", "iterations")
    label = f"{VALUE_LABELS[analysis]}, {band['low']:g}–{band['high']:g} Hz"
    return plot_map_grid(
        values,
        contrasts,
        [column["class"] for column in columns],
        ch_names,
        title=title,
        cbar_label=label,
        row_label="network",
        mask=mask,
        notes=notes,
        footer=statistics_caption(shown, subjects),
    )


def plot_spectrum(results: Sequence[xr.Dataset], analysis: str, title: str = "") -> Figure:
    """Channel × frequency heat maps of the pooled maps, per network and class.

    Parameters
    ----------
    results : sequence of xarray.Dataset
        Gradient or perturbation maps (``pooled``: channel, frequency, class) of
        each network, e.g. trained then untrained.
    analysis : {"gradient", "perturbation"}
        Which analysis (for the colour-bar label).
    title : str
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One column per (network, class), shared symmetric colour scale.
    """
    pooled = [r["pooled"].transpose("class", "channel", "frequency") for r in results]
    columns = [f"{r.attrs['network']}: {c}" for r in results for c in r["class"].values]
    return plot_channel_frequency(
        np.concatenate([p.values for p in pooled]),
        [str(c) for c in results[0]["channel"].values],
        results[0]["frequency"].values,
        columns,
        title=title,
        cbar_label=VALUE_LABELS[analysis],
    )
