"""Scalp-map grids and channel × frequency maps: layout, colour scales, geometry, extent."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import image_value_at
from matplotlib.collections import PathCollection
from matplotlib.lines import Line2D

from eegvis.data.eegbci import CHANNELS
from eegvis.viz.topomaps import (
    HEAD_COVERAGE,
    _head_coverage,
    eeg_info,
    plot_channel_frequency,
    plot_map_grid,
    scalp_positions,
)

ROWS = ["alpha 7–13 Hz", "beta 13–31 Hz"]
COLUMNS = ["block 1", "classifier", "class correlation"]
C3, C4, IZ = (CHANNELS.index(name) for name in ("C3", "C4", "Iz"))
#: The 21 sensorimotor channels of a partial EEGBCI montage.
FC_C_CP = "FC5 FC3 FC1 FCz FC2 FC4 FC6 C5 C3 C1 Cz C2 C4 C6 CP5 CP3 CP1 CPz CP2 CP4 CP6".split()
ROW_STATEMENT = "each row scaled to its own maximum |value|"


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
    assert "all maps on one scale" in " ".join(fig.get_supxlabel().split())
    plt.close(fig)


def test_the_footer_says_how_the_rows_are_scaled(grid):
    fig, _ = grid
    footer = " ".join(fig.get_supxlabel().split())
    assert ROW_STATEMENT in footer and "the last column scaled apart" in footer


def test_grid_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="shape"):
        plot_map_grid(np.zeros((1, 2, 64)), ["a"], ["b"], CHANNELS)
    with pytest.raises(ValueError, match="two columns"):
        plot_map_grid(np.zeros((1, 1, 64)), ["a"], ["b"], CHANNELS, separate_last_column=True)
    with pytest.raises(ValueError, match="extrapolate must be one of"):
        plot_map_grid(np.zeros((1, 1, 64)), ["a"], ["b"], CHANNELS, extrapolate="box")


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


def test_channel_frequency_rows_have_their_own_scales(tmp_path):
    freqs = np.arange(4.0, 40.0, 2.0)
    untrained = np.random.default_rng(1).uniform(-0.3, 0.3, (2, 64, freqs.size))
    values = np.stack([untrained / 10, untrained])  # the trained network ten times smaller
    values[0, 0, C4, 0] = np.nan
    rows, columns = ["trained", "untrained"], ["left fist", "right fist"]
    fig = plot_channel_frequency(values, rows, columns, CHANNELS, freqs, cbar_label="correlation")
    maps, colourbars = np.array(fig.axes[:4]).reshape(2, 2), fig.axes[4:]
    assert [ax.get_ylabel() for ax in colourbars] == ["correlation"] * 2
    assert [ax.get_title() for ax in maps.ravel()] == [f"{r}: {c}" for r in rows for c in columns]
    limit = np.abs(untrained).max()
    for ax, row_limit in zip(maps.ravel(), [limit / 10] * 2 + [limit] * 2, strict=True):
        (image,) = ax.images
        assert image.get_extent() == pytest.approx((3.0, 39.0, 63.5, -0.5))
        assert image.get_clim() == pytest.approx((-row_limit, row_limit))
        assert np.ptp(image.norm(image.get_array()).compressed()) > 0.75  # not blank
    assert [ax.get_xlabel() for ax in maps[1]] == ["frequency (Hz)"] * 2
    assert [t.get_text() for t in maps[1, 0].get_yticklabels()] == list(CHANNELS)
    assert ROW_STATEMENT in " ".join(fig.get_supxlabel().split())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(tmp_path / "cf.png", dpi=50)
    assert (tmp_path / "cf.png").stat().st_size > 0
    plt.close(fig)
    fig = plot_channel_frequency(values, rows, columns, CHANNELS, freqs, symmetric="all")
    (trained,) = fig.axes[0].images  # on the untrained network's scale: nearly blank
    assert np.ptp(trained.norm(trained.get_array()).compressed()) < 0.1
    assert len(fig.axes) == 5
    plt.close(fig)


def test_channel_frequency_rejects_uneven_frequencies():
    with pytest.raises(ValueError, match="evenly spaced"):
        plot_channel_frequency(np.zeros((1, 1, 64, 3)), ["a"], ["b"], CHANNELS, [1.0, 2.0, 4.0])
    with pytest.raises(ValueError, match="symmetric must be"):
        plot_channel_frequency(
            np.zeros((1, 1, 64, 2)), ["a"], ["b"], CHANNELS, [1, 2], symmetric="x"
        )


def painted(fig, ax, xy) -> bool:
    """Whether the drawn figure has colour, not white, around the data point ``xy`` of ``ax``.

    The median of a 7 × 7 pixel window, so that a sensor dot or a line does not count.
    """
    fig.canvas.draw()
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    x, y = ax.transData.transform(xy)
    row, column = round(rgb.shape[0] - y), round(x)
    window = rgb[row - 3 : row + 4, column - 3 : column + 4].reshape(-1, 3)
    return bool(np.median(window, axis=0).min() < 230)


@pytest.mark.parametrize(
    ("channels", "extrapolate", "far_painted"),
    [(FC_C_CP, "auto", False), (list(CHANNELS), "auto", True), (FC_C_CP, "head", True)],
)
def test_maps_are_painted_far_from_the_sensors_only_where_they_cover_the_head(
    channels, extrapolate, far_painted
):
    pos, sphere = scalp_positions(eeg_info(channels))
    radius = sphere[3]
    values = (1.0 + 0.1 * pos[:, 0] / radius)[None, None]  # dark red wherever painted
    fig = plot_map_grid(values, ["a"], ["b"], channels, contours=0, extrapolate=extrapolate)
    ax = fig.axes[0]
    assert painted(fig, ax, (0.0, 0.0))  # Cz
    far = [(0.0, 0.75 * radius), (0.0, -0.75 * radius)]  # far frontal (AFz), occipital (POz)
    assert [painted(fig, ax, xy) for xy in far] == [far_painted] * 2
    outline = np.concatenate([line.get_ydata() for line in ax.lines])
    assert outline.max() > radius and outline.min() == pytest.approx(-radius)  # head and nose
    (sensors,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_allclose(sensors.get_offsets(), pos)
    plt.close(fig)


def test_head_coverage_is_the_disc_fraction_inside_the_hull():
    radius = 0.1
    square = radius / 2 * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [0, 0]])
    assert _head_coverage(square, radius) == pytest.approx(1 / np.pi, abs=0.01)
    assert _head_coverage(4 * square, radius) == 1.0
    assert _head_coverage(np.array([[0, 0], [0, 0.01], [0, 0.02], [0, 0.03]]), radius) == 0.0

    def coverage(channels):
        pos, sphere = scalp_positions(eeg_info(channels))
        return _head_coverage(pos, sphere[3])

    ten_twenty = "Fp1 Fp2 F7 F3 Fz F4 F8 T7 C3 Cz C4 T8 P7 P3 Pz P4 P8 O1 O2".split()
    assert min(coverage(CHANNELS), coverage(ten_twenty)) > HEAD_COVERAGE > 0.5 > coverage(FC_C_CP)
