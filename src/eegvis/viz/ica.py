"""Scalp maps of the ICA components removed from one subject (:mod:`eegvis.preprocessing.ica`)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from mne.preprocessing import ICA

from eegvis.viz.topomaps import plot_map_grid

#: Label of the colourbar: each map is scaled by its signed peak weight.
CBAR_LABEL = "weight / peak weight"
#: Under the maps: how to read them.
FOOTER = (
    "Each map is a component's scalp topography (average reference) divided by its weight "
    "of largest magnitude, so it peaks at +1 (an ICA component's sign is arbitrary)."
)


def plot_excluded_components(ica: ICA, record: Mapping[str, Any], data: str = "") -> Figure:
    """Plot the scalp topographies of the components removed from one subject.

    Parameters
    ----------
    ica : mne.preprocessing.ICA
        The fitted ICA (:attr:`eegvis.preprocessing.ica.ICACleaning.ica`);
        its channels must have positions.
    record : dict
        The cleaning's record (:meth:`eegvis.preprocessing.ica.ICACleaning.to_record`,
        or read back from ``sub-XXX_ica.json``): ``subject``,
        ``exclude_labels``, ``threshold`` and ``components``, whose
        ``excluded`` entries select the maps.
    data : str
        The data's citation, appended to the title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        A row of scalp maps, one per excluded component, titled with its
        index, ICLabel label and probability, on one colour scale with a
        colourbar; the title names the subject and the exclusion rule. With
        no component excluded, a figure that says so.

    Raises
    ------
    ValueError
        If ``record`` describes another number of components than ``ica`` has.
    """
    components = record["components"]
    if len(components) != ica.n_components_:
        raise ValueError(
            f"record has {len(components)} components but ica has {ica.n_components_}: "
            "they come from different cleanings"
        )
    excluded = [component for component in components if component["excluded"]]
    subject = "" if record["subject"] is None else f"Subject {record['subject']}: "
    rule = f"{' or '.join(record['exclude_labels'])} with probability ≥ {record['threshold']:g}"
    title = f"{subject}ICA components removed, {len(excluded)} of {len(components)} ({rule})"
    if data:
        title = f"{title}\n{data}"
    if not excluded:
        return _nothing_removed(title)
    topographies = ica.get_components()[:, [component["index"] for component in excluded]]
    peaks = topographies[np.abs(topographies).argmax(axis=0), np.arange(len(excluded))]
    names = [
        f"IC{component['index']}\n{component['label']} {component['probability']:.2f}"
        for component in excluded
    ]
    return plot_map_grid(
        (topographies / peaks).T[None],
        [""],
        names,
        ica.info,
        title=title,
        cbar_label=CBAR_LABEL,
        symmetric="all",
        footer=FOOTER,
    )


def _nothing_removed(title: str) -> Figure:
    """Return a figure titled ``title`` that says no component was excluded."""
    fig, ax = plt.subplots(figsize=(6.0, 2.0), layout="constrained")
    ax.set_axis_off()
    ax.text(0.5, 0.5, "no component excluded", ha="center", va="center", fontsize="large")
    fig.suptitle("\n".join(textwrap.fill(line, 60) for line in title.split("\n")))
    return fig
