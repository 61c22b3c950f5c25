"""Room for the text of a figure: titles, colourbar labels and footers wrapped to inches.

Private to :mod:`eegvis.viz`.
"""

from __future__ import annotations

import textwrap

#: Approximate width in inches of one character of the figure title.
TITLE_CHAR_INCH = 0.1
#: Approximate width in inches of one character of a colourbar label.
LABEL_CHAR_INCH = 0.06
#: Approximate width in inches of one character of a figure footer.
FOOTER_CHAR_INCH = 0.075
#: Height in inches of one footer line.
FOOTER_LINE_INCH = 0.2


def title_height(title: str) -> float:
    """Return the height in inches taken by the lines of the figure title."""
    return 0.25 * n_lines(title)


def n_lines(text: str) -> int:
    """Return the number of lines of ``text`` (0 for an empty string)."""
    return len(text.splitlines())


def wrap(text: str, length_inch: float, char_inch: float) -> str:
    """Wrap each line of ``text`` to ``length_inch`` at ``char_inch`` per character."""
    width = max(12, int(length_inch / char_inch))
    return "\n".join(textwrap.fill(line, width) for line in text.splitlines())
