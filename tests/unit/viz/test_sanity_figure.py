"""The cascading-randomisation figure: a line per method and metric, failing methods in red."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb

from eegvis.evaluation.sanity import randomisation_flags
from eegvis.viz.sanity import FAILED_COLOUR, FAILED_LABEL, plot_cascading

LAYERS = ["none", "conv_classifier", "bnorm_4", "conv_4"]


def cascading(method: str, spearman: list[float], ssim: list[float], layers=LAYERS) -> pd.DataFrame:
    """A table as cascading_similarity(..., method=method) returns it."""
    return pd.DataFrame(
        [
            (method, n, layer, metric, value)
            for metric, values in (("spearman", spearman), ("ssim", ssim))
            for n, (layer, value) in enumerate(zip(layers, values, strict=True))
        ],
        columns=["method", "layers_randomised", "layer", "metric", "similarity"],
    )


@pytest.fixture()
def table():
    return pd.concat(
        [
            cascading("gradient", [1.0, 0.6, 0.3, 0.05], [1.0, 0.8, 0.7, 0.6]),
            cascading("input", [1.0, 1.0, 0.99, 0.98], [1.0, 1.0, 1.0, 0.99]),
            cascading("deeplift", [1.0, 0.5, 0.2, -0.1], [1.0, 0.7, 0.5, 0.4]),
        ],
        ignore_index=True,
    )


def method_lines(ax):
    return [line for line in ax.get_lines() if "threshold" not in line.get_label()]


def test_one_panel_per_metric_one_line_per_method_ticks_named_by_layer(table):
    fig = plot_cascading(table, data="Data: synthetic demo")
    spearman, ssim = fig.axes
    for ax in (spearman, ssim):
        assert len(method_lines(ax)) == 3
        assert [tick.get_text() for tick in ax.get_xticklabels()] == LAYERS
        assert [text.get_text() for text in ax.get_legend().get_texts()] == [
            "gradient",
            "input",
            "deeplift",
        ]
    np.testing.assert_array_equal(method_lines(ssim)[1].get_ydata(), [1.0, 1.0, 1.0, 0.99])
    assert spearman.get_ylim() == pytest.approx((-1.05, 1.05))
    assert ssim.get_ylim() == pytest.approx((-0.05, 1.05))
    assert "Spearman" in spearman.get_title() and "SSIM" in ssim.get_title()
    assert fig._supxlabel.get_text() == "Data: synthetic demo"
    assert not any(flagged(line) for line in method_lines(spearman))
    plt.close(fig)


def flagged(line) -> bool:
    """Drawn as a method that survives randomisation: dashed, red-edged markers."""
    return line.get_linestyle() == "--" and to_rgb(line.get_markeredgecolor()) == to_rgb(
        FAILED_COLOUR
    )


def test_methods_that_survive_randomisation_are_marked_and_say_so(table):
    flags = randomisation_flags(table)
    assert flags["passed"].tolist() == [True, False, True]
    fig = plot_cascading(table, flags=flags)
    for ax in fig.axes:
        marked = [line for line in method_lines(ax) if flagged(line)]
        assert [line.get_label() for line in marked] == [f"input ({FAILED_LABEL})"]
        colours = [to_rgb(line.get_color()) for line in method_lines(ax)]
        assert len(set(colours)) == len(colours)  # each method keeps its own colour
        legend = [text.get_text() for text in ax.get_legend().get_texts()]
        assert f"input ({FAILED_LABEL})" in legend and "gradient" in legend
    threshold = [line for line in fig.axes[0].get_lines() if "threshold" in line.get_label()]
    assert len(threshold) == 1 and threshold[0].get_ydata()[0] == 0.5
    assert not [line for line in fig.axes[1].get_lines() if "threshold" in line.get_label()]
    plt.close(fig)


def test_a_table_without_labels_is_one_line(table):
    fig = plot_cascading(table[table["method"] == "gradient"].drop(columns="method"))
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["map"]
    plt.close(fig)


def test_methods_randomised_on_different_networks_are_refused(table):
    other = cascading("lrp", [1.0, 0.5, 0.2, 0.1], [1.0, 0.6, 0.5, 0.4], ["none", "a", "b", "c"])
    with pytest.raises(ValueError, match="different networks"):
        plot_cascading(pd.concat([table, other]))
