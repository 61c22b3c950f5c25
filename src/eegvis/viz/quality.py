"""Figure of the ground-truth scores of attribution maps (:mod:`eegvis.evaluation.ground_truth`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from eegvis.viz._layout import (
    FOOTER_CHAR_INCH,
    FOOTER_LINE_INCH,
    TITLE_CHAR_INCH,
    n_lines,
    title_height,
    wrap,
)
from eegvis.viz.labels import METRIC_TITLES

#: Columns the figure reads: the summary table of ground_truth_scores, labelled.
COLUMNS = (
    *("method", "network", "class", "mask", "metric"),
    *("value", "ci_low", "ci_high", "n_subjects", "chance"),
)
#: Under the panels: how to read the dashed line.
CHANCE_NOTE = (
    "Dashed: chance, the score of a map that carries no information about the mask "
    "(the mask's share of cells; 0.5 for ROC-AUC)."
)
#: Markers of the networks, in the table's order.
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
_PANEL_INCH = 3.0  # width of a panel
_METHOD_INCH = 0.3  # height of a method's row of markers
_MARGIN_INCH = 2.6  # method names and the legend


def plot_attribution_quality(table: pd.DataFrame, *, data: str = "") -> Figure:
    """Ground-truth scores per method and network: mean and confidence interval over subjects.

    Parameters
    ----------
    table : pandas.DataFrame
        The summary table of :func:`eegvis.evaluation.ground_truth.ground_truth_scores`
        with ``method`` and ``network`` columns (one table per method and
        network, concatenated).
    data : str
        The data's citation, printed under the panels.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One column of panels per metric and one row per scored class and
        mask, named in the panel titles. In each panel the methods are rows
        (in the table's order, first on top) and each network a marker at
        its mean with its confidence interval as horizontal error bar; the
        chance level is a dashed line. The title gives the number of subjects.

    Raises
    ------
    ValueError
        If ``table`` is empty or lacks one of :data:`COLUMNS`.
    """
    missing = [column for column in COLUMNS if column not in table.columns]
    if missing:
        raise ValueError(
            f"table lacks the columns {missing}: pass ground_truth_scores' summary table "
            "with method and network columns"
        )
    if table.empty:
        raise ValueError("table is empty: there are no scores to plot")
    methods, networks, metrics = (
        list(table[name].unique()) for name in ("method", "network", "metric")
    )
    pairs = list(table[["class", "mask"]].drop_duplicates().itertuples(index=False))
    width = _PANEL_INCH * len(metrics) + _MARGIN_INCH
    title = wrap(_title(table["n_subjects"]), width, TITLE_CHAR_INCH)
    footer = wrap("\n".join(filter(None, (CHANCE_NOTE, data))), width, FOOTER_CHAR_INCH)
    panel_inch = 1.2 + _METHOD_INCH * len(methods) * max(1.0, len(networks) / 3)
    fig, axes = plt.subplots(
        len(pairs),
        len(metrics),
        sharey=True,
        squeeze=False,
        layout="constrained",
        figsize=(
            width,
            panel_inch * len(pairs) + title_height(title) + FOOTER_LINE_INCH * n_lines(footer),
        ),
    )
    for row, (klass, mask) in zip(axes, pairs, strict=True):
        for ax, metric in zip(row, metrics, strict=True):
            scores = table[
                (table["class"] == klass) & (table["mask"] == mask) & (table["metric"] == metric)
            ]
            _draw_panel(ax, scores, methods, networks)
            ax.set_title(f"{METRIC_TITLES.get(metric, metric)}\nclass {klass}, mask {mask}")
        row[0].set_yticks(range(len(methods)), methods)
        row[0].set_ylim(len(methods) - 0.5, -0.5)
    for ax in axes[-1]:
        ax.set_xlabel("score")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, title="network", loc="outside right upper")
    fig.suptitle(title)
    fig.supxlabel(footer, fontsize="small", ha="left", x=0.01)
    return fig


def _draw_panel(ax: Axes, scores: pd.DataFrame, methods: list, networks: list) -> None:
    """Draw each network's mean and interval per method, and the chance level."""
    step = 0.6 / len(networks)
    for k, network in enumerate(networks):
        rows = scores[scores["network"] == network].set_index("method").reindex(methods)
        value = rows["value"].to_numpy(dtype=float)
        below = value - rows["ci_low"].to_numpy(dtype=float)
        above = rows["ci_high"].to_numpy(dtype=float) - value
        ax.errorbar(
            value,
            np.arange(len(methods)) + (k - (len(networks) - 1) / 2) * step,
            xerr=np.nan_to_num([below, above]),  # no interval (one subject): none drawn
            fmt=MARKERS[k % len(MARKERS)],
            color=f"C{k}",
            capsize=2,
            label=network,
        )
    for chance in scores["chance"].drop_duplicates():
        ax.axvline(chance, color="0.4", linestyle="--", linewidth=1)
    low = np.nanmin([0.0, *scores["ci_low"], *scores["value"]])
    high = np.nanmax([1.0, *scores["ci_high"], *scores["value"]])
    ax.set_xlim(low - 0.05, high + 0.05)


def _title(n_subjects: pd.Series) -> str:
    """Return the figure title, naming the number (or range) of subjects."""
    fewest, most = int(n_subjects.min()), int(n_subjects.max())
    count = f"{fewest}" if fewest == most else f"{fewest}–{most}"
    subjects = "subject" if most == 1 else "subjects"
    return (
        "Attribution maps scored against the planted truth: "
        f"mean and confidence interval over n = {count} {subjects}"
    )
