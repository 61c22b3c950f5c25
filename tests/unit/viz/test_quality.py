"""The attribution-quality figure: a panel per metric and mask, networks with their intervals."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.container import ErrorbarContainer

from eegvis.evaluation.ground_truth import METRICS
from eegvis.viz.labels import METRIC_TITLES
from eegvis.viz.quality import COLUMNS, plot_attribution_quality

METHODS = ["saliency", "deeplift", "lrp"]
NETWORKS = ["trained", "untrained", "shuffled"]
PAIRS = [("left_hand", "left_hand"), ("left_hand", "saccade"), ("right_hand", "saccade")]
CHANCE = {"left_hand": 0.1, "saccade": 0.05}


def table(pairs=PAIRS, n_subjects: int = 9) -> pd.DataFrame:
    """A summary table of random means and intervals, with its chance levels."""
    rng = np.random.default_rng(0)
    rows = []
    for method, network, (klass, mask), metric in itertools.product(
        METHODS, NETWORKS, pairs, METRICS
    ):
        value = rng.uniform(0.1, 0.9)
        low, high = value - rng.uniform(0, 0.1), value + rng.uniform(0, 0.1)
        chance = 0.5 if metric == "roc_auc" else CHANCE[mask]
        rows.append((method, network, klass, mask, metric, value, low, high, n_subjects, chance))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def panel_rows(fig) -> list[list]:
    """The panels, by row of the grid."""
    panels = [ax for ax in fig.axes if ax.get_title()]
    n_columns = len(METRICS)
    return [panels[i : i + n_columns] for i in range(0, len(panels), n_columns)]


def intervals(ax) -> dict[str, np.ndarray]:
    """Each network's error bars as (low, y, high) per method, in drawing order."""
    drawn = {}
    for container in ax.containers:
        assert isinstance(container, ErrorbarContainer)
        segments = np.array(container.lines[2][0].get_segments())
        assert np.allclose(segments[:, 0, 1], segments[:, 1, 1])  # horizontal
        drawn[container.get_label()] = np.column_stack(
            [segments[:, 0, 0], segments[:, 0, 1], segments[:, 1, 0]]
        )
    return drawn


def test_one_panel_per_metric_and_one_row_per_class_and_mask():
    fig = plot_attribution_quality(table())
    rows = panel_rows(fig)
    assert len(rows) == len(PAIRS)
    for row, (klass, mask) in zip(rows, PAIRS, strict=True):
        titles = [ax.get_title().split("\n") for ax in row]
        assert [title[0] for title in titles] == list(METRIC_TITLES.values())
        assert {title[1] for title in titles} == {f"class {klass}, mask {mask}"}
    plt.close(fig)


def test_error_bars_span_each_networks_interval_with_methods_top_down():
    frame = table()
    fig = plot_attribution_quality(frame)
    for row, (klass, mask) in zip(panel_rows(fig), PAIRS, strict=True):
        assert [t.get_text() for t in row[0].get_yticklabels()] == METHODS
        assert row[0].get_ylim()[0] > row[0].get_ylim()[1]  # the first method on top
        for ax, metric in zip(row, METRICS, strict=True):
            drawn = intervals(ax)
            assert list(drawn) == NETWORKS
            for network, bars in drawn.items():
                expected = frame[
                    (frame["class"] == klass)
                    & (frame["mask"] == mask)
                    & (frame["metric"] == metric)
                    & (frame["network"] == network)
                ].set_index("method")
                np.testing.assert_allclose(bars[:, 0], expected.loc[METHODS, "ci_low"])
                np.testing.assert_allclose(bars[:, 2], expected.loc[METHODS, "ci_high"])
                assert np.allclose(np.round(bars[:, 1]), range(len(METHODS)))
    plt.close(fig)


def test_the_chance_level_is_a_dashed_vertical_line():
    fig = plot_attribution_quality(table())
    for row, (_, mask) in zip(panel_rows(fig), PAIRS, strict=True):
        for ax, metric in zip(row, METRICS, strict=True):
            dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
            assert len(dashed) == 1
            expected = 0.5 if metric == "roc_auc" else CHANCE[mask]
            assert np.allclose(dashed[0].get_xdata(), expected)
    plt.close(fig)


def test_title_gives_the_subjects_and_the_note_the_data():
    fig = plot_attribution_quality(table(pairs=PAIRS[:1]), data="EEGBCI (Schalk et al. 2004)")
    assert "n = 9 subjects" in fig.get_suptitle()
    assert fig.get_supxlabel().endswith("EEGBCI (Schalk et al. 2004)")
    assert "chance" in fig.get_supxlabel()
    assert len(panel_rows(fig)) == 1
    plt.close(fig)


def test_a_single_subject_has_markers_but_no_interval():
    frame = table(pairs=PAIRS[:1], n_subjects=1)
    frame[["ci_low", "ci_high"]] = np.nan
    fig = plot_attribution_quality(frame)
    assert fig.get_suptitle().endswith("n = 1 subject")
    for ax in panel_rows(fig)[0]:
        for bars in intervals(ax).values():
            np.testing.assert_array_equal(bars[:, 0], bars[:, 2])
    plt.close(fig)


def test_tables_without_the_labels_or_rows_are_rejected():
    with pytest.raises(ValueError, match=r"lacks the columns \['method'\]"):
        plot_attribution_quality(table().drop(columns="method"))
    with pytest.raises(ValueError, match="table is empty"):
        plot_attribution_quality(table().iloc[:0])
