"""One table comparing an analysis with its artifact-control variants.

Per variant (``raw`` for the analysis itself) and network: the validation
accuracy, the number of channels, the shares of the class contrast's
``|attribution|`` per scalp region and per frequency range (from the
artifact-reliance table), and the channels significant in each spectral
analysis's statistics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from eegvis.diagnostics.artifact_reliance import class_contrasts

#: Columns of the comparison table before the region and frequency shares.
KEY_COLUMNS = ("variant", "network", "analysis", "accuracy", "n_channels", "n_subjects")


def final_accuracy(history: pd.DataFrame) -> float:
    """Return the validation accuracy after the last epoch of a training history.

    Parameters
    ----------
    history : pandas.DataFrame
        ``models/history.csv``: one row per epoch with ``valid_misclass``.

    Returns
    -------
    accuracy : float
        ``1 - valid_misclass`` of the last epoch.
    """
    return float(1.0 - history["valid_misclass"].iloc[-1])


def significant_channels(statistics: pd.DataFrame, contrast: str) -> str:
    """Channels significant for a contrast in any band or class, ``;``-joined in table order.

    Parameters
    ----------
    statistics : pandas.DataFrame
        A ``statistics/<analysis>.csv`` table.
    contrast : str
        Its ``contrast`` column's value, e.g. ``"trained-untrained"``.

    Returns
    -------
    channels : str
        Empty when none is significant.
    """
    rows = statistics[(statistics["contrast"] == contrast) & statistics["significant"]]
    return ";".join(dict.fromkeys(rows["channel"].astype(str)))


def compare_variants(
    reliance: Mapping[str, pd.DataFrame],
    statistics: Mapping[str, Mapping[str, pd.DataFrame]],
    epochs: Mapping[str, pd.DataFrame],
    histories: Mapping[str, Mapping[str, pd.DataFrame]] | None = None,
    networks: Sequence[str] = ("trained", "untrained"),
) -> pd.DataFrame:
    """Compare variants: accuracy, channels, artifact-reliance shares, significant channels.

    Parameters
    ----------
    reliance : mapping of str to pandas.DataFrame
        Variant to its artifact-reliance table (columns analysis, contrast,
        class, region, frequency_range, share, n_channels).
    statistics : mapping of str to mapping of str to pandas.DataFrame
        Variant to analysis (``gradient``, ``attribution``) to its statistics table.
    epochs : mapping of str to pandas.DataFrame
        Variant to its ``epochs/summary.csv`` (one row per subject, ``excluded``).
    histories : mapping of str to mapping of str to pandas.DataFrame | None
        Variant to network to its training history (networks without one,
        e.g. the untrained control, get NaN accuracy); None: no accuracy.
    networks : sequence of str
        Networks to compare.

    Returns
    -------
    table : pandas.DataFrame
        One row per variant, network and analysis: :data:`KEY_COLUMNS`, then
        ``share_<region>`` per scalp region and ``share_<frequency range>``
        (each the share of the class contrast's ``|map|``), then
        ``significant_channels`` (trained − untrained contrast for the
        trained network, the network alone otherwise).
    """
    rows = []
    for variant, table in reliance.items():
        label = class_contrasts(table["class"])[0]
        n_channels = int(table.drop_duplicates("region")["n_channels"].sum())
        summary = epochs[variant]
        n_subjects = int((~summary["excluded"].astype(bool)).sum())
        for network in networks:
            history = (histories or {}).get(variant, {}).get(network)
            accuracy = np.nan if history is None else final_accuracy(history)
            for analysis, analysis_statistics in statistics[variant].items():
                selected = table[
                    (table["analysis"] == analysis)
                    & (table["contrast"] == network)
                    & (table["class"].astype(str) == label)
                ]
                if selected.empty:
                    continue
                regions = selected.groupby("region", sort=False)["share"].sum()
                ranges = selected.groupby("frequency_range", sort=False)["share"].sum()
                tested = "trained-untrained" if network == "trained" else network
                rows.append(
                    {
                        "variant": variant,
                        "network": network,
                        "analysis": analysis,
                        "accuracy": accuracy,
                        "n_channels": n_channels,
                        "n_subjects": n_subjects,
                        **{f"share_{region}": share for region, share in regions.items()},
                        **{f"share_{band}": share for band, share in ranges.items()},
                        "significant_channels": significant_channels(analysis_statistics, tested),
                    }
                )
    return pd.DataFrame(rows)
