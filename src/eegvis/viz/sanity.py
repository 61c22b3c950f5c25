"""Figure of the cascading-randomisation sanity check (Adebayo et al. 2018)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from eegvis.evaluation.sanity import CASCADING_COLUMNS
from eegvis.viz._layout import FOOTER_CHAR_INCH, wrap
from eegvis.viz.labels import SIMILARITY_TITLES

#: y range of each metric's panel.
SIMILARITY_LIMITS = {"spearman": (-1.0, 1.0), "ssim": (0.0, 1.0)}
#: Marker edge of the methods that survive randomisation (fail a check), drawn dashed.
FAILED_COLOUR = "firebrick"
#: Legend text added to the methods that survive randomisation.
FAILED_LABEL = "survives randomisation"
#: Colours of the other methods: matplotlib's ``tab10`` without its red.
COLOURS = [colour for colour in plt.get_cmap("tab10").colors if colour != to_rgb("tab:red")]
#: Width in inches of one panel.
PANEL_INCH = 4.5


def plot_cascading(
    table: pd.DataFrame, *, flags: pd.DataFrame | None = None, data: str = ""
) -> Figure:
    """Plot each method's similarity to its map as more layers are randomised.

    Parameters
    ----------
    table : pandas.DataFrame
        A table of :func:`eegvis.evaluation.sanity.cascading_similarity`, or
        several concatenated with label columns (e.g. ``method``) that tell them
        apart, all of one network.
    flags : pandas.DataFrame | None
        :func:`eegvis.evaluation.sanity.randomisation_flags` of the table: the
        methods that fail a check are drawn dashed with red-edged markers and
        their legend entries say they survive randomisation; the Spearman panel
        shows the threshold (which the mean over the cascade is judged by).
    data : str
        The data's citation, a note under the panels.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One panel per metric (Spearman -1 to 1, SSIM 0 to 1), similarity against
        the number of layers randomised, ticks named by the layer randomised
        last (from the output down; "none" for the map itself); one line per
        method.

    Raises
    ------
    ValueError
        If the methods' layers differ (tables of several networks).
    """
    groups = [column for column in table.columns if column not in CASCADING_COLUMNS]
    lines = list(table.groupby(groups, sort=False)) if groups else [((), table)]
    steps = [_layer_names(rows) for _, rows in lines]
    if any(step != steps[0] for step in steps):
        raise ValueError("the methods were randomised layer by layer on different networks")
    failed = _failed(flags, groups)
    metrics = list(dict.fromkeys(table["metric"]))
    fig, axes = plt.subplots(
        1,
        len(metrics),
        figsize=(PANEL_INCH * len(metrics), 4.5),
        squeeze=False,
        layout="constrained",
    )
    for ax, metric in zip(axes[0], metrics, strict=True):
        colours = iter(COLOURS)
        for key, rows in lines:
            rows = rows[rows["metric"] == metric].sort_values("layers_randomised")
            label = ", ".join(map(str, key)) or "map"
            style = dict(color=next(colours), marker="o", linestyle="-")
            if key in failed:  # its own colour (several may fail), dashed, a red edge
                style.update(linestyle="--", markeredgecolor=FAILED_COLOUR, markeredgewidth=2)
                label = f"{label} ({FAILED_LABEL})"
            ax.plot(rows["layers_randomised"], rows["similarity"], label=label, **style)
        if metric == "spearman" and flags is not None and not flags.empty:
            ax.axhline(
                flags["threshold"].iloc[0],
                color="0.4",
                linestyle=":",
                label="threshold (mean over the cascade)",
            )
        if metric in SIMILARITY_LIMITS:
            low, high = SIMILARITY_LIMITS[metric]
            low = min(low, table.loc[table["metric"] == metric, "similarity"].min())
            ax.set_ylim(low - 0.05, high + 0.05)
        ax.set_xticks(range(len(steps[0])), steps[0], rotation=90)
        ax.set_title(SIMILARITY_TITLES.get(metric, metric))
        ax.set_xlabel("layers randomised (from the output down)")
        ax.set_ylabel("similarity to the map of the network")
        ax.legend(fontsize="small")
    fig.suptitle("Cascading model-parameter randomisation (Adebayo et al. 2018)")
    if data:
        fig.supxlabel(
            wrap(data, PANEL_INCH * len(metrics), FOOTER_CHAR_INCH),
            fontsize="small",
            ha="left",
            x=0.01,
        )
    return fig


def _layer_names(rows: pd.DataFrame) -> list[str]:
    """Return the layer randomised last at each step, from 0 layers on."""
    steps = rows.drop_duplicates("layers_randomised").sort_values("layers_randomised")
    return list(steps["layer"])


def _failed(flags: pd.DataFrame | None, groups: list[str]) -> set[tuple]:
    """Return the label values of the groups with a failed check."""
    if flags is None:
        return set()
    failing = flags[~flags["passed"]]
    return {tuple(row) for row in failing[groups].itertuples(index=False)}
