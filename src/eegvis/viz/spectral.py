"""Figures of the spectral analyses: amplitude-gradient and amplitude-perturbation maps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from eegvis.utils.docs import fill_doc
from eegvis.viz._class_grid import class_grid
from eegvis.viz.captions import select
from eegvis.viz.topomaps import plot_channel_frequency

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


@fill_doc
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
    %(map_tables)s
    analysis : {"gradient", "attribution", "perturbation"}
        Which analysis (for the colour-bar label).
    band : mapping
        ``{name, low, high}`` of the band shown.
    contrasts : sequence of str
        Rows, e.g. ``["trained", "untrained", "trained-untrained"]``.
    %(ch_names)s
    %(figure_subjects)s
    %(figure_title)s

    Returns
    -------
    fig : matplotlib.figure.Figure
        Rows = contrasts, columns = classes; one symmetric colour scale per row;
        significant channels marked; split-half reliability under each map (and,
        for perturbation, the reliability over iterations).
    """
    return class_grid(
        select(statistics, {"band": band["name"]}),
        select(reliability, {"band": band["name"]}),
        [{"contrast": contrast} for contrast in contrasts],
        contrasts,
        ch_names,
        subjects=subjects,
        title=title,
        cbar_label=f"{VALUE_LABELS[analysis]}, {band['low']:g}–{band['high']:g} Hz",
        row_label="network",
    )


@fill_doc
def plot_spectrum(results: Sequence[xr.Dataset], analysis: str, title: str = "") -> Figure:
    """Channel × frequency heat maps of the pooled maps, per network and class.

    Parameters
    ----------
    results : sequence of xarray.Dataset
        Gradient or perturbation maps (``pooled``: channel, frequency, class) of
        each network, e.g. trained then untrained.
    analysis : {"gradient", "perturbation"}
        Which analysis (for the colour-bar label).
    %(figure_title)s

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
