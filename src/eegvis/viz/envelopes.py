"""Figures of the envelope analyses: the paper's Fig. 15 and Fig. 14 analogues."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from eegvis.viz.topomaps import plot_map_grid

#: Column titles of the analysed layers (:data:`eegvis.models.BLOCK_OUTPUTS`).
LAYER_TITLES = {
    "pool_nonlin": "block 1",
    "pool_nonlin_2": "block 2",
    "pool_nonlin_3": "block 3",
    "pool_nonlin_4": "block 4",
    "conv_classifier": "classifier",
}


def band_title(name: str, low: float, high: float) -> str:
    """Return a row title such as ``"alpha 7–13 Hz"``."""
    return f"{name} {low:g}–{high:g} Hz"


def plot_envelope_activation(
    difference: np.ndarray,
    class_correlation: np.ndarray,
    layers: Sequence[str],
    band_titles: Sequence[str],
    ch_names: Sequence[str],
    title: str = "",
) -> Figure:
    """Scalp maps of trained-minus-untrained envelope-unit correlation (Fig. 15).

    Parameters
    ----------
    difference : ndarray, shape (n_layers, n_chans, n_bands)
        As from :func:`eegvis.results.trained_minus_untrained`.
    class_correlation : ndarray, shape (n_chans, n_bands, n_classes)
        Envelope-class correlations; the last column shows their absolute
        value averaged over classes (with two classes the two correlations are
        opposite, so a signed mean would be zero).
    layers : sequence of str
        Layer names, in the order of ``difference``.
    band_titles : sequence of str
        Row titles.
    ch_names : sequence of str
        Channel names.
    title : str
        Figure title (with the data citation).

    Returns
    -------
    fig : matplotlib.figure.Figure
        Rows = bands; columns = layers, then the class-correlation column
        with its own colour scale.
    """
    maps = np.concatenate(
        [
            difference.transpose(2, 0, 1),
            np.abs(class_correlation).mean(axis=-1).T[:, None, :],
        ],
        axis=1,
    )
    columns = [LAYER_TITLES.get(layer, layer) for layer in layers] + ["class |r|"]
    return plot_map_grid(
        maps,
        band_titles,
        columns,
        ch_names,
        title=title,
        cbar_label="r trained − r untrained",
        separate_last_column=True,
        last_column_cbar_label="|r| envelope–class, mean over classes",
        row_label="frequency band",
    )


def plot_envelope_class(
    class_correlation: np.ndarray,
    classes: Sequence[str],
    band_titles: Sequence[str],
    ch_names: Sequence[str],
    title: str = "",
) -> Figure:
    """Scalp maps of envelope-class correlation per band and class (Fig. 14).

    Parameters
    ----------
    class_correlation : ndarray, shape (n_chans, n_bands, n_classes)
        Envelope-class correlations.
    classes : sequence of str
        Column titles.
    band_titles : sequence of str
        Row titles.
    ch_names : sequence of str
        Channel names.
    title : str
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    return plot_map_grid(
        class_correlation.transpose(1, 2, 0),
        band_titles,
        list(classes),
        ch_names,
        title=title,
        cbar_label="r (envelope, class)",
        row_label="frequency band",
    )
