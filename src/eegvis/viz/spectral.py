"""Figures of the spectral analyses: amplitude-gradient and amplitude-perturbation maps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from eegvis.utils.docs import fill_doc
from eegvis.viz._class_grid import class_grid
from eegvis.viz.captions import select
from eegvis.viz.topomaps import plot_channel_frequency

#: Colour-bar label of each analysis.
VALUE_LABELS = {
    "gradient": "∂ prediction / ∂ amplitude (mean over crops)",
    "perturbation": "r (amplitude change, prediction change)",
    "attribution": "prediction change from the class amplitude difference",
    **{
        method: "attribution to class: own − other classes' crops"
        for method in ("saliency", "input_x_gradient", "integrated_gradients", "deeplift")
        + ("gradient_shap", "occlusion", "lrp")
    },
    "haufe": "amplitude covariance × centred gradient",
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
    symmetric: Literal["row", "all"] = "row",
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
    symmetric : {"row", "all"}
        ``"row"``: each contrast (a network, or trained minus a control) on
        its own symmetric colour scale, so a network with far smaller values
        is not drawn blank; ``"all"``: one scale for all, to compare sizes.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Rows = contrasts, columns = classes, each row with its colourbar (or
        one for all); significant channels marked; split-half reliability
        under each map (and, for perturbation, the reliability over
        iterations); under the grid the test and the colour scales.
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
        symmetric=symmetric,
    )


@fill_doc
def plot_spectrum(
    results: Sequence[xr.Dataset],
    analysis: str,
    title: str = "",
    *,
    symmetric: Literal["row", "all"] = "row",
) -> Figure:
    """Channel × frequency heat maps of the pooled maps, one row per network, one column per class.

    Parameters
    ----------
    results : sequence of xarray.Dataset
        Gradient or perturbation maps (``pooled``: channel, frequency, class) of
        each network, e.g. trained then untrained, with the same channels,
        frequencies and classes.
    analysis : {"gradient", "perturbation"}
        Which analysis (for the colour-bar label).
    %(figure_title)s
    symmetric : {"row", "all"}
        ``"row"``: each network on its own symmetric colour scale, so a
        network with far smaller values (a trained one's gradients) is not
        drawn blank; ``"all"``: one scale for all, to compare sizes.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Panels ``"{network}: {class}"`` with a colourbar per row (or one for
        all), and under them a sentence on the colour scales.
    """
    first = results[0]
    return plot_channel_frequency(
        np.stack([r["pooled"].transpose("class", "channel", "frequency").values for r in results]),
        [r.attrs["network"] for r in results],
        [str(c) for c in first["class"].values],
        [str(c) for c in first["channel"].values],
        first["frequency"].values,
        title=title,
        cbar_label=VALUE_LABELS[analysis],
        symmetric=symmetric,
    )
