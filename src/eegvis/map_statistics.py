"""Per-subject maps of every analysis as test families: statistics and reliability tables.

Each analysis keeps one map per subject (channels × bands, per layer or class
and per network). A *family* is one such map across subjects: the unit of a
one-sample test across subjects (:func:`eegvis.statistics.one_sample_test`,
corrected over the family's channels and bands) and of its split-half
reliability (:func:`eegvis.reliability.split_half`, per band across channels).

Contrasts: every network alone (``"trained"``, ``"untrained"``,
``"shuffled"``) and ``"trained-<control>"``, the per-subject paired difference
of the trained network's map and a control network's. Envelope–class maps
involve no network; their contrast is empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse
import xarray as xr

import eegvis.maps  # noqa: F401  (registers the .eegvis accessor)
from eegvis.reliability import split_half
from eegvis.statistics import one_sample_test

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


@dataclass(frozen=True)
class MapFamily:
    """One map per subject: the unit of a test and of a reliability estimate.

    Attributes
    ----------
    analysis : str
        ``envelope_activation``, ``envelope_class``, ``gradient`` or ``perturbation``.
    contrast : str
        Network or ``trained-<control>``; empty for envelope-class maps.
    layer : str
        Layer of the network (envelope-activation maps), else empty.
    klass : str
        Class (envelope-class, gradient and perturbation maps), else empty.
    subjects : numpy.ndarray, shape (n_subjects,)
        Subject numbers.
    channels : tuple of str
        Channel names.
    bands : tuple of str
        Band names.
    values : numpy.ndarray, shape (n_subjects, n_channels, n_bands)
        Each subject's map.
    """

    analysis: str
    contrast: str
    layer: str
    klass: str
    subjects: np.ndarray
    channels: tuple[str, ...]
    bands: tuple[str, ...]
    values: np.ndarray

    @property
    def labels(self) -> dict[str, str]:
        """The identifying columns of this family in the tables."""
        return {
            "analysis": self.analysis,
            "contrast": self.contrast,
            "layer": self.layer,
            "class": self.klass,
        }


def subject_selection(maps: xr.Dataset, subjects: str) -> np.ndarray:
    """Boolean mask of the subjects the statistics use.

    Parameters
    ----------
    maps : xarray.Dataset
        Maps with the ``split`` coordinate (``"train"`` or ``"valid"`` per subject).
    subjects : {"all", "train", "valid"}
        The config's ``statistics.subjects``.

    Returns
    -------
    mask : numpy.ndarray of bool, shape (n_subjects,)
    """
    splits = maps["split"].values.astype(str)
    if subjects == "all":
        return np.ones(len(splits), dtype=bool)
    if subjects not in ("train", "valid"):
        raise ValueError(f"subjects must be 'all', 'train' or 'valid', got {subjects!r}")
    return splits == subjects


def contrasts(maps: Mapping[str, np.ndarray], controls: Sequence[str]) -> dict[str, np.ndarray]:
    """Every network's maps and each trained − control paired difference.

    Parameters
    ----------
    maps : mapping of str to ndarray
        Per-subject maps of ``"trained"`` and of each control, all of one shape
        with the subjects on the first axis in the same order.
    controls : sequence of str
        Control networks, e.g. ``["untrained", "shuffled"]``.

    Returns
    -------
    contrasts : dict of str to ndarray
        ``"trained"``, each control, then ``"trained-<control>"`` per control.
    """
    result = {name: maps[name] for name in ("trained", *controls)}
    for control in controls:
        result[f"trained-{control}"] = maps["trained"] - maps[control]
    return result


def envelope_activation_families(
    results: Mapping[str, xr.Dataset],
    controls: Sequence[str],
    subjects: str = "all",
) -> list[MapFamily]:
    """Families of mean-over-units envelope–activation correlation maps.

    Parameters
    ----------
    results : mapping of str to xarray.Dataset
        Envelope-activation maps of ``"trained"`` and each control network.
    controls : sequence of str
        Control networks.
    subjects : {"all", "train", "valid"}
        Subjects to keep.

    Returns
    -------
    families : list of MapFamily
        One per contrast and layer: values (n_subjects, n_channels, n_bands),
        each subject's correlation averaged over the layer's units.
    """
    trained = results["trained"]
    keep = subject_selection(trained, subjects)
    order = ("subject", "channel", "band", "layer")
    per_model = {
        name: maps["correlation"].transpose(*order).values[keep] for name, maps in results.items()
    }
    families = []
    for i, layer in enumerate(trained["layer"].values.astype(str)):
        for contrast, values in contrasts(per_model, controls).items():
            families.append(
                _family(trained, "envelope_activation", contrast, layer, "", keep, values[..., i])
            )
    return families


def envelope_class_families(maps: xr.Dataset, subjects: str = "all") -> list[MapFamily]:
    """Families of envelope–class correlation maps, one per class.

    Parameters
    ----------
    maps : xarray.Dataset
        Envelope-class maps (``correlation``: subject, channel, band, class).
    subjects : {"all", "train", "valid"}
        Subjects to keep.

    Returns
    -------
    families : list of MapFamily
    """
    keep = subject_selection(maps, subjects)
    values = maps["correlation"].transpose("subject", "channel", "band", "class").values[keep]
    return [
        _family(maps, "envelope_class", "", "", klass, keep, values[..., i])
        for i, klass in enumerate(maps["class"].values.astype(str))
    ]


def _band_dict(bands: Sequence[Mapping[str, float]]) -> dict[str, tuple[float, float]]:
    return {band["name"]: (band["low"], band["high"]) for band in bands}


def spectral_families(
    analysis: str,
    results: Mapping[str, xr.Dataset],
    bands: Sequence[Mapping[str, float]],
    controls: Sequence[str],
    subjects: str = "all",
) -> list[MapFamily]:
    """Families of band-mean gradient or perturbation maps, one per contrast and class.

    Parameters
    ----------
    analysis : {"gradient", "attribution", "perturbation"}
        Which analysis ``results`` hold (per-subject maps with a ``frequency`` dimension).
    results : mapping of str to xarray.Dataset
        Maps of ``"trained"`` and each control network.
    bands : sequence of mapping
        ``{name, low, high}`` in Hz; each map is averaged over the bins of a band.
    controls : sequence of str
        Control networks.
    subjects : {"all", "train", "valid"}
        Subjects to keep.

    Returns
    -------
    families : list of MapFamily
        Values (n_subjects, n_channels, n_bands).
    """
    trained = results["trained"]
    keep = subject_selection(trained, subjects)
    order = ("subject", "channel", "band", "class")
    per_model = {
        name: maps.eegvis.band_means(_band_dict(bands)).eegvis.map.transpose(*order).values[keep]
        for name, maps in results.items()
    }
    band_names = [b["name"] for b in bands]
    families = []
    for contrast, values in contrasts(per_model, controls).items():
        for i, klass in enumerate(trained["class"].values.astype(str)):
            families.append(
                _family(
                    trained, analysis, contrast, "", klass, keep, values[..., i], bands=band_names
                )
            )
    return families


def attribution_results(results: Mapping[str, xr.Dataset]) -> dict[str, xr.Dataset]:
    """Gradient maps whose per-subject map is the gradient attribution.

    Per subject, the mean amplitude gradient of class ``k`` times the class
    difference of the mean amplitude (``amplitude_difference``, see
    :func:`eegvis.gradients.class_amplitude_difference`): the first-order
    change of class ``k``'s prediction due to the amplitude difference between
    class ``k``'s crops and the others at each (channel, frequency). Where the
    data hold no class difference the difference is symmetric around zero
    whatever the network (the labels could be exchanged), so the sign-flip
    test across subjects is calibrated for any network; the plain gradient of a
    fixed network is not zero-mean under that null (every subject sees the
    same network).

    Parameters
    ----------
    results : mapping of str to xarray.Dataset
        Gradient maps per network.

    Returns
    -------
    results : dict of str to xarray.Dataset
        Per network, the per-subject map ``attribution`` (attrs ``map``).
    """
    attributed = {}
    for name, maps in results.items():
        attribution = maps["gradient"] * maps["amplitude_difference"]
        attributed[name] = xr.Dataset(
            {"attribution": attribution},
            attrs={**maps.attrs, "analysis": "attribution", "map": "attribution"},
        )
    return attributed


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
        As for :func:`eegvis.statistics.one_sample_test`.

    Returns
    -------
    table : pandas.DataFrame
        Columns :data:`STATISTICS_COLUMNS`.
    """
    frames = []
    for family in families:
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
        means = maps.eegvis.band_means(_band_dict(bands))["iteration_correlation"]
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


def _family(
    maps: xr.Dataset,
    analysis: str,
    contrast: str,
    layer: str,
    klass: str,
    keep: np.ndarray,
    values: np.ndarray,
    bands: Sequence[str] | None = None,
) -> MapFamily:
    """Build a family with the labels of a maps dataset."""
    return MapFamily(
        analysis=analysis,
        contrast=contrast,
        layer=layer,
        klass=klass,
        subjects=maps["subject"].values[keep],
        channels=tuple(maps["channel"].values.astype(str)),
        bands=tuple(maps["band"].values.astype(str)) if bands is None else tuple(bands),
        values=np.asarray(values, dtype=float),
    )
