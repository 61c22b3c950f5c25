"""Colour scales of figure grids: blocks, limits, colourbars and the sentence that names them."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from eegvis.viz._scales import (
    check_symmetric,
    draw_scales,
    scale_blocks,
    scale_statement,
    symmetric_limit,
)


@pytest.mark.parametrize(
    ("values", "limit"),
    [([-3.0, np.nan, 2.0], 3.0), ([np.nan, np.nan], 1.0), ([0.0, 0.0], 1.0)],
)
def test_symmetric_limit(values, limit):
    assert symmetric_limit(np.array(values)) == limit


def test_blocks_are_rows_or_the_whole_grid_per_column_group():
    rows = scale_blocks(2, "row", True, "r", "|r|")
    assert rows == [
        (slice(0, 1), slice(0, -1), "r"),
        (slice(1, 2), slice(0, -1), "r"),
        (slice(0, 1), slice(-1, None), "|r|"),
        (slice(1, 2), slice(-1, None), "|r|"),
    ]
    assert scale_blocks(3, "all", False, "r", "r") == [(slice(None), slice(None), "r")]
    with pytest.raises(ValueError, match="symmetric must be 'row' or 'all', not 'rows'"):
        check_symmetric("rows")


@pytest.mark.parametrize(
    ("symmetric", "separate", "says"),
    [
        ("row", False, "each row scaled to its own maximum |value| (own colourbar)."),
        ("row", True, "the last column scaled apart from the others."),
        ("all", False, "all maps on one scale, at their maximum |value|."),
    ],
)
def test_statement_names_the_scaling(symmetric, separate, says):
    statement = scale_statement(symmetric, separate)
    assert statement.startswith("Colour scales symmetric about zero: ")
    assert statement.endswith(says)


def test_each_block_is_drawn_at_its_own_maximum_with_one_colourbar():
    values = np.array([[[1.0, -2.0], [0.5, 0.0]], [[0.1, 0.0], [-0.3, np.nan]]])  # (2, 2, 2)
    fig, axes = plt.subplots(2, 2, layout="constrained", squeeze=False)
    drawn = {}

    def draw_panel(ax, row, column, limit):
        assert ax is axes[row, column]
        drawn[row, column] = limit

    blocks = scale_blocks(2, "row", False, "r", "r")
    draw_scales(fig, axes, values, blocks, plt.get_cmap("RdBu_r"), draw_panel, 1.8)
    assert drawn == {(0, 0): 2.0, (0, 1): 2.0, (1, 0): 0.3, (1, 1): 0.3}
    colourbars = fig.axes[4:]
    assert [ax.get_ylim() for ax in colourbars] == [(-2.0, 2.0), pytest.approx((-0.3, 0.3))]
    assert [ax.get_ylabel() for ax in colourbars] == ["r", "r"]
    plt.close(fig)
