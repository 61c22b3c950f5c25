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

from eegvis.perturbation import band_mean
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


def subject_selection(arrays: Mapping[str, np.ndarray], subjects: str) -> np.ndarray:
    """Boolean mask of the subjects the statistics use.

    Parameters
    ----------
    arrays : mapping
        A result file's arrays with ``splits`` (``"train"`` or ``"valid"`` per subject).
    subjects : {"all", "train", "valid"}
        The config's ``statistics.subjects``.

    Returns
    -------
    mask : numpy.ndarray of bool, shape (n_subjects,)
    """
    splits = np.asarray(arrays["splits"]).astype(str)
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
    results: Mapping[str, Mapping[str, np.ndarray]],
    controls: Sequence[str],
    subjects: str = "all",
) -> list[MapFamily]:
    """Families of mean-over-units envelope–activation correlation maps.

    Parameters
    ----------
    results : mapping of str to mapping
        Envelope-activation arrays of ``"trained"`` and each control network.
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
    families = []
    for layer in trained["layers"].astype(str):
        per_model = {
            name: np.nanmean(arrays[f"subject_corr/{layer}"][keep], axis=-1)
            for name, arrays in results.items()
        }
        for contrast, values in contrasts(per_model, controls).items():
            families.append(
                _family(trained, "envelope_activation", contrast, layer, "", keep, values)
            )
    return families


def envelope_class_families(
    arrays: Mapping[str, np.ndarray], subjects: str = "all"
) -> list[MapFamily]:
    """Families of envelope–class correlation maps, one per class.

    Parameters
    ----------
    arrays : mapping
        Envelope-class arrays (``subject_corr`` of shape (n_subjects,
        n_channels, n_bands, n_classes)).
    subjects : {"all", "train", "valid"}
        Subjects to keep.

    Returns
    -------
    families : list of MapFamily
    """
    keep = subject_selection(arrays, subjects)
    return [
        _family(arrays, "envelope_class", "", "", klass, keep, arrays["subject_corr"][keep, ..., i])
        for i, klass in enumerate(arrays["classes"].astype(str))
    ]


def spectral_families(
    analysis: str,
    results: Mapping[str, Mapping[str, np.ndarray]],
    bands: Sequence[Mapping[str, float]],
    controls: Sequence[str],
    subjects: str = "all",
) -> list[MapFamily]:
    """Families of band-mean gradient or perturbation maps, one per contrast and class.

    Parameters
    ----------
    analysis : {"gradient", "perturbation"}
        Which analysis ``results`` hold (per-subject maps ``subject_maps`` of
        shape (n_subjects, n_channels, n_freqs, n_classes), frequencies ``freqs``).
    results : mapping of str to mapping
        Arrays of ``"trained"`` and each control network.
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
    per_model = {
        name: np.stack(
            [
                np.stack(
                    [band_mean(m, arrays["freqs"], b["low"], b["high"]) for b in bands], axis=1
                )
                for m in arrays["subject_maps"][keep]
            ]
        )  # (n_subjects, n_channels, n_bands, n_classes)
        for name, arrays in results.items()
    }
    band_names = [b["name"] for b in bands]
    families = []
    for contrast, values in contrasts(per_model, controls).items():
        for i, klass in enumerate(trained["classes"].astype(str)):
            families.append(
                _family(
                    trained, analysis, contrast, "", klass, keep, values[..., i], bands=band_names
                )
            )
    return families


def attribution_results(
    results: Mapping[str, Mapping[str, np.ndarray]],
) -> dict[str, dict[str, np.ndarray]]:
    """Gradient results whose per-subject maps are the gradient attribution.

    Per subject, the mean amplitude gradient of class ``k`` times the class
    difference of the mean amplitude (``subject_amplitude_differences``, see
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
    results : mapping of str to mapping
        Gradient arrays per network.

    Returns
    -------
    results : dict of str to dict
        The same arrays, ``subject_maps`` replaced by the attribution.
    """
    return {
        name: {
            **arrays,
            "subject_maps": arrays["subject_maps"] * arrays["subject_amplitude_differences"],
        }
        for name, arrays in results.items()
    }


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
    results: Mapping[str, Mapping[str, np.ndarray]], bands: Sequence[Mapping[str, float]]
) -> pd.DataFrame:
    """Split-half reliability over perturbation iterations (odd vs even) of the pooled maps.

    Parameters
    ----------
    results : mapping of str to mapping
        Perturbation arrays per network, with ``iteration_maps`` of shape
        (n_iterations, n_channels, n_freqs, n_classes).
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
    for network, arrays in results.items():
        for band in bands:
            maps = np.stack(
                [
                    band_mean(m, arrays["freqs"], band["low"], band["high"])
                    for m in arrays["iteration_maps"]
                ]
            )  # (n_iterations, n_channels, n_classes)
            for i, klass in enumerate(arrays["classes"].astype(str)):
                estimate = split_half(maps[..., i])
                rows.append(
                    {
                        "analysis": "perturbation",
                        "contrast": network,
                        "layer": "",
                        "band": band["name"],
                        "class": klass,
                        "split": "iterations",
                        "r": estimate.r,
                        "r_spearman_brown": estimate.r_spearman_brown,
                        "n": estimate.n,
                    }
                )
    return pd.DataFrame(rows, columns=list(RELIABILITY_COLUMNS))


def _family(
    arrays: Mapping[str, np.ndarray],
    analysis: str,
    contrast: str,
    layer: str,
    klass: str,
    keep: np.ndarray,
    values: np.ndarray,
    bands: Sequence[str] | None = None,
) -> MapFamily:
    """Build a family with the labels of a result file."""
    return MapFamily(
        analysis=analysis,
        contrast=contrast,
        layer=layer,
        klass=klass,
        subjects=np.asarray(arrays["subjects"])[keep],
        channels=tuple(arrays["channels"].astype(str)),
        bands=tuple(arrays["bands"].astype(str)) if bands is None else tuple(bands),
        values=np.asarray(values, dtype=float),
    )
