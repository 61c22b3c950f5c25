"""reStructuredText pieces for pages built from tables: tables, embedded images, notes.

Snakemake renders a report's pages from reStructuredText (docutils). These
helpers turn a :class:`pandas.DataFrame` into a ``list-table``, a PNG into an
image embedded as a ``data:`` URI (the report stays one self-contained file)
and messages into an admonition, escaping text so that names such as
``left_hand`` or ``trained-untrained`` are shown as written.
"""

from __future__ import annotations

import base64
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

#: Characters that start or end inline markup in reStructuredText.
_MARKUP = re.compile(r"([\\*`|_])")


def escape(text: object) -> str:
    """Return ``text`` as reStructuredText that shows it literally, on one line.

    Parameters
    ----------
    text : object
        Anything; converted with ``str()``. Line breaks become spaces.

    Returns
    -------
    escaped : str
        ``text`` with every inline-markup character backslash-escaped.
    """
    return _MARKUP.sub(r"\\\1", " ".join(str(text).split()))


def cell(value: object, digits: int = 2) -> str:
    """Format one table cell: floats with ``digits`` decimals, NaN and None as an en dash.

    Parameters
    ----------
    value : object
        The cell's value.
    digits : int
        Decimals of a float.

    Returns
    -------
    text : str
        Escaped reStructuredText.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return escape(value)


def list_table(frame: pd.DataFrame, *, title: str = "", digits: int = 2) -> str:
    """Render a table as a ``list-table`` directive with a header row.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table; its column names are the header and its index is ignored.
    title : str
        The table's caption (none when empty).
    digits : int
        Decimals of the float cells.

    Returns
    -------
    rst : str
        The directive, ending with a blank line.

    Raises
    ------
    ValueError
        If ``frame`` has no column.
    """
    if frame.columns.empty:
        raise ValueError("frame has no column: a table needs a header")
    lines = [f".. list-table:: {escape(title)}".rstrip(), "   :header-rows: 1", ""]
    rows = [list(frame.columns), *frame.itertuples(index=False, name=None)]
    for index, row in enumerate(rows):
        for position, value in enumerate(row):
            text = escape(value) if index == 0 else cell(value, digits)
            lines.append(f"   {'* -' if position == 0 else '  -'} {text}")
    return "\n".join(lines) + "\n\n"


def embedded_image(path: str | os.PathLike, *, alt: str, width: str = "100%") -> str:
    """Render a PNG as an ``image`` directive whose target is the file's bytes.

    Parameters
    ----------
    path : path-like
        A PNG file.
    alt : str
        The image's alternative text.
    width : str
        Its width, as docutils takes it (``"100%"``, ``"600px"``).

    Returns
    -------
    rst : str
        The directive with a ``data:image/png;base64`` URI (wrapped over lines,
        which docutils joins), ending with a blank line.

    Raises
    ------
    ValueError
        If ``path`` is not a PNG file.
    """
    data = Path(path).read_bytes()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError(f"{os.fspath(path)} is not a PNG file")
    # docutils limits a line's length and joins the lines of an image's URI.
    encoded = base64.b64encode(data).decode("ascii")
    lines = "\n".join(f"   {encoded[i : i + 76]}" for i in range(0, len(encoded), 76))
    return (
        f".. image:: data:image/png;base64,\n{lines}\n"
        f"   :alt: {' '.join(alt.split())}\n   :width: {width}\n\n"
    )


def admonition(kind: str, messages: Sequence[str]) -> str:
    """Render messages as a ``note``, ``warning``, ... admonition, one bullet each.

    Parameters
    ----------
    kind : str
        The docutils admonition, e.g. ``"warning"`` or ``"note"``.
    messages : sequence of str
        Its bullets, escaped.

    Returns
    -------
    rst : str
        The directive, ending with a blank line.

    Raises
    ------
    ValueError
        If ``messages`` is empty.
    """
    if not messages:
        raise ValueError("an admonition needs at least one message")
    bullets = "\n".join(f"   - {escape(message)}" for message in messages)
    return f".. {kind}::\n\n{bullets}\n\n"
