"""The results summary on the report's first page, read from a run's own tables.

Each function turns tables the workflow wrote into one small table of the
summary: subjects and trials per split (:func:`split_table`), the decoding
accuracy of each network beside chance (:func:`accuracy_table`), per map the
significant channels and the split-half reliability (:func:`map_table`), the
attribution sanity checks and ground-truth scores (:func:`quality_table`).
:func:`summary_page` assembles them, with the headline figure and the
artifact-reliance warnings, into the page's reStructuredText. Nothing in it
is typed by hand, so it cannot disagree with the run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.stats

from eegvis.diagnostics.artifact_reliance import reliance_warnings
from eegvis.utils.rst import admonition, embedded_image, escape, list_table

#: The network contrast a map is summarised by, in order of preference: the trained
#: network against its untrained initial weights, or the trained network alone.
SUMMARY_CONTRASTS = ("trained-untrained", "trained")

#: Ground-truth scores shown in the summary (all four are in the quality table).
QUALITY_METRICS = {"relevance_mass_accuracy": "mass accuracy", "roc_auc": "ROC-AUC"}

#: Styles of the report's landing page once it holds the summary: Snakemake's page
#: centres its content vertically, which hides the top of a long page, and keeps
#: the description narrow beside the rule graph.
PAGE_STYLE = """\
.. raw:: html

   <style>
   div.overflow-auto:has(#results-summary) { align-items: flex-start; }
   div.prose:has(#results-summary) { max-width: 52rem; }
   </style>

"""

#: Columns that identify one map in the statistics and reliability tables.
MAP_KEYS = ("analysis", "contrast", "layer", "band", "class")


def split_table(epochs: pd.DataFrame, classes: Sequence[str]) -> pd.DataFrame:
    """Subjects and trials per split, with the excluded subjects and dropped trials.

    Parameters
    ----------
    epochs : pandas.DataFrame
        ``epochs/summary.csv``: one row per subject with ``split``,
        ``n_<class>`` per class, ``n_dropped`` and ``excluded``.
    classes : sequence of str
        The classes, in the order of their columns.

    Returns
    -------
    table : pandas.DataFrame
        One row per split (train first): ``split``, ``subjects`` (kept),
        ``excluded subjects``, ``<class> trials`` per class, ``trials`` and
        ``dropped trials`` (of the kept subjects).

    Raises
    ------
    ValueError
        If a column is missing.
    """
    counts = [f"n_{name}" for name in classes]
    missing = [c for c in ("split", "n_dropped", "excluded", *counts) if c not in epochs.columns]
    if missing:
        raise ValueError(f"the epochs summary lacks the columns {missing}")
    rows = []
    for split in sorted(set(epochs["split"]), key=["train", "valid"].index):
        group = epochs[epochs["split"] == split]
        kept = group[~group["excluded"].astype(bool)]
        trials = {f"{name} trials": int(kept[f"n_{name}"].sum()) for name in classes}
        rows.append(
            {
                "split": split,
                "subjects": len(kept),
                "excluded subjects": len(group) - len(kept),
                **trials,
                "trials": sum(trials.values()),
                "dropped trials": int(kept["n_dropped"].sum()),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Chance:
    """The accuracy of guessing on a validation set.

    Attributes
    ----------
    level : float
        The majority class's share of the trials (the accuracy of always
        answering it).
    threshold : float
        The smallest accuracy that such guessing reaches with probability at
        most ``alpha`` (binomial, ``n`` independent trials): an accuracy at or
        above it is above chance at level ``alpha``.
    n : int
        The number of trials.
    alpha : float
        The level of ``threshold``.
    """

    level: float
    threshold: float
    n: int
    alpha: float = 0.05


def chance_accuracy(class_counts: Sequence[int], alpha: float = 0.05) -> Chance:
    """Return the chance level of a validation set and the accuracy that beats it.

    Parameters
    ----------
    class_counts : sequence of int
        Trials of each class.
    alpha : float
        Level of the threshold, in (0, 1).

    Returns
    -------
    chance : Chance
        The majority share and the binomial threshold.

    Raises
    ------
    ValueError
        If there is no trial, a count is negative or ``alpha`` is not in (0, 1).
    """
    counts = np.asarray(class_counts, dtype=int)
    if counts.size == 0 or (counts < 0).any() or counts.sum() == 0:
        raise ValueError(f"class_counts must be non-negative with trials, got {list(counts)}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    n = int(counts.sum())
    level = counts.max() / n
    # isf gives the largest k with P(X > k) <= alpha, so P(X >= k + 1) <= alpha.
    threshold = (scipy.stats.binom.isf(alpha, n, level) + 1) / n
    return Chance(float(level), float(min(threshold, 1.0)), n, alpha)


def accuracy_table(histories: Mapping[str, pd.DataFrame], chance: Chance) -> pd.DataFrame:
    """Tabulate the validation accuracy of each network, of its initial weights and of chance.

    Parameters
    ----------
    histories : mapping of str to pandas.DataFrame
        Network (``trained``, ``shuffled``) to its ``history.csv``: one row
        per epoch with ``epoch`` and ``valid_misclass``, epoch 0 evaluating
        the initial weights. The trained network's epoch 0 gives the
        ``untrained`` row.
    chance : Chance
        The validation set's :func:`chance_accuracy`.

    Returns
    -------
    table : pandas.DataFrame
        One row per network, then one for chance: ``network``, ``final``
        (after the last epoch), ``best`` and ``best epoch`` (chosen on the
        validation set itself, so optimistic), ``above chance`` (final at or
        above ``chance.threshold``).
    """
    rows = []
    for network, history in histories.items():
        accuracy = 1.0 - history["valid_misclass"].to_numpy(dtype=float)
        if network == "trained":
            rows.append(_accuracy_row("untrained (initial weights)", accuracy[:1], chance))
        rows.append(_accuracy_row(network, accuracy, chance, history["epoch"].to_numpy()))
    rows.append(
        {
            "network": f"chance (majority class; above chance from {chance.threshold:.2f}, "
            f"p < {chance.alpha:g}, n = {chance.n} trials)",
            "final": chance.level,
            "best": np.nan,
            "best epoch": np.nan,
            "above chance": "",
        }
    )
    return pd.DataFrame(rows)


def _accuracy_row(
    network: str, accuracy: np.ndarray, chance: Chance, epochs: np.ndarray | None = None
) -> dict:
    """One row of :func:`accuracy_table`; ``epochs`` None: a single evaluation, no best."""
    best = int(np.argmax(accuracy))
    return {
        "network": network,
        "final": float(accuracy[-1]),
        "best": np.nan if epochs is None else float(accuracy[best]),
        "best epoch": np.nan if epochs is None else str(int(epochs[best])),
        "above chance": "yes" if accuracy[-1] >= chance.threshold else "no",
    }


def map_table(
    statistics: pd.DataFrame, reliability: pd.DataFrame, *, n_top: int = 3
) -> pd.DataFrame:
    """Per map of one analysis: its significant channels and its split-half reliability.

    A map is one layer, band and class of the statistics table, of its
    :func:`summary_contrast`.

    Parameters
    ----------
    statistics : pandas.DataFrame
        ``statistics/<analysis>.csv`` (columns of
        :data:`eegvis.stats.tables.STATISTICS_COLUMNS`).
    reliability : pandas.DataFrame
        Its ``reliability`` rows (``split``, ``r_spearman_brown``), or the
        whole ``reliability.csv``.
    n_top : int
        How many of the significant channels to name (largest ``|t|`` first).

    Returns
    -------
    table : pandas.DataFrame
        One row per map: ``layer``, ``band``, ``class`` (columns without a
        value in any map left out), ``significant`` (``k of n``
        channels), ``top channels`` and ``reliability`` (Spearman-Brown
        corrected split-half correlation over subjects; NaN where none).
    """
    statistics = _keyed(statistics)
    statistics = statistics[statistics["contrast"] == summary_contrast(statistics)]
    reliable = _keyed(reliability)
    reliable = reliable[reliable["split"] == "subjects"].set_index(list(MAP_KEYS))
    rows = []
    for key, cells in statistics.groupby(list(MAP_KEYS), sort=False):
        significant = cells[cells["significant"].astype(bool)]
        top = significant.reindex(significant["t"].abs().sort_values(ascending=False).index)
        r = reliable["r_spearman_brown"].get(key, np.nan)
        rows.append(
            {
                **dict(zip(MAP_KEYS[2:], key[2:], strict=True)),
                "significant": f"{len(significant)} of {cells['channel'].nunique()}",
                "top channels": ", ".join(top["channel"].astype(str)[:n_top]),
                "reliability": float(r) if np.ndim(r) == 0 else float(np.asarray(r)[0]),
            }
        )
    table = pd.DataFrame(rows)
    shown = [c for c in MAP_KEYS[2:] if (table[c] != "").any()]
    return table[[*shown, "significant", "top channels", "reliability"]]


def summary_contrast(statistics: pd.DataFrame) -> str:
    """Return the network contrast an analysis is summarised by.

    Parameters
    ----------
    statistics : pandas.DataFrame
        ``statistics/<analysis>.csv``.

    Returns
    -------
    contrast : str
        The first of :data:`SUMMARY_CONTRASTS` in the table's ``contrast``
        column; ``""`` where the table has no network contrast (the
        envelope–class correlations).

    Raises
    ------
    ValueError
        If the table has network contrasts but none of :data:`SUMMARY_CONTRASTS`.
    """
    contrasts = set(statistics["contrast"].dropna().astype(str)) - {""}
    if not contrasts:
        return ""
    for contrast in SUMMARY_CONTRASTS:
        if contrast in contrasts:
            return contrast
    raise ValueError(f"no contrast of {SUMMARY_CONTRASTS} in the table: {sorted(contrasts)}")


def sanity_table(flags: pd.DataFrame) -> pd.DataFrame:
    """Tabulate each method's sanity checks with their verdict.

    Parameters
    ----------
    flags : pandas.DataFrame
        ``sanity/flags.csv`` (method, check, similarity, threshold, passed).

    Returns
    -------
    table : pandas.DataFrame
        ``method``, ``check``, ``similarity`` (mean Spearman similarity to the
        map of the intact network) and ``verdict`` (``passes`` below the
        threshold, else ``flagged (≥ threshold)``).
    """
    verdicts = [
        "passes" if passed else f"flagged (≥ {threshold:g})"
        for passed, threshold in zip(flags["passed"].astype(bool), flags["threshold"], strict=True)
    ]
    return flags[["method", "check", "similarity"]].assign(verdict=verdicts)


def _keyed(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with empty strings for the missing map keys (layer, class, ...)."""
    table = table.copy()
    for key in MAP_KEYS:
        table[key] = table[key].astype(object).where(table[key].notna(), "").astype(str)
    return table


def quality_table(quality: pd.DataFrame) -> pd.DataFrame:
    """Ground-truth scores of every method and network, averaged over the classes.

    Parameters
    ----------
    quality : pandas.DataFrame
        ``evaluation/attribution_quality.csv`` (method, network, class, mask,
        metric, value, chance, ...).

    Returns
    -------
    table : pandas.DataFrame
        One row per method, network and mask: per metric of
        :data:`QUALITY_METRICS` the mean over classes, then its chance level.
    """
    rows = quality[quality["metric"].isin(list(QUALITY_METRICS))]
    means = rows.groupby(["method", "network", "mask", "metric"], sort=False)[
        ["value", "chance"]
    ].mean()
    table = means["value"].unstack("metric")
    chances = means["chance"].unstack("metric").add_suffix(" chance")
    columns = [
        column
        for metric in QUALITY_METRICS
        for column in (metric, f"{metric} chance")
        if column in (*table.columns, *chances.columns)
    ]
    table = table.join(chances)[columns].reset_index()
    return table.rename(
        columns={
            **QUALITY_METRICS,
            **{f"{key} chance": f"{name} (chance)" for key, name in QUALITY_METRICS.items()},
        }
    )


@dataclass
class RunTables:
    """The tables of one run that the summary reads (see :func:`summary_page`).

    Attributes
    ----------
    epochs : pandas.DataFrame
        ``epochs/summary.csv``.
    classes : list of str
        The run's classes.
    histories : dict of str to pandas.DataFrame
        Network to its training history; empty for an imported network.
    statistics : dict of str to pandas.DataFrame
        Analysis to ``statistics/<analysis>.csv``.
    reliability : pandas.DataFrame
        ``reliability.csv``.
    reliance : pandas.DataFrame
        ``diagnostics/artifact_reliance.csv``.
    sanity : pandas.DataFrame | None
        ``sanity/flags.csv``; None without attribution methods.
    quality : pandas.DataFrame | None
        ``evaluation/attribution_quality.csv``; None without planted truth.
    """

    epochs: pd.DataFrame
    classes: list[str]
    histories: dict[str, pd.DataFrame]
    statistics: dict[str, pd.DataFrame]
    reliability: pd.DataFrame
    reliance: pd.DataFrame
    sanity: pd.DataFrame | None = None
    quality: pd.DataFrame | None = None


def summary_page(
    tables: RunTables,
    *,
    data_note: str,
    headline: str | os.PathLike,
    titles: Mapping[str, str] | None = None,
) -> str:
    """Assemble the results summary as reStructuredText.

    Parameters
    ----------
    tables : RunTables
        The run's tables.
    data_note : str
        The dataset and its citation, as under every figure.
    headline : path-like
        The headline figure (PNG), embedded in the page.
    titles : mapping of str to str | None
        Analysis to the heading of its table; the analysis name where missing.

    Returns
    -------
    rst : str
        A section ``Results summary`` with sub-sections, meant to open the
        report's landing page.
    """
    valid = tables.epochs[
        (tables.epochs["split"] == "valid") & ~tables.epochs["excluded"].astype(bool)
    ]
    parts = [
        PAGE_STYLE,
        _heading("Results summary", "="),
        f"{escape(data_note)}. Every number below is read from this run's tables.\n\n",
        _heading("Subjects and trials", "-"),
        list_table(split_table(tables.epochs, tables.classes)),
    ]
    parts.append(_heading("Decoding accuracy (validation trials)", "-"))
    if tables.histories:
        chance = chance_accuracy([valid[f"n_{name}"].sum() for name in tables.classes])
        parts.append(list_table(accuracy_table(tables.histories, chance)))
    else:
        parts.append("The network was imported, not trained here: no training history.\n\n")
    parts += [
        _heading("Envelope–activation correlation (the paper's Fig. 15)", "-"),
        embedded_image(headline, alt="Envelope-activation correlation per band and layer"),
        "Per layer and band, the correlation of the band-power envelopes with the "
        "units' activations, trained network minus its control (named in the "
        "title), averaged over subjects.\n\n",
        _heading("Maps: significant channels and split-half reliability", "-"),
        "Channels significant in a permutation test across subjects (family-wise "
        "corrected) and, per map, the Spearman-Brown corrected split-half "
        "correlation over subjects; a map below 0.5 should not be read channel by "
        "channel.\n\n",
    ]
    for analysis, statistics in tables.statistics.items():
        title = (titles or {}).get(analysis, analysis)
        contrast = summary_contrast(statistics)
        title += f" ({contrast.replace('-', ' − ')})" if contrast else ""
        rows = tables.reliability[tables.reliability["analysis"] == analysis]
        parts.append(list_table(map_table(statistics, rows), title=title))
    parts += [_heading("Artifact reliance", "-"), _reliance(tables.reliance)]
    if tables.sanity is not None:
        parts += [
            _heading("Which map to believe", "-"),
            "Sanity checks (Adebayo et al. 2018): a map that stays similar when the "
            "network's layers are re-initialised, or its labels shuffled, shows the "
            "data more than the network.\n\n",
            list_table(sanity_table(tables.sanity)),
        ]
    if tables.quality is not None:
        parts += [
            "Ground-truth scores against the planted effect (synthetic data), mean "
            "over classes; intervals per class in ``evaluation/attribution_quality.csv``.\n\n",
            list_table(quality_table(tables.quality), title="Attribution quality"),
        ]
    return "".join(parts)


def _reliance(reliance: pd.DataFrame) -> str:
    """Return the trained network's artifact-reliance warnings, or a note that there are none."""
    messages = reliance_warnings(reliance)
    if messages:
        return admonition("warning", messages)
    return (
        "No warning: in no map of the trained network do eye- or muscle-prone "
        "sites outweigh the sensorimotor ones or carry mostly slow (< 4 Hz) activity.\n\n"
    )


def _heading(title: str, underline: str) -> str:
    """Return a section heading of ``title`` underlined with ``underline``."""
    text = escape(title)
    return f"{text}\n{underline * len(text)}\n\n"
