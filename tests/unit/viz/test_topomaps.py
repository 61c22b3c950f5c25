"""Scalp-map grids and channel × frequency maps: layout, colour scales, geometry."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.lines import Line2D

from eegvis.data.eegbci import CHANNELS
from eegvis.viz.topomaps import (
    eeg_info,
    plot_channel_frequency,
    plot_map_grid,
    scalp_positions,
    symmetric_limit,
)

ROWS = ["alpha 7–13 Hz", "beta 13–31 Hz"]
COLUMNS = ["block 1", "classifier", "class correlation"]
C3, C4, IZ = (CHANNELS.index(name) for name in ("C3", "C4", "Iz"))


def planted_values() -> np.ndarray:
    """Shape (2, 3, 64): +1 at C3 and -1 at C4 in the first map, distinct row maxima."""
    values = np.random.default_rng(0).uniform(-0.1, 0.1, (len(ROWS), len(COLUMNS), 64))
    values[0, 0] = 0.0
    values[0, 0, C3], values[0, 0, C4] = 1.0, -1.0
    values[0, 2, 5] = 3.0  # the separate last column has a larger range
    values[1, 1, 7] = -0.4
    values[1, 0, IZ] = np.nan
    values[1, 2] = np.nan  # a map without data
    return values


@pytest.fixture(scope="module")
def grid():
    values = planted_values()
    fig = plot_map_grid(
        values,
        ROWS,
        COLUMNS,
        list(CHANNELS),
        title="Fig. 15 analogue\nData: PhysioNet EEGMMIDB",
        cbar_label="correlation difference (trained − untrained)",
        separate_last_column=True,
        last_column_cbar_label="class correlation",
        row_label="frequency band",
    )
    yield fig, values
    plt.close(fig)


def image_value_at(ax, xy: np.ndarray) -> float:
    """Value of the interpolated scalp-map image at the pixel nearest ``xy``."""
    image = ax.images[0]
    data = np.ma.filled(image.get_array(), np.nan)
    x0, x1, y0, y1 = image.get_extent()
    column = round((xy[0] - x0) / (x1 - x0) * (data.shape[1] - 1))
    row = round((xy[1] - y0) / (y1 - y0) * (data.shape[0] - 1))
    return float(data[row, column])


def test_grid_has_one_map_per_cell_and_two_colourbars_per_row(grid):
    fig, _ = grid
    maps, colourbars = fig.axes[:6], fig.axes[6:]
    assert len(colourbars) == 2 * len(ROWS)
    assert [ax.get_title() for ax in maps[:3]] == COLUMNS
    assert [maps[0].get_ylabel(), maps[3].get_ylabel()] == ROWS
    assert fig.get_suptitle() == "Fig. 15 analogue\nData: PhysioNet EEGMMIDB"
    assert fig.get_supylabel() == "frequency band"
    labels = sorted(" ".join(ax.get_ylabel().split()) for ax in colourbars)
    assert (
        labels == ["class correlation"] * 2 + ["correlation difference (trained − untrained)"] * 2
    )
    assert sum(len(ax.images) == 1 for ax in maps) == 5


def test_grid_colour_limits_are_symmetric_row_maxima(grid):
    fig, values = grid
    maps = np.array(fig.axes[:6]).reshape(2, 3)
    for row in range(2):
        limit = np.nanmax(np.abs(values[row, :2]))
        for ax in maps[row, :2]:
            assert ax.images[0].get_clim() == pytest.approx((-limit, limit))
    assert maps[0, 2].images[0].get_clim() == pytest.approx((-3.0, 3.0))
    colourbar_limits = sorted(ax.get_ylim()[1] for ax in fig.axes[6:])
    assert colourbar_limits == pytest.approx([0.4, 1.0, 1.0, 3.0])  # NaN column: 1.0


def test_planted_sources_keep_their_sign_and_side(grid):
    fig, _ = grid
    pos, _ = scalp_positions(eeg_info(CHANNELS))
    ax = fig.axes[0]
    assert image_value_at(ax, pos[C3]) > 0.5
    assert image_value_at(ax, pos[C4]) < -0.5
    assert pos[C3, 0] < 0 < pos[C4, 0]  # left hemisphere drawn on the left


def test_missing_channels_are_crossed_out_and_empty_maps_say_so(grid):
    fig, _ = grid
    pos, _ = scalp_positions(eeg_info(CHANNELS))
    crosses = [
        line.get_xydata()
        for line in fig.axes[3].lines
        if isinstance(line, Line2D) and line.get_marker() == "x"
    ]
    assert len(crosses) == 1
    np.testing.assert_allclose(crosses[0], pos[[IZ]])
    empty = fig.axes[5]
    assert not empty.images
    assert [text.get_text() for text in empty.texts] == ["no data"]


def test_grid_saves_as_png_and_pdf_without_warnings(grid, tmp_path):
    fig, _ = grid
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(tmp_path / "grid.png", dpi=50)
        fig.savefig(tmp_path / "grid.pdf")
    assert (tmp_path / "grid.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "grid.pdf").read_bytes()[:5] == b"%PDF-"


def test_shared_scale_has_one_colourbar_at_the_global_maximum():
    values = np.zeros((2, 1, 64))
    values[0, 0, C3], values[1, 0, C4] = 0.2, -0.5
    fig = plot_map_grid(values, ["trained", "untrained"], ["left"], CHANNELS, symmetric="all")
    assert len(fig.axes) == 3
    for ax in fig.axes[:2]:
        assert ax.images[0].get_clim() == pytest.approx((-0.5, 0.5))
    assert fig.axes[2].get_ylim() == pytest.approx((-0.5, 0.5))
    plt.close(fig)


def test_grid_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="shape"):
        plot_map_grid(np.zeros((1, 2, 64)), ["a"], ["b"], CHANNELS)
    with pytest.raises(ValueError, match="two columns"):
        plot_map_grid(np.zeros((1, 1, 64)), ["a"], ["b"], CHANNELS, separate_last_column=True)


@pytest.mark.parametrize(
    ("values", "limit"),
    [([-3.0, np.nan, 2.0], 3.0), ([np.nan, np.nan], 1.0), ([0.0, 0.0], 1.0)],
)
def test_symmetric_limit(values, limit):
    assert symmetric_limit(np.array(values)) == limit


def test_scalp_positions_follow_the_eeglab_convention():
    info = eeg_info(CHANNELS)
    assert info.get_montage() is not None
    pos, sphere = scalp_positions(info)
    assert pos.shape == (64, 2)
    radius = sphere[3]
    np.testing.assert_allclose(sphere[:3], 0.0)
    assert 0.08 < radius < 0.11  # metres, an adult head
    at = {name: pos[CHANNELS.index(name)] / radius for name in CHANNELS}
    np.testing.assert_allclose(at["Cz"], [0, 0], atol=0.05)
    np.testing.assert_allclose(at["Fpz"], [0, 1], atol=0.08)  # nose up
    np.testing.assert_allclose(at["Oz"], [0, -1], atol=0.08)
    np.testing.assert_allclose(at["T7"], [-1, 0], atol=0.08)  # left ear left
    np.testing.assert_allclose(at["T8"], [1, 0], atol=0.08)
    np.testing.assert_allclose(at["C3"], at["C4"] * [-1, 1], atol=0.02)  # mirror pairs


def test_maps_draw_the_sensors_at_the_scalp_positions(grid):
    fig, _ = grid
    pos, _ = scalp_positions(eeg_info(CHANNELS))
    (sensors,) = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    np.testing.assert_allclose(sensors.get_offsets(), pos)


def test_channel_frequency_maps(tmp_path):
    freqs = np.arange(4.0, 40.0, 2.0)
    values = np.random.default_rng(1).uniform(-0.3, 0.3, (2, 64, freqs.size))
    values[1, C3, 3] = -0.9
    values[0, C4, 0] = np.nan
    fig = plot_channel_frequency(
        values, CHANNELS, freqs, ["left fist", "right fist"], cbar_label="correlation"
    )
    maps, colourbar = fig.axes[:2], fig.axes[2:]
    assert len(colourbar) == 1 and colourbar[0].get_ylabel() == "correlation"
    assert [ax.get_title() for ax in maps] == ["left fist", "right fist"]
    for ax in maps:
        (image,) = ax.images
        assert image.get_extent() == pytest.approx((3.0, 39.0, 63.5, -0.5))
        assert image.get_clim() == pytest.approx((-0.9, 0.9))
        assert ax.get_xlabel() == "frequency (Hz)"
    assert [t.get_text() for t in maps[0].get_yticklabels()] == list(CHANNELS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(tmp_path / "cf.png", dpi=50)
    assert (tmp_path / "cf.png").stat().st_size > 0
    plt.close(fig)


def test_channel_frequency_rejects_uneven_frequencies():
    with pytest.raises(ValueError, match="evenly spaced"):
        plot_channel_frequency(np.zeros((1, 64, 3)), CHANNELS, [1.0, 2.0, 4.0], ["a"])
