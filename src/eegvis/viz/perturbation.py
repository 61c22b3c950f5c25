"""Figures of the amplitude-perturbation analysis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from eegvis.perturbation import band_mean
from eegvis.viz.topomaps import plot_channel_frequency, plot_map_grid


def plot_perturbation_maps(
    results: Sequence[Mapping[str, np.ndarray]], low: float, high: float, title: str = ""
) -> Figure:
    """Scalp maps of the band-mean perturbation correlation, one row per model.

    Parameters
    ----------
    results : sequence of mapping
        Perturbation result arrays (``corr``, ``freqs``, ``channels``,
        ``classes``, ``model``), e.g. trained then untrained.
    low, high : float
        Band edges in Hz (both included).
    title : str
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Rows = models, columns = classes; one symmetric colour scale per row.
    """
    maps = np.stack(
        [band_mean(r["corr"], r["freqs"], low, high).T for r in results]
    )  # (models, classes, chans)
    return plot_map_grid(
        maps,
        [str(r["model"]) for r in results],
        [str(c) for c in results[0]["classes"]],
        [str(c) for c in results[0]["channels"]],
        title=title,
        cbar_label=f"r (amplitude change, prediction change), {low:g}–{high:g} Hz",
        row_label="network",
    )


def plot_perturbation_spectrum(
    results: Sequence[Mapping[str, np.ndarray]], title: str = ""
) -> Figure:
    """Channel × frequency heat maps per model and class.

    Parameters
    ----------
    results : sequence of mapping
        Perturbation result arrays, e.g. trained then untrained.
    title : str
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One column per (model, class), shared symmetric colour scale.
    """
    values = np.concatenate([np.moveaxis(r["corr"], -1, 0) for r in results])
    columns = [f"{r['model']}: {c}" for r in results for c in r["classes"]]
    return plot_channel_frequency(
        values,
        [str(c) for c in results[0]["channels"]],
        results[0]["freqs"],
        columns,
        title=title,
        cbar_label="r (amplitude change, prediction change)",
    )
