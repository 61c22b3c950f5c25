"""Colour scales of figure grids: which panels share one, its limits, its colourbar, its caption.

The panels of a grid fall into blocks (:func:`scale_blocks`): each row on its
own (``symmetric="row"``, so a network whose values are ten times smaller
than another's is not drawn blank) or the whole grid together
(``symmetric="all"``). :func:`draw_scales` draws each block on the symmetric
scale ``(-v, v)``, ``v`` its largest |value| (:func:`symmetric_limit`), with
one colourbar; :func:`scale_statement` says so in words, for the figure.

Private to :mod:`eegvis.viz`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Colormap, Normalize
from matplotlib.figure import Figure

from eegvis.viz._layout import LABEL_CHAR_INCH, wrap

#: The ways the panels of a grid share colour scales.
SCALINGS = ("row", "all")
#: Fraction of its panels' height a colourbar spans.
CBAR_SHRINK = 0.8
#: Width of a colourbar in inches.
CBAR_WIDTH_INCH = 0.096


def symmetric_limit(values: np.ndarray) -> float:
    """Return max ``|value|`` ignoring NaN, or 1.0 where that is NaN or zero.

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


def check_symmetric(symmetric: str) -> None:
    """Raise a ValueError unless ``symmetric`` is one of :data:`SCALINGS`."""
    if symmetric not in SCALINGS:
        raise ValueError(f"symmetric must be 'row' or 'all', not {symmetric!r}")


def scale_blocks(
    n_rows: int, symmetric: str, separate_last_column: bool, label: str, last_label: str
) -> list[tuple[slice, slice, str]]:
    """Return the blocks of a grid that share a colour scale, in drawing order.

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


def scale_statement(symmetric: str, separate_last_column: bool = False) -> str:
    """Say in one sentence how the panels of a grid are scaled, for the figure's footer.

    Parameters
    ----------
    symmetric : {"row", "all"}
        As for :func:`scale_blocks`.
    separate_last_column : bool
        Whether the last column has scales of its own.

    Returns
    -------
    statement : str
        E.g. "Colour scales symmetric about zero: each row scaled to its own
        maximum |value| (own colourbar)."
    """
    text = {
        "row": "each row scaled to its own maximum |value| (own colourbar)",
        "all": "all maps on one scale, at their maximum |value|",
    }[symmetric]
    if separate_last_column:
        text += "; the last column scaled apart from the others"
    return f"Colour scales symmetric about zero: {text}."


def draw_scales(
    fig: Figure,
    axes: np.ndarray,
    values: np.ndarray,
    blocks: list[tuple[slice, slice, str]],
    cmap: Colormap,
    draw_panel: Callable[[Axes, int, int, float], None],
    panel_inch: float,
) -> None:
    """Draw each block of a grid on its own symmetric scale, with a colourbar beside it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure of the grid.
    axes : numpy.ndarray of Axes, shape (n_rows, n_columns)
        The panels.
    values : numpy.ndarray, shape (n_rows, n_columns, ...)
        The values of each panel; a block's limit ``v`` is its largest |value|.
    blocks : list of (slice, slice, str)
        Rows, columns and colourbar label of each block, from :func:`scale_blocks`.
    cmap : matplotlib.colors.Colormap
        Colormap of the panels and the colourbars.
    draw_panel : callable
        ``draw_panel(ax, row, column, v)`` draws panel ``(row, column)`` with
        the colour limits ``(-v, v)``.
    panel_inch : float
        Height of one panel in inches (sizes the colourbar and wraps its label).
    """
    n_rows, n_columns = axes.shape
    for rows, columns, label in blocks:
        limit = symmetric_limit(values[rows, columns])
        for row in range(n_rows)[rows]:
            for column in range(n_columns)[columns]:
                draw_panel(axes[row, column], row, column, limit)
        length = CBAR_SHRINK * panel_inch * len(range(n_rows)[rows])
        fig.colorbar(
            ScalarMappable(Normalize(-limit, limit), cmap),
            ax=axes[rows, columns].ravel().tolist(),
            shrink=CBAR_SHRINK,
            aspect=length / CBAR_WIDTH_INCH,
        ).set_label(wrap(label, length, LABEL_CHAR_INCH), fontsize="small")
