"""Figure of the artifact-reliance report: share per scalp region and frequency range."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from eegvis.diagnostics.artifact_reliance import class_contrasts
from eegvis.diagnostics.regions import REGIONS
from eegvis.viz.labels import ANALYSIS_TITLES


def plot_reliance(
    table: pd.DataFrame,
    analysis: str = "gradient",
    klass: str | None = None,
    *,
    networks: Sequence[str] | None = None,
    warnings: Sequence[str] = (),
    title: str = "",
) -> Figure:
    """Heat maps of the share per region × frequency range, one panel per network.

    Parameters
    ----------
    table : pandas.DataFrame
        The subject-mean table of
        :func:`eegvis.diagnostics.artifact_reliance.reliance_table`.
    analysis : {"gradient", "attribution"}
        The analysis shown.
    klass : str | None
        The class or class contrast shown (a ``class`` value); default the
        first class contrast of ``analysis``.
    networks : sequence of str | None
        Panels, left to right (``contrast`` values); default all, in the
        table's order.
    warnings : sequence of str
        Messages of :func:`eegvis.diagnostics.artifact_reliance.reliance_warnings`,
        printed in red under the panels.
    title : str
        Figure title; default one naming the analysis and the class or contrast.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Rows = regions (labelled with their number of channels), columns =
        frequency ranges, the share printed in each cell; one colour scale
        from 0 to the largest share shown.

    Raises
    ------
    ValueError
        If ``table`` has a ``subject`` column, or ``analysis``, ``klass`` or a
        network is not in it.
    """
    if "subject" in table.columns:
        raise ValueError("table must be the subject-mean table (reliance_table per_subject=False)")
    rows = table[table["analysis"] == analysis]
    if rows.empty:
        raise ValueError(f"analysis {analysis!r} is not in the table: {_values(table, 'analysis')}")
    if klass is None:
        contrasts = class_contrasts(rows["class"])
        if not contrasts:
            raise ValueError("the table has no class contrast: choose a class with klass")
        klass = contrasts[0]
    rows = rows[rows["class"] == klass]
    if rows.empty:
        raise ValueError(f"klass {klass!r} is not in the table: {_values(table, 'class')}")
    networks = _values(rows, "contrast") if networks is None else list(networks)
    unknown = [network for network in networks if network not in set(rows["contrast"])]
    if unknown or not networks:
        raise ValueError(
            f"networks {unknown or networks} not in the table: {_values(rows, 'contrast')}"
        )
    ranges = _values(rows, "frequency_range")
    regions = [region for region in REGIONS if region in set(rows["region"])]
    shares = [
        rows[rows["contrast"] == network]
        .pivot(index="region", columns="frequency_range", values="share")
        .reindex(index=regions, columns=ranges)
        for network in networks
    ]
    counts = rows.groupby("region")["n_channels"].first()
    top = np.nanmax([share.values for share in shares])
    norm = Normalize(0.0, top if top > 0 else 1.0)
    width = 2.5 + 3.4 * len(networks)  # inches
    fig, axes = plt.subplots(
        1,
        len(networks),
        figsize=(width, 1.2 + 0.5 * len(regions)),
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    for ax, network, share in zip(axes[0], networks, shares, strict=True):
        image = ax.imshow(share.values, cmap="viridis", norm=norm, aspect="auto")
        for (i, j), value in np.ndenumerate(share.values):
            dark = np.isfinite(value) and norm(value) < 0.6
            label = f"{value:.2f}" if np.isfinite(value) else "–"
            ax.text(j, i, label, ha="center", va="center", color="white" if dark else "black")
        ax.set_xticks(range(len(ranges)), ranges, rotation=45, ha="right")
        ax.set_title(network)
    axes[0, 0].set_yticks(
        range(len(regions)),
        [f"{region.replace('_', ' ')} ({counts[region]})" for region in regions],
    )
    fig.colorbar(image, ax=axes[0], label=f"share of |{analysis}|")
    title = title or (
        f"{ANALYSIS_TITLES.get(analysis, analysis)}: share of |{klass}| "
        "per region (n channels) and frequency range"
    )
    fig.suptitle(
        "\n".join(
            "\n".join(textwrap.wrap(line, width=int(9 * width), break_on_hyphens=False))
            for line in title.split("\n")
        )
    )
    if warnings:
        text = "\n".join(
            textwrap.fill(f"Warning: {message}", width=int(11 * width)) for message in warnings
        )
        fig.supxlabel(text, color="firebrick", fontsize="small", ha="left", x=0.01)
    return fig


def _values(table: pd.DataFrame, column: str) -> list[str]:
    """Return the distinct values of a column, in order."""
    return list(dict.fromkeys(table[column]))
