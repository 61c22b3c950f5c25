"""Per-subject maps of every analysis as test families: statistics and reliability tables.

Each analysis keeps one map per subject (channels × bands, per layer or class
and per network). A *family* is one such map across subjects: the unit of a
one-sample test across subjects (:func:`eegvis.stats.one_sample.one_sample_test`,
corrected over the family's channels and bands) and of its split-half
reliability (:func:`eegvis.stats.reliability.split_half`, per band across channels).

Contrasts: every network alone (``"trained"``, ``"untrained"``,
``"shuffled"``) and ``"trained-<control>"``, the per-subject paired difference
of the trained network's map and a control network's. Envelope–class maps
involve no network; their contrast is empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

import eegvis.maps  # noqa: F401  (registers the .eegvis accessor)
from eegvis.analyses.methods import METHODS
from eegvis.utils.docs import fill_doc


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


def map_families(data: xr.DataArray, family: str | None = None) -> list[xr.DataArray]:
    """Split a per-subject map into its test families.

    The one place that decides what a family is: the ``.eegvis.test()``
    accessor and the workflow's statistics tables (through the ``*_families``
    builders) both call it.

    Parameters
    ----------
    data : xarray.DataArray
        Per-subject map with dimensions ``subject`` and ``channel``.
    family : str | None
        Dimension whose every value is a separate family; None: the whole map
        is one family.

    Returns
    -------
    families : list of xarray.DataArray
        Each with dimensions ``(subject, channel, ...)``, the family dimension
        dropped (its value kept as a scalar coordinate).
    """
    if "subject" not in data.dims or "channel" not in data.dims:
        raise ValueError(f"a map to test needs dimensions subject and channel, got {data.dims}")
    if family is None:
        groups = [data]
    elif family not in data.dims:
        raise ValueError(f"family {family!r} is not a dimension of the map {data.dims}")
    else:
        groups = [data.isel({family: i}) for i in range(data.sizes[family])]
    return [group.transpose("subject", "channel", ...) for group in groups]


@fill_doc
def analysis_families(
    analysis: str,
    results: Mapping[str, xr.Dataset],
    bands: Sequence[Mapping[str, float]],
    controls: Sequence[str],
    subjects: str = "all",
) -> list[MapFamily]:
    """Return the test families of one analysis of the workflow.

    Parameters
    ----------
    analysis : str
        ``"envelope_class"``, ``"envelope_activation"``, ``"gradient"``,
        ``"attribution"`` (computed from the gradient maps, see
        :func:`attribution_results`), ``"perturbation"`` or an attribution method
        (:data:`eegvis.analyses.methods.METHODS`, its maps from
        :func:`eegvis.analyses.attribution_maps.attribution_subjects`).
    results : mapping of str to xarray.Dataset
        Its maps: ``{"envelope_class": maps}``, else per network.
    bands : sequence of mapping
        ``{name, low, high}`` in Hz (spectral analyses).
    %(controls)s
    %(kept_subjects)s

    Returns
    -------
    families : list of MapFamily
    """
    if analysis == "envelope_class":
        return envelope_class_families(results["envelope_class"], subjects)
    if analysis == "envelope_activation":
        return envelope_activation_families(results, controls, subjects)
    if analysis == "attribution":
        return spectral_families(analysis, attribution_results(results), bands, controls, subjects)
    if analysis in ("gradient", "perturbation", *METHODS):
        return spectral_families(analysis, results, bands, controls, subjects)
    raise ValueError(f"unknown analysis {analysis!r}")


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


@fill_doc
def contrasts(maps: Mapping[str, np.ndarray], controls: Sequence[str]) -> dict[str, np.ndarray]:
    """Every network's maps and each trained − control paired difference.

    Parameters
    ----------
    maps : mapping of str to ndarray
        Per-subject maps of ``"trained"`` and of each control, all of one shape
        with the subjects on the first axis in the same order.
    %(controls)s

    Returns
    -------
    contrasts : dict of str to ndarray
        ``"trained"``, each control, then ``"trained-<control>"`` per control.
    """
    result = {name: maps[name] for name in ("trained", *controls)}
    for control in controls:
        result[f"trained-{control}"] = maps["trained"] - maps[control]
    return result


@fill_doc
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
    %(controls)s
    %(kept_subjects)s

    Returns
    -------
    families : list of MapFamily
        One per contrast and layer: values (n_subjects, n_channels, n_bands),
        each subject's correlation averaged over the layer's units.
    """
    trained = results["trained"]
    keep = subject_selection(trained, subjects)
    per_model = {
        name: map_families(maps["correlation"].isel(subject=keep), "layer")
        for name, maps in results.items()
    }
    families = []
    for i, layer in enumerate(trained["layer"].values.astype(str)):
        layer_maps = {name: _cells(groups[i]) for name, groups in per_model.items()}
        for contrast, values in contrasts(layer_maps, controls).items():
            families.append(
                _family(trained, "envelope_activation", contrast, layer, "", keep, values)
            )
    return families


@fill_doc
def envelope_class_families(maps: xr.Dataset, subjects: str = "all") -> list[MapFamily]:
    """Families of envelope–class correlation maps, one per class.

    Parameters
    ----------
    maps : xarray.Dataset
        Envelope-class maps (``correlation``: subject, channel, band, class).
    %(kept_subjects)s

    Returns
    -------
    families : list of MapFamily
    """
    keep = subject_selection(maps, subjects)
    groups = map_families(maps["correlation"].isel(subject=keep), "class")
    return [
        _family(maps, "envelope_class", "", "", klass, keep, _cells(group))
        for klass, group in zip(maps["class"].values.astype(str), groups, strict=True)
    ]


def bands_by_name(bands: Sequence[Mapping[str, float]]) -> dict[str, tuple[float, float]]:
    """Return the config's bands (``{name, low, high}``) as ``{name: (low, high)}``."""
    return {band["name"]: (band["low"], band["high"]) for band in bands}


@fill_doc
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
    %(controls)s
    %(kept_subjects)s

    Returns
    -------
    families : list of MapFamily
        Values (n_subjects, n_channels, n_bands).
    """
    trained = results["trained"]
    keep = subject_selection(trained, subjects)
    per_model = {
        name: map_families(
            maps.eegvis.band_means(bands_by_name(bands)).eegvis.map.isel(subject=keep), "class"
        )
        for name, maps in results.items()
    }
    band_names = [b["name"] for b in bands]
    per_class = [
        contrasts({name: _cells(groups[i]) for name, groups in per_model.items()}, controls)
        for i in range(trained.sizes["class"])
    ]
    families = []
    for contrast in per_class[0]:
        for klass, maps in zip(trained["class"].values.astype(str), per_class, strict=True):
            families.append(
                _family(trained, analysis, contrast, "", klass, keep, maps[contrast], band_names)
            )
    return families


def attribution_results(results: Mapping[str, xr.Dataset]) -> dict[str, xr.Dataset]:
    """Gradient maps whose per-subject map is the gradient attribution.

    Per subject, the mean amplitude gradient of class ``k`` times the class
    difference of the mean amplitude (``amplitude_difference``, see
    :func:`eegvis.analyses.gradients.class_amplitude_difference`): the first-order
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


def _cells(group: xr.DataArray) -> np.ndarray:
    """Return a family's values as (subject, channel, band)."""
    return group.transpose("subject", "channel", "band").values


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
