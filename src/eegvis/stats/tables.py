"""The workflow's statistics and reliability tables of an analysis's test families.

:func:`statistics_table` tests every family across subjects
(:func:`eegvis.stats.one_sample.one_sample_test`); :func:`reliability_table`
gives each family's split-half reliability over subjects (and, for the
perturbation maps, over iterations).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse
import xarray as xr

from eegvis.stats.families import MapFamily, bands_by_name
from eegvis.stats.one_sample import one_sample_test
from eegvis.stats.reliability import split_half
from eegvis.utils.progress import progress

logger = logging.getLogger(__name__)

#: Columns of the statistics table, in order.
STATISTICS_COLUMNS = (
    "analysis",
    "contrast",
    "layer",
    "band",
    "class",
    "channel",
    "mean",
    "t",
    "p",
    "significant",
    "n_subjects",
    "method",
    "alpha",
    "n_permutations",
)


#: Columns of the reliability table, in order.
RELIABILITY_COLUMNS = (
    "analysis",
    "contrast",
    "layer",
    "band",
    "class",
    "split",
    "r",
    "r_spearman_brown",
    "n",
)


def statistics_table(
    families: Sequence[MapFamily],
    *,
    method: str = "tmax",
    n_permutations: int = 1024,
    alpha: float = 0.05,
    seed: int = 0,
    adjacency: scipy.sparse.spmatrix | None = None,
) -> pd.DataFrame:
    """Test every family across subjects; one row per (family, channel, band).

    Parameters
    ----------
    families : sequence of MapFamily
        Maps to test; each is one family for the correction.
    method, n_permutations, alpha, seed, adjacency
        As for :func:`eegvis.stats.one_sample.one_sample_test`.

    Returns
    -------
    table : pandas.DataFrame
        Columns :data:`STATISTICS_COLUMNS`.
    """
    frames = []
    for family in progress(families, desc=f"{method} tests", unit="map", logger=logger):
        test = one_sample_test(
            family.values,
            method=method,
            n_permutations=n_permutations,
            alpha=alpha,
            seed=seed,
            adjacency=adjacency,
        )
        channel, band = np.meshgrid(family.channels, family.bands, indexing="ij")
        frame = pd.DataFrame(
            {
                **family.labels,
                "band": band.ravel(),
                "channel": channel.ravel(),
                "mean": test.mean.ravel(),
                "t": test.t.ravel(),
                "p": test.p.ravel(),
                "significant": test.significant.ravel(),
                "n_subjects": test.n_subjects,
                "method": test.method,
                "alpha": alpha,
                "n_permutations": test.n_permutations,
            }
        )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)[list(STATISTICS_COLUMNS)]


def subject_reliability_table(families: Sequence[MapFamily]) -> pd.DataFrame:
    """Split-half reliability over subjects (odd vs even) of every family, per band.

    Parameters
    ----------
    families : sequence of MapFamily
        Maps whose reliability to estimate.

    Returns
    -------
    table : pandas.DataFrame
        Columns :data:`RELIABILITY_COLUMNS`; ``split`` is ``"subjects"``, ``r``
        the correlation across channels of the two half-means, ``n`` the
        number of subjects.
    """
    rows = []
    for family in families:
        for i, band in enumerate(family.bands):
            estimate = split_half(family.values[:, :, i])
            rows.append(
                {
                    **family.labels,
                    "band": band,
                    "split": "subjects",
                    "r": estimate.r,
                    "r_spearman_brown": estimate.r_spearman_brown,
                    "n": estimate.n,
                }
            )
    return pd.DataFrame(rows, columns=list(RELIABILITY_COLUMNS))


def iteration_reliability_table(
    results: Mapping[str, xr.Dataset], bands: Sequence[Mapping[str, float]]
) -> pd.DataFrame:
    """Split-half reliability over perturbation iterations (odd vs even) of the pooled maps.

    Parameters
    ----------
    results : mapping of str to xarray.Dataset
        Perturbation maps per network, with ``iteration_correlation``
        (iteration, channel, frequency, class).
    bands : sequence of mapping
        ``{name, low, high}`` in Hz.

    Returns
    -------
    table : pandas.DataFrame
        Columns :data:`RELIABILITY_COLUMNS`; ``split`` is ``"iterations"``,
        ``r`` the correlation across channels of the band maps of the two
        half-means, ``n`` the number of iterations.
    """
    rows = []
    for network, maps in results.items():
        means = maps.eegvis.band_means(bands_by_name(bands))["iteration_correlation"]
        for band in means["band"].values.astype(str):
            for klass in means["class"].values.astype(str):
                cells = means.sel(band=band, **{"class": klass}).transpose("iteration", "channel")
                estimate = split_half(cells.values)
                rows.append(
                    {
                        "analysis": "perturbation",
                        "contrast": network,
                        "layer": "",
                        "band": band,
                        "class": klass,
                        "split": "iterations",
                        "r": estimate.r,
                        "r_spearman_brown": estimate.r_spearman_brown,
                        "n": estimate.n,
                    }
                )
    return pd.DataFrame(rows, columns=list(RELIABILITY_COLUMNS))


def reliability_table(
    analysis: str,
    families: Sequence[MapFamily],
    results: Mapping[str, xr.Dataset],
    bands: Sequence[Mapping[str, float]],
) -> pd.DataFrame:
    """Split-half reliability of an analysis's maps: over subjects, and over iterations.

    Parameters
    ----------
    analysis : str
        The analysis; perturbation maps also get their reliability over
        iterations (:func:`iteration_reliability_table`).
    families : sequence of MapFamily
        Its test families (:func:`eegvis.stats.families.analysis_families`).
    results : mapping of str to xarray.Dataset
        Its maps per network.
    bands : sequence of mapping
        ``{name, low, high}`` in Hz.

    Returns
    -------
    table : pandas.DataFrame
        Columns :data:`RELIABILITY_COLUMNS`.
    """
    table = subject_reliability_table(families)
    if analysis != "perturbation":
        return table
    return pd.concat([table, iteration_reliability_table(results, bands)], ignore_index=True)
