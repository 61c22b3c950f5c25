"""The class-column scalp-map grid: maps, marks and notes read from the tables."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from eegvis.viz import _class_grid
from eegvis.viz._class_grid import class_grid

CHANNELS = ["C3", "Cz", "C4"]
CLASSES = ["left_hand", "right_hand"]


def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two contrasts × two classes; one map with a reliability over iterations too."""
    statistics = pd.DataFrame(
        [
            {
                "contrast": contrast,
                "class": klass,
                "channel": channel,
                "mean": 10 * i + j + k / 10,
                "significant": channel == "C3" and klass == "right_hand",
                "n_subjects": 10,
                "method": "tmax",
                "alpha": 0.05,
                "n_permutations": 1024,
            }
            for i, contrast in enumerate(["trained", "untrained"])
            for j, klass in enumerate(CLASSES)
            for k, channel in enumerate(CHANNELS)
        ]
    )
    reliability = pd.DataFrame(
        [
            {"contrast": contrast, "class": klass, "split": "subjects", "r": r}
            for contrast, r in (("trained", 0.9), ("untrained", 0.2))
            for klass in CLASSES
        ]
        + [{"contrast": "trained", "class": "right_hand", "split": "iterations", "r": 0.97}]
    )
    return statistics, reliability


def test_rows_are_the_selectors_and_columns_the_classes(monkeypatch):
    drawn = {}

    def plot_map_grid(values, row_names, column_names, ch_names, **options):
        drawn.update(values=values, rows=row_names, columns=column_names, **options)

    monkeypatch.setattr(_class_grid, "plot_map_grid", plot_map_grid)
    statistics, reliability = tables()
    class_grid(
        statistics,
        reliability,
        [{"contrast": "trained"}, {"contrast": "untrained"}],
        ["trained", "untrained"],
        CHANNELS[::-1],
        subjects="valid",
        title="title",
        cbar_label="r",
        row_label="network",
    )
    assert drawn["rows"] == ["trained", "untrained"]
    assert drawn["columns"] == CLASSES
    np.testing.assert_allclose(drawn["values"][1, 0], [10.2, 10.1, 10.0])
    assert drawn["mask"][0, 1].tolist() == [False, False, True]
    assert drawn["mask"].sum() == 2
    assert drawn["notes"].tolist() == [
        ["split-half r = 0.90", "split-half r = 0.90\niterations r = 0.97"],
        ["split-half r = 0.20 (unreliable)", "split-half r = 0.20 (unreliable)"],
    ]
    assert "n = 10 subjects (valid)" in drawn["footer"]
    assert (drawn["title"], drawn["cbar_label"], drawn["row_label"]) == ("title", "r", "network")


def test_the_figure_has_a_map_per_row_and_class():
    statistics, reliability = tables()
    figure = class_grid(
        statistics,
        reliability,
        [{"contrast": "untrained"}],
        ["untrained"],
        CHANNELS,
        subjects="all",
        title="",
        cbar_label="r",
        row_label="",
    )
    titled = [ax for ax in figure.axes if ax.get_title() in CLASSES]
    assert [ax.get_title() for ax in titled] == CLASSES
    assert [ax.get_xlabel() for ax in titled] == ["split-half r = 0.20 (unreliable)"] * 2
    plt.close(figure)
