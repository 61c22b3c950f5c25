"""Side-by-side figure of an analysis and its artifact-control variants."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

#: Colours of the stacked shares, by position (regions, then frequency ranges).
_CMAP = "tab10"


def _shares(rows: pd.DataFrame, names: list[str]) -> np.ndarray:
    """Shares per variant (rows) and name; 0 where a variant has no such region."""
    columns = [f"share_{name}" for name in names]
    return rows.reindex(columns=columns).fillna(0.0).to_numpy(dtype=float)


def plot_variant_comparison(
    table: pd.DataFrame,
    regions: list[str],
    ranges: list[str],
    *,
    analysis: str = "attribution",
    title: str = "",
) -> Figure:
    """Accuracy and where the trained network's class contrast lies, per variant.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`eegvis.pipeline.comparison.compare_variants`'s table.
    regions, ranges : list of str
        Scalp regions and frequency ranges, as in its ``share_<name>`` columns.
    analysis : str
        Which analysis's shares to show (``attribution`` or ``gradient``).
    title : str
        Figure title (e.g. with the data's citation).

    Returns
    -------
    fig : matplotlib.figure.Figure
        Left: validation accuracy of each network per variant (chance 0.5 for
        two classes dashed); middle and right: shares of the trained network's
        class-contrast ``|map|`` per scalp region and per frequency range, stacked,
        per variant, with each variant's channel count.
    """
    rows = table[table["analysis"] == analysis]
    if rows.empty:
        raise ValueError(f"the comparison table has no rows of analysis {analysis!r}")
    variants = list(dict.fromkeys(rows["variant"]))
    networks = list(dict.fromkeys(rows["network"]))
    trained = rows[rows["network"] == "trained"].set_index("variant").loc[variants]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), layout="constrained")
    width = 0.8 / len(networks)
    x = np.arange(len(variants))
    for k, network in enumerate(networks):
        accuracy = rows[rows["network"] == network].set_index("variant")["accuracy"]
        axes[0].bar(x + k * width, accuracy.reindex(variants), width, label=network)
    axes[0].axhline(0.5, color="0.4", linestyle="--", linewidth=1, label="chance (2 classes)")
    axes[0].set(
        xticks=x + width * (len(networks) - 1) / 2,
        xticklabels=variants,
        ylim=(0, 1),
        ylabel="validation accuracy",
        title="accuracy",
    )
    axes[0].legend(fontsize="small", loc="lower right")
    labels = [f"{v}\n{n} ch" for v, n in zip(variants, trained["n_channels"], strict=True)]
    cmap = plt.get_cmap(_CMAP)
    for ax, names, what in (
        (axes[1], regions, "scalp region"),
        (axes[2], ranges, "frequency range"),
    ):
        shares = _shares(trained, names)
        bottom = np.zeros(len(variants))
        for j, name in enumerate(names):
            ax.bar(x, shares[:, j], 0.6, bottom=bottom, label=name, color=cmap(j))
            bottom += shares[:, j]
        ax.set(
            xticks=x,
            xticklabels=labels,
            ylim=(0, 1),
            ylabel="share of |class contrast|",
            title=f"trained network's {analysis}, by {what}",
        )
        ax.legend(fontsize="small", bbox_to_anchor=(1.0, 1.0), loc="upper left")
    fig.suptitle(title)
    return fig
