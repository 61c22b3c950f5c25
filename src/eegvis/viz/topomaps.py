"""Scalp maps and channel × frequency maps (Fig. 14, Fig. 15, perturbation maps).

Scalp maps use MNE's :func:`mne.viz.plot_topomap` on 2D sensor positions from
:func:`scalp_positions`, in the EEGLAB convention: Fpz, T8, Oz and T7 lie on the
drawn head circle, Cz in its centre. The geometry depends only on the standard
montage, so every map of a figure shares it whichever channels are missing
(NaN) in a map.

A map is extrapolated to the head circle only where its channels cover the
head: where the convex hull of the channels it is drawn from covers at least
:data:`HEAD_COVERAGE` of the head disc (a 10-20 montage or the 64 EEGBCI
channels); a partial montage (e.g. the 21 FC/C/CP channels, a hull of 0.29 of
the disc) is drawn only near its sensors (MNE's ``extrapolate="local"``) inside
the head outline, its sensors marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import matplotlib.pyplot as plt
import mne
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, Normalize
from matplotlib.figure import Figure
from matplotlib.path import Path
from scipy.spatial import ConvexHull, QhullError

from eegvis.data.montage import standard_montage
from eegvis.viz._layout import (
    FOOTER_CHAR_INCH,
    FOOTER_LINE_INCH,
    TITLE_CHAR_INCH,
    n_lines,
    title_height,
    wrap,
)
from eegvis.viz._scales import (
    check_symmetric,
    draw_scales,
    scale_blocks,
    scale_statement,
)
from eegvis.viz._scales import symmetric_limit as symmetric_limit  # public here too

#: Electrodes on the rim of the drawn head (nasion-inion and ear-ear lines).
HORIZON_CHANNELS: tuple[str, ...] = ("Fpz", "T8", "Oz", "T7")

#: Edge length of one scalp map in inches.
CELL_INCH = 1.8
#: Width in inches reserved for one column of colourbars.
CBAR_INCH = 1.0
#: Colour of channels without a value (NaN).
MISSING_COLOUR = "0.55"
#: Fewest finite channels a scalp map is interpolated from.
MIN_CHANNELS = 4
#: Least fraction of the head disc inside the convex hull of a map's channels
#: for the map to be extrapolated to the head circle (10-20 montage: 0.97;
#: 64 EEGBCI channels: 0.99; 44 High-Gamma sensorimotor channels: 0.38).
HEAD_COVERAGE = 0.8
#: Height in inches of one channel row of a channel × frequency map.
CHANNEL_INCH = 0.11
#: Extrapolations of :func:`plot_map_grid`.
EXTRAPOLATIONS = ("auto", "head", "local")
#: How marked (e.g. significant) channels are drawn.
MASK_STYLE = dict(marker="o", markerfacecolor="k", markeredgecolor="w", linewidth=0, markersize=4)


def eeg_info(ch_names: Sequence[str], sfreq: float = 160.0) -> mne.Info:
    """Return an MNE ``Info`` of EEG channels with the standard 10-05 montage set.

    Parameters
    ----------
    ch_names : sequence of str, length n_channels
        Standard 10-05 channel names (e.g. :data:`eegvis.data.eegbci.CHANNELS`).
    sfreq : float
        Sampling rate in Hz.

    Returns
    -------
    info : mne.Info
        ``n_channels`` EEG channels with positions from
        :func:`eegvis.data.montage.standard_montage`.

    Raises
    ------
    ValueError
        If a name is not in the standard montage.
    """
    info = mne.create_info(list(ch_names), sfreq, ch_types="eeg")
    info.set_montage(standard_montage())
    return info


def scalp_positions(info: mne.Info) -> tuple[np.ndarray, np.ndarray]:
    """Return the 2D scalp-map positions of the channels and the head sphere.

    The head centre is the mean position of :data:`HORIZON_CHANNELS` (in the
    head frame of the standard montage), "up" the normal of the plane fitted
    through them, the head radius their mean distance from the centre. A channel
    at angle ``theta`` from "up" lands at ``radius * theta / 90°`` from the
    centre (azimuthal equidistant projection onto the head sphere), so the
    horizon channels lie on the head circle; x points towards the right ear,
    y towards the nose.

    Parameters
    ----------
    info : mne.Info
        Channels with positions, as returned by :func:`eeg_info`.

    Returns
    -------
    pos : numpy.ndarray, shape (n_channels, 2)
        Scalp-map x (left to right) and y (back to front) in metres.
    sphere : numpy.ndarray, shape (4,)
        ``(0, 0, 0, radius)`` in metres: the ``sphere`` argument of
        :func:`mne.viz.plot_topomap` for ``pos``.
    """
    horizon = np.array([ch["loc"][:3] for ch in eeg_info(HORIZON_CHANNELS)["chs"]])
    centre = horizon.mean(axis=0)
    radius = np.linalg.norm(horizon - centre, axis=1).mean()
    up = np.linalg.svd(horizon - centre)[2][-1]
    up *= np.sign(up[2])
    right = np.array([1.0, 0.0, 0.0]) - up[0] * up
    right /= np.linalg.norm(right)
    front = np.cross(up, right)
    offset = np.array([ch["loc"][:3] for ch in info["chs"]]) - centre
    polar = np.arccos(np.clip(offset @ up / np.linalg.norm(offset, axis=1), -1.0, 1.0))
    azimuth = np.arctan2(offset @ front, offset @ right)
    rim_distance = radius * polar / (np.pi / 2)
    pos = rim_distance[:, None] * np.column_stack([np.cos(azimuth), np.sin(azimuth)])
    return pos, np.array([0.0, 0.0, 0.0, radius])


def plot_map_grid(
    values: np.ndarray,
    row_names: Sequence[str],
    column_names: Sequence[str],
    ch_names: Sequence[str] | mne.Info,
    *,
    title: str = "",
    cbar_label: str = "",
    symmetric: Literal["row", "all"] = "row",
    separate_last_column: bool = False,
    last_column_cbar_label: str | None = None,
    cmap: str = "RdBu_r",
    row_label: str = "",
    contours: int = 2,
    mask: np.ndarray | None = None,
    notes: np.ndarray | None = None,
    footer: str = "",
    extrapolate: Literal["auto", "head", "local"] = "auto",
) -> Figure:
    """Plot a grid of scalp maps with symmetric colour scales.

    Parameters
    ----------
    values : numpy.ndarray, shape (n_rows, n_columns, n_channels)
        One value per channel and map; NaN marks a channel without a value
        (drawn as a grey cross, left out of the interpolation). A map with
        fewer than :data:`MIN_CHANNELS` finite values reads "no data".
    row_names : sequence of str, length n_rows
        Label left of each row (e.g. frequency bands or models).
    column_names : sequence of str, length n_columns
        Title above each column (e.g. layers or classes).
    ch_names : sequence of str, length n_channels | mne.Info
        Standard 10-05 channel names, or the channels with their positions.
    title : str
        Figure title; may hold several lines (e.g. a data citation).
    cbar_label : str
        Label of the colourbars.
    symmetric : {"row", "all"}
        ``"row"``: each row has its own scale ``(-v, v)`` with ``v`` the
        largest ``|value|`` of the row, and its own colourbar; ``"all"``: one scale
        and one colourbar for the whole grid.
    separate_last_column : bool
        Give the last column a scale (per row or shared, as ``symmetric``) and
        colourbars of its own, e.g. for class correlations next to layers.
    last_column_cbar_label : str or None
        Label of the last column's colourbars; None uses ``cbar_label``.
    cmap : str
        Diverging matplotlib colormap.
    row_label : str
        Label of the whole row axis (e.g. "frequency band").
    contours : int
        Contour lines per sign, at ``±v * k / (contours + 1)`` for
        ``k = 1, ..., contours`` of the map's colour limit ``v`` (negative
        ones dashed); 0 for none.
    mask : numpy.ndarray of bool, shape (n_rows, n_columns, n_channels), optional
        Channels to mark (e.g. significant ones): drawn as white circles with a
        black edge (the ``mask`` of :func:`mne.viz.plot_topomap`); the other
        sensors are small black points.
    notes : numpy.ndarray of str, shape (n_rows, n_columns), optional
        A short line under each map, e.g. its split-half reliability.
    footer : str
        Text under the grid, e.g. the statistics caption (wrapped to the width);
        a sentence on the colour scales follows it.
    extrapolate : {"auto", "head", "local"}
        How far each map is painted (MNE's ``extrapolate``): ``"head"`` to
        the head circle, ``"local"`` only a little beyond the convex hull of
        its sensors; ``"auto"``: ``"head"`` where that hull covers at least
        :data:`HEAD_COVERAGE` of the head disc, else ``"local"``.

    Returns
    -------
    fig : matplotlib.figure.Figure
        ``n_rows × n_columns`` map axes plus the colourbar axes.

    Raises
    ------
    ValueError
        If the shape of ``values`` does not match the names, ``symmetric`` or
        ``extrapolate`` is unknown, or ``separate_last_column`` is set with
        fewer than two columns.
    """
    values, info, mask = _check_grid(
        values, (row_names, column_names), ch_names, symmetric, separate_last_column, mask, notes
    )
    if extrapolate not in EXTRAPOLATIONS:
        raise ValueError(f"extrapolate must be one of {EXTRAPOLATIONS}, not {extrapolate!r}")
    pos, sphere = scalp_positions(info)
    last_label = cbar_label if last_column_cbar_label is None else last_column_cbar_label
    blocks = scale_blocks(values.shape[0], symmetric, separate_last_column, cbar_label, last_label)
    footer = "\n".join(filter(None, [footer, scale_statement(symmetric, separate_last_column)]))
    n_scale_columns = 2 if separate_last_column else 1
    fig, axes, title, footer = _grid_figure(*values.shape[:2], n_scale_columns, title, footer)
    colormap = plt.get_cmap(cmap)

    def draw_panel(ax: Axes, row: int, column: int, limit: float) -> None:
        cell = (values[row, column], mask[row, column])
        _draw_map(ax, *cell, pos, sphere, limit, colormap, contours, extrapolate)

    draw_scales(fig, axes, values, blocks, colormap, draw_panel, CELL_INCH)
    _label_grid(fig, axes, row_names, column_names, notes, row_label, title, footer)
    return fig


def _check_grid(
    values: np.ndarray,
    names: tuple[Sequence[str], Sequence[str]],
    ch_names: Sequence[str] | mne.Info,
    symmetric: str,
    separate_last_column: bool,
    mask: np.ndarray | None,
    notes: np.ndarray | None,
) -> tuple[np.ndarray, mne.Info, np.ndarray]:
    """Validate the arguments of :func:`plot_map_grid`; return values, channels and mask.

    ``names`` are the row and column names. ``values`` comes back as a float
    array, ``ch_names`` as an ``mne.Info`` (:func:`eeg_info` for names) and
    ``mask`` as a boolean array of the shape of ``values`` (all False for None).
    """
    values = np.asarray(values, dtype=float)
    info = ch_names if isinstance(ch_names, mne.Info) else eeg_info(ch_names)
    shape = (*map(len, names), len(info.ch_names))
    if values.shape != shape:
        raise ValueError(f"values has shape {values.shape}; the names give {shape}")
    check_symmetric(symmetric)
    if separate_last_column and shape[1] < 2:
        raise ValueError("separate_last_column needs at least two columns")
    mask = np.zeros(shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if mask.shape != shape:
        raise ValueError(f"mask has shape {mask.shape}; the names give {shape}")
    if notes is not None and np.shape(notes) != shape[:2]:
        raise ValueError(f"notes has shape {np.shape(notes)}; expected {shape[:2]}")
    return values, info, mask


def _grid_figure(
    n_rows: int, n_columns: int, n_scales: int, title: str, footer: str
) -> tuple[Figure, np.ndarray, str, str]:
    """Create the figure of an ``n_rows × n_columns`` map grid with ``n_scales`` colourbar columns.

    The figure is sized for the maps, the colourbars, the title and the
    footer; the title and the footer come back wrapped to its width.
    """
    width = CELL_INCH * n_columns + CBAR_INCH * n_scales + 0.6
    title = wrap(title, width, TITLE_CHAR_INCH)
    footer = wrap(footer, width, FOOTER_CHAR_INCH)
    fig, axes = plt.subplots(
        n_rows,
        n_columns,
        figsize=(
            width,
            CELL_INCH * n_rows + 0.4 + title_height(title) + FOOTER_LINE_INCH * n_lines(footer),
        ),
        layout="constrained",
        squeeze=False,
    )
    return fig, axes, title, footer


def _label_grid(
    fig: Figure,
    axes: np.ndarray,
    row_names: Sequence[str],
    column_names: Sequence[str],
    notes: np.ndarray | None,
    row_label: str,
    title: str,
    footer: str,
) -> None:
    """Write the column titles, row names, notes, row label, title and footer of a map grid."""
    for ax, name in zip(axes[0], column_names, strict=True):
        ax.set_title(name, fontsize="medium")
    for ax, name in zip(axes[:, 0], row_names, strict=True):
        ax.set_ylabel(name, fontsize="medium")
    if notes is not None:
        for ax, note in zip(axes.ravel(), np.asarray(notes).ravel(), strict=True):
            ax.set_xlabel(str(note), fontsize="x-small")
    if row_label:
        fig.supylabel(row_label)
    if title:
        fig.suptitle(title)
    if footer:
        fig.supxlabel(footer, fontsize="small", ha="left", x=0.01)


def _draw_map(
    ax: Axes,
    data: np.ndarray,
    marked: np.ndarray,
    pos: np.ndarray,
    sphere: np.ndarray,
    limit: float,
    cmap: Colormap,
    contours: int,
    extrapolate: str,
) -> None:
    """Draw one scalp map with colour limits ``(-limit, limit)`` into ``ax``.

    ``data`` and ``marked`` have shape (n_channels,), ``pos`` shape (n_channels, 2),
    ``sphere`` shape (4,), as from :func:`scalp_positions`; ``contours`` and
    ``extrapolate`` as in :func:`plot_map_grid`; ``marked`` channels get a dot.
    """
    valid = np.isfinite(data)
    if valid.sum() < MIN_CHANNELS:
        ax.set(xticks=[], yticks=[], frame_on=False)
        ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center")
        return
    if extrapolate == "auto":
        covers = _head_coverage(pos[valid], sphere[3]) >= HEAD_COVERAGE
        extrapolate = "head" if covers else "local"
    levels = limit * np.arange(1, contours + 1) / (contours + 1)
    mne.viz.plot_topomap(
        data[valid],
        pos[valid],
        ch_type="eeg",
        sphere=sphere,
        axes=ax,
        show=False,
        vlim=(-limit, limit),
        cmap=cmap,
        contours=np.concatenate([-levels[::-1], levels]) if contours else 0,
        sensors=True,
        mask=marked[valid],
        mask_params=MASK_STYLE,
        extrapolate=extrapolate,
    )
    if not valid.all():
        ax.plot(*pos[~valid].T, "x", color=MISSING_COLOUR, markersize=3, markeredgewidth=0.8)


def _head_coverage(pos: np.ndarray, radius: float) -> float:
    """Return the fraction of the head disc inside the convex hull of ``pos``.

    ``pos`` has shape (n_channels, 2), ``radius`` is the head radius, both as
    from :func:`scalp_positions`; the disc is sampled on a 101 × 101 grid.
    Collinear channels enclose no area (0.0).
    """
    grid = np.linspace(-radius, radius, 101)
    x, y = np.meshgrid(grid, grid)
    inside = np.hypot(x, y) <= radius
    try:
        hull = ConvexHull(pos)
    except QhullError:
        return 0.0
    return float(
        Path(pos[hull.vertices]).contains_points(np.column_stack([x[inside], y[inside]])).mean()
    )


def plot_channel_frequency(
    values: np.ndarray,
    row_names: Sequence[str],
    column_names: Sequence[str],
    ch_names: Sequence[str],
    freqs: np.ndarray,
    *,
    title: str = "",
    cbar_label: str = "",
    symmetric: Literal["row", "all"] = "row",
    cmap: str = "RdBu_r",
) -> Figure:
    """Plot a grid of channel × frequency heat maps with symmetric colour scales.

    Parameters
    ----------
    values : numpy.ndarray, shape (n_rows, n_columns, n_channels, n_freqs)
        One value per channel and frequency for each row (e.g. network) and
        column (e.g. class); NaN is drawn grey.
    row_names, column_names : sequence of str, length n_rows, n_columns
        Each heat map is titled ``"{row name}: {column name}"``.
    ch_names : sequence of str, length n_channels
        Channel names, top to bottom.
    freqs : numpy.ndarray, shape (n_freqs,)
        Evenly spaced, increasing bin centres in Hz.
    title : str
        Figure title; may hold several lines.
    cbar_label : str
        Label of the colourbars.
    symmetric : {"row", "all"}
        As for :func:`plot_map_grid`: each row on its own scale ``(-v, v)``,
        ``v`` the row's largest ``|value|``, with its own colourbar, or one scale
        for the whole grid.
    cmap : str
        Diverging matplotlib colormap.

    Returns
    -------
    fig : matplotlib.figure.Figure
        ``n_rows × n_columns`` heat-map axes (sharing both axes) and the
        colourbars; under them a sentence on the colour scales.

    Raises
    ------
    ValueError
        If the shape of ``values`` does not match, ``symmetric`` is unknown,
        or ``freqs`` has fewer than two values or is not evenly spaced and
        increasing.
    """
    values = np.asarray(values, dtype=float)
    freqs = np.asarray(freqs, dtype=float)
    shape = (len(row_names), len(column_names), len(ch_names), len(freqs))
    if values.shape != shape:
        raise ValueError(f"values has shape {values.shape}; the names and freqs give {shape}")
    check_symmetric(symmetric)
    steps = np.diff(freqs)
    if freqs.size < 2 or steps[0] <= 0 or not np.allclose(steps, steps[0]):
        raise ValueError("freqs must hold at least two evenly spaced, increasing values")
    n_rows, n_columns, n_channels, _ = shape
    width = 2.2 * n_columns + CBAR_INCH + 0.8
    panel_inch = CHANNEL_INCH * n_channels + 0.6
    title = wrap(title, width, TITLE_CHAR_INCH)
    footer = wrap(scale_statement(symmetric), width, FOOTER_CHAR_INCH)
    height = panel_inch * n_rows + 0.4 + title_height(title) + FOOTER_LINE_INCH * n_lines(footer)
    fig, axes = plt.subplots(
        n_rows,
        n_columns,
        sharex=True,
        sharey=True,
        figsize=(width, height),
        layout="constrained",
        squeeze=False,
    )
    colormap = plt.get_cmap(cmap).with_extremes(bad=MISSING_COLOUR)
    half = steps[0] / 2
    extent = (freqs[0] - half, freqs[-1] + half, n_channels - 0.5, -0.5)

    def draw_panel(ax: Axes, row: int, column: int, limit: float) -> None:
        norm = Normalize(-limit, limit)
        data = values[row, column]
        ax.imshow(data, colormap, norm, aspect="auto", interpolation="nearest", extent=extent)
        ax.set_title(f"{row_names[row]}: {column_names[column]}", fontsize="medium")

    blocks = scale_blocks(n_rows, symmetric, False, cbar_label, cbar_label)
    draw_scales(fig, axes, values, blocks, colormap, draw_panel, panel_inch)
    for ax in axes[-1]:
        ax.set_xlabel("frequency (Hz)")
    for ax in axes[:, 0]:
        ax.set_yticks(np.arange(n_channels), list(ch_names), fontsize=5)
        ax.set_ylabel("channel")
    if title:
        fig.suptitle(title)
    fig.supxlabel(footer, fontsize="small", ha="left", x=0.01)
    return fig
