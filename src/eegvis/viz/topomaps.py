"""Scalp maps and channel × frequency maps (Fig. 14, Fig. 15, perturbation maps).

Scalp maps use MNE's :func:`mne.viz.plot_topomap` on 2D sensor positions from
:func:`scalp_positions`, in the EEGLAB convention: Fpz, T8, Oz and T7 lie on the
drawn head circle, Cz in its centre. The geometry depends only on the standard
montage, so every map of a figure shares it whichever channels are missing
(NaN) in a map.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Literal

import matplotlib.pyplot as plt
import mne
import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Colormap, Normalize
from matplotlib.figure import Figure

from eegvis.data.montage import standard_montage

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
#: Approximate width in inches of one character of the figure title.
TITLE_CHAR_INCH = 0.1
#: Approximate width in inches of one character of a colourbar label.
LABEL_CHAR_INCH = 0.06
#: Approximate width in inches of one character of a figure footer.
FOOTER_CHAR_INCH = 0.075
#: Height in inches of one footer line.
FOOTER_LINE_INCH = 0.2
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


def symmetric_limit(values: np.ndarray) -> float:
    """Return max |value| ignoring NaN, or 1.0 where that is NaN or zero.

    Parameters
    ----------
    values : numpy.ndarray, any shape
        Values sharing one colour scale.

    Returns
    -------
    limit : float
        ``v`` for the colour limits ``(-v, v)``.
    """
    finite = np.abs(values[np.isfinite(values)])
    limit = float(finite.max()) if finite.size else 0.0
    return limit if limit > 0 else 1.0


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
        largest |value| of the row, and its own colourbar; ``"all"``: one scale
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
        Text under the grid, e.g. the statistics caption (wrapped to the width).

    Returns
    -------
    fig : matplotlib.figure.Figure
        ``n_rows × n_columns`` map axes plus the colourbar axes.

    Raises
    ------
    ValueError
        If the shape of ``values`` does not match the names, ``symmetric`` is
        unknown, or ``separate_last_column`` is set with fewer than two columns.
    """
    values, info, mask = _check_grid(
        values, row_names, column_names, ch_names, symmetric, separate_last_column, mask, notes
    )
    pos, sphere = scalp_positions(info)
    last_label = cbar_label if last_column_cbar_label is None else last_column_cbar_label
    blocks = _scale_blocks(values.shape[0], symmetric, separate_last_column, cbar_label, last_label)
    n_scale_columns = 2 if separate_last_column else 1
    fig, axes, title, footer = _grid_figure(*values.shape[:2], n_scale_columns, title, footer)
    colormap = plt.get_cmap(cmap)
    for rows, columns, label in blocks:
        block = (axes[rows, columns], values[rows, columns], mask[rows, columns])
        _draw_scale(fig, *block, label, pos, sphere, colormap, contours)
    _label_grid(fig, axes, row_names, column_names, notes, row_label, title, footer)
    return fig


def _check_grid(
    values: np.ndarray,
    row_names: Sequence[str],
    column_names: Sequence[str],
    ch_names: Sequence[str] | mne.Info,
    symmetric: str,
    separate_last_column: bool,
    mask: np.ndarray | None,
    notes: np.ndarray | None,
) -> tuple[np.ndarray, mne.Info, np.ndarray]:
    """Validate the arguments of :func:`plot_map_grid`; return values, channels and mask.

    ``values`` comes back as a float array, ``ch_names`` as an ``mne.Info``
    (:func:`eeg_info` for names) and ``mask`` as a boolean array of the shape
    of ``values`` (all False for None).
    """
    values = np.asarray(values, dtype=float)
    info = ch_names if isinstance(ch_names, mne.Info) else eeg_info(ch_names)
    shape = (len(row_names), len(column_names), len(info.ch_names))
    if values.shape != shape:
        raise ValueError(f"values has shape {values.shape}; the names give {shape}")
    if symmetric not in ("row", "all"):
        raise ValueError(f"symmetric must be 'row' or 'all', not {symmetric!r}")
    if separate_last_column and shape[1] < 2:
        raise ValueError("separate_last_column needs at least two columns")
    mask = np.zeros(shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if mask.shape != shape:
        raise ValueError(f"mask has shape {mask.shape}; the names give {shape}")
    if notes is not None and np.shape(notes) != shape[:2]:
        raise ValueError(f"notes has shape {np.shape(notes)}; expected {shape[:2]}")
    return values, info, mask


def _scale_blocks(
    n_rows: int, symmetric: str, separate_last_column: bool, label: str, last_label: str
) -> list[tuple[slice, slice, str]]:
    """Return the blocks of a map grid that share a colour scale, in drawing order.

    Each block is ``(rows, columns, colourbar label)``: per column group (all
    columns, or all but the last and the last), the whole group
    (``symmetric="all"``) or each row of it.
    """
    column_groups = [(slice(None), label)]
    if separate_last_column:
        column_groups = [(slice(0, -1), label), (slice(-1, None), last_label)]
    if symmetric == "all":
        row_groups = [slice(None)]
    else:
        row_groups = [slice(row, row + 1) for row in range(n_rows)]
    return [(rows, columns, label) for columns, label in column_groups for rows in row_groups]


def _grid_figure(
    n_rows: int, n_columns: int, n_scales: int, title: str, footer: str
) -> tuple[Figure, np.ndarray, str, str]:
    """Create the figure of an ``n_rows × n_columns`` map grid with ``n_scales`` colourbar columns.

    The figure is sized for the maps, the colourbars, the title and the
    footer; the title and the footer come back wrapped to its width.
    """
    width = CELL_INCH * n_columns + CBAR_INCH * n_scales + 0.6
    title = _wrap(title, width, TITLE_CHAR_INCH)
    footer = _wrap(footer, width, FOOTER_CHAR_INCH)
    fig, axes = plt.subplots(
        n_rows,
        n_columns,
        figsize=(
            width,
            CELL_INCH * n_rows + 0.4 + _title_height(title) + FOOTER_LINE_INCH * _n_lines(footer),
        ),
        layout="constrained",
        squeeze=False,
    )
    return fig, axes, title, footer


def _draw_scale(
    fig: Figure,
    axes: np.ndarray,
    values: np.ndarray,
    mask: np.ndarray,
    label: str,
    pos: np.ndarray,
    sphere: np.ndarray,
    cmap: Colormap,
    contours: int,
) -> None:
    """Draw the maps that share one colour scale, and their colourbar labelled ``label``.

    ``axes`` (rows, columns), ``values`` and ``mask`` (rows, columns,
    n_channels) are the block of the grid that shares the scale ``(-v, v)``,
    ``v`` its largest |value|; the rest as for :func:`_draw_map`.
    """
    n_channels = values.shape[-1]
    limit = symmetric_limit(values)
    for ax, cell, marked in zip(
        axes.ravel(),
        values.reshape(-1, n_channels),
        mask.reshape(-1, n_channels),
        strict=True,
    ):
        _draw_map(ax, cell, pos, sphere, limit, cmap, contours, marked)
    n_spanned = axes.shape[0]
    fig.colorbar(
        ScalarMappable(Normalize(-limit, limit), cmap),
        ax=axes.ravel().tolist(),
        shrink=0.8,
        aspect=15 * n_spanned,
    ).set_label(_wrap(label, 0.8 * CELL_INCH * n_spanned, LABEL_CHAR_INCH), fontsize="small")


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
    pos: np.ndarray,
    sphere: np.ndarray,
    limit: float,
    cmap: Colormap,
    contours: int,
    marked: np.ndarray,
) -> None:
    """Draw one scalp map with colour limits ``(-limit, limit)`` into ``ax``.

    ``data`` and ``marked`` have shape (n_channels,), ``pos`` shape (n_channels, 2),
    ``sphere`` shape (4,), as from :func:`scalp_positions`; ``contours`` as in
    :func:`plot_map_grid`; ``marked`` channels get a dot.
    """
    valid = np.isfinite(data)
    if valid.sum() < MIN_CHANNELS:
        ax.set(xticks=[], yticks=[], frame_on=False)
        ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center")
        return
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
    )
    if not valid.all():
        ax.plot(*pos[~valid].T, "x", color=MISSING_COLOUR, markersize=3, markeredgewidth=0.8)


def plot_channel_frequency(
    values: np.ndarray,
    ch_names: Sequence[str],
    freqs: np.ndarray,
    column_names: Sequence[str],
    *,
    title: str = "",
    cbar_label: str = "",
    cmap: str = "RdBu_r",
) -> Figure:
    """Plot channel × frequency heat maps side by side on one symmetric scale.

    Parameters
    ----------
    values : numpy.ndarray, shape (n_columns, n_channels, n_freqs)
        One value per channel and frequency for each column (e.g. class);
        NaN is drawn grey.
    ch_names : sequence of str, length n_channels
        Channel names, top to bottom.
    freqs : numpy.ndarray, shape (n_freqs,)
        Evenly spaced, increasing bin centres in Hz.
    column_names : sequence of str, length n_columns
        Title above each heat map.
    title : str
        Figure title; may hold several lines.
    cbar_label : str
        Label of the colourbar.
    cmap : str
        Diverging matplotlib colormap.

    Returns
    -------
    fig : matplotlib.figure.Figure
        ``n_columns`` heat-map axes (channels share the y axis) and one
        colourbar with limits ``(-v, v)``, ``v`` the largest |value|.

    Raises
    ------
    ValueError
        If the shape of ``values`` does not match, or ``freqs`` has fewer than
        two values or is not evenly spaced and increasing.
    """
    values = np.asarray(values, dtype=float)
    freqs = np.asarray(freqs, dtype=float)
    shape = (len(column_names), len(ch_names), len(freqs))
    if values.shape != shape:
        raise ValueError(f"values has shape {values.shape}; the names and freqs give {shape}")
    steps = np.diff(freqs)
    if freqs.size < 2 or steps[0] <= 0 or not np.allclose(steps, steps[0]):
        raise ValueError("freqs must hold at least two evenly spaced, increasing values")
    n_columns, n_channels, _ = shape
    width = 2.2 * n_columns + CBAR_INCH + 0.8
    title = _wrap(title, width, TITLE_CHAR_INCH)
    fig, axes = plt.subplots(
        1,
        n_columns,
        sharey=True,
        figsize=(width, 0.11 * n_channels + 1.0 + _title_height(title)),
        layout="constrained",
        squeeze=False,
    )
    limit = symmetric_limit(values)
    colormap = plt.get_cmap(cmap).with_extremes(bad=MISSING_COLOUR)
    half = steps[0] / 2
    for ax, data, name in zip(axes[0], values, column_names, strict=True):
        image = ax.imshow(
            data,
            cmap=colormap,
            norm=Normalize(-limit, limit),
            aspect="auto",
            interpolation="nearest",
            extent=(freqs[0] - half, freqs[-1] + half, n_channels - 0.5, -0.5),
        )
        ax.set_title(name, fontsize="medium")
        ax.set_xlabel("frequency (Hz)")
    first = axes[0, 0]
    first.set_yticks(np.arange(n_channels), list(ch_names), fontsize=5)
    first.set_ylabel("channel")
    fig.colorbar(image, ax=axes[0].tolist(), shrink=0.6).set_label(
        _wrap(cbar_label, 0.6 * 0.11 * n_channels, LABEL_CHAR_INCH), fontsize="small"
    )
    if title:
        fig.suptitle(title)
    return fig


def _title_height(title: str) -> float:
    """Return the height in inches taken by the lines of the figure title."""
    return 0.25 * _n_lines(title)


def _n_lines(text: str) -> int:
    """Return the number of lines of ``text`` (0 for an empty string)."""
    return len(text.splitlines())


def _wrap(text: str, length_inch: float, char_inch: float) -> str:
    """Wrap each line of ``text`` to ``length_inch`` at ``char_inch`` per character."""
    width = max(12, int(length_inch / char_inch))
    return "\n".join(textwrap.fill(line, width) for line in text.splitlines())
