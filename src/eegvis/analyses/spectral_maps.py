"""Spectral maps: amplitude gradients and amplitude perturbations, per subject and pooled.

:func:`gradient_maps` and :func:`perturbation_maps` run on an ``mne.Epochs``;
:func:`gradient_subjects` and :func:`perturbation_subjects`, which the workflow
calls, on one subject's trials at a time (see :mod:`eegvis.analyses`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Literal

import mne
import numpy as np
import xarray as xr
from torch import nn

from eegvis.analyses._labelled import (
    common_coords,
    crop_geometry,
    labelled_crops,
    map_attrs,
    on_epochs,
    spectral_coords,
    stack_subjects,
    subject_crops,
)
from eegvis.analyses._noise import Perturbation
from eegvis.analyses._spill import spilled_rows
from eegvis.analyses.gradients import amplitude_gradients, class_amplitude_difference
from eegvis.analyses.perturbation import PerturbationMaps, perturbation_correlations
from eegvis.data.subjects import SubjectTrials
from eegvis.models.layers import LayerGeometry
from eegvis.utils.docs import fill_doc
from eegvis.utils.progress import progress

logger = logging.getLogger(__name__)


@fill_doc
def gradient_maps(
    model: nn.Module,
    epochs: mne.BaseEpochs,
    *,
    classes: Sequence[str] | None = None,
    units: str = "uV",
    input_length: int | None = None,
    batch_size: int = 64,
    strip_log_softmax: bool = True,
) -> xr.Dataset:
    """Amplitude-gradient maps: d(class score)/d(spectral amplitude), per subject.

    Parameters
    ----------
    %(model)s
    %(epochs)s
    %(classes)s
    %(units)s
    %(input_length)s
    batch_size : int
        Crops per forward and backward pass.
    %(strip_log_softmax)s

    Returns
    -------
    maps : xarray.Dataset
        See :func:`gradient_subjects` and :func:`eegvis.analyses.gradients.amplitude_gradients`.
    """
    return on_epochs(
        gradient_subjects,
        model,
        epochs,
        classes,
        units,
        strip_log_softmax,
        input_length=input_length,
        batch_size=batch_size,
    )


def gradient_subjects(
    model: nn.Module,
    subjects: Iterable[SubjectTrials],
    info: mne.Info,
    classes: Sequence[str],
    *,
    input_length: int | None = None,
    batch_size: int = 64,
    strip_log_softmax: bool = True,
    network: str = "",
) -> xr.Dataset:
    """Amplitude-gradient maps of ``subjects`` (see :func:`gradient_maps`).

    Returns
    -------
    maps : xarray.Dataset
        ``gradient`` (subject, channel, frequency, class), ``pooled`` (the
        crop-weighted mean over subjects) and ``amplitude_difference`` (each
        subject's class difference of mean spectral amplitude, for attributions).
    """
    length, prediction = crop_geometry(model, info, input_length)
    done, maps, differences, n_crops = [], [], [], []
    freqs = None
    for trials in progress(subjects, desc="gradient maps", logger=logger):
        crops, labels = labelled_crops(trials, length, prediction)
        gradient, freqs = amplitude_gradients(
            model, crops, info["sfreq"], batch_size=batch_size, strip_log_softmax=strip_log_softmax
        )
        maps.append(gradient)
        differences.append(class_amplitude_difference(crops, labels, len(classes)))
        n_crops.append(len(crops))
        done.append((trials.subject, trials.split))
    subject_maps = stack_subjects(maps, "gradient maps")
    dims = ("subject", "channel", "frequency", "class")
    data = {
        "gradient": (dims, subject_maps),
        "pooled": (dims[1:], np.average(subject_maps, axis=0, weights=n_crops)),
        "amplitude_difference": (dims, np.stack(differences)),
    }
    coords = spectral_coords(common_coords(info, done), freqs, classes)
    coords["n_crops"] = ("subject", np.array(n_crops))
    return xr.Dataset(data, coords, map_attrs("gradient", "gradient", network, info, length))


@fill_doc
def perturbation_maps(
    model: nn.Module,
    epochs: mne.BaseEpochs,
    *,
    classes: Sequence[str] | None = None,
    units: str = "uV",
    input_length: int | None = None,
    n_iterations: int | Literal["auto"] = "auto",
    target_reliability: float = 0.9,
    max_iterations: int = 100,
    reliability_band: tuple[float, float] | None = None,
    perturbation: Perturbation = "additive",
    batch_size: int = 64,
    seed: int = 0,
    strip_log_softmax: bool = True,
) -> xr.Dataset:
    """Amplitude-perturbation maps, per subject and pooled over all subjects' crops.

    Parameters
    ----------
    %(model)s
    %(epochs)s
    %(classes)s
    %(units)s
    %(input_length)s
    n_iterations, target_reliability, max_iterations, reliability_band, perturbation, seed
        See :func:`eegvis.analyses.perturbation.perturbation_correlations`; ``"auto"``
        iterates until the maps' split-half reliability reaches the target.
    batch_size : int
        Crops per forward pass.
    %(strip_log_softmax)s

    Returns
    -------
    maps : xarray.Dataset
        See :func:`perturbation_subjects`.
    """
    return on_epochs(
        perturbation_subjects,
        model,
        epochs,
        classes,
        units,
        strip_log_softmax,
        input_length=input_length,
        n_iterations=n_iterations,
        target_reliability=target_reliability,
        max_iterations=max_iterations,
        reliability_band=reliability_band,
        perturbation=perturbation,
        batch_size=batch_size,
        seed=seed,
    )


def perturbation_subjects(
    model: nn.Module,
    subjects: Iterable[SubjectTrials],
    info: mne.Info,
    classes: Sequence[str],
    *,
    pooled: Literal["all", "train", "valid"] = "all",
    input_length: int | None = None,
    n_iterations: int | Literal["auto"] = 12,
    target_reliability: float = 0.9,
    max_iterations: int = 100,
    reliability_band: tuple[float, float] | None = None,
    perturbation: Perturbation = "additive",
    batch_size: int = 64,
    seed: int = 0,
    strip_log_softmax: bool = True,
    network: str = "",
) -> xr.Dataset:
    """Amplitude-perturbation maps of ``subjects`` (see :func:`perturbation_maps`).

    Every iteration perturbs the crops of all subjects. They are collected one
    subject at a time in a temporary file in ``$TMPDIR`` and read back
    memory-mapped (:func:`eegvis.analyses._spill.spilled_rows`), so memory does not grow
    with the number of subjects; the file (4 bytes per crop sample and
    channel in float32) is deleted at the end.

    Parameters
    ----------
    pooled : {"all", "train", "valid"}
        The subjects (by :attr:`SubjectTrials.split`) whose crops make the pooled map.

    Returns
    -------
    maps : xarray.Dataset
        ``correlation`` (subject, channel, frequency, class), ``pooled`` and
        ``iteration_correlation`` (iteration, channel, frequency, class); attrs
        ``n_iterations``, ``pooled_subjects`` and ``iteration_reliability``
        (Spearman–Brown corrected split-half r after each iteration).
    """
    length, prediction = crop_geometry(model, info, input_length)
    crops = _SubjectCrops(subjects, length, prediction)
    with spilled_rows(crops) as X:
        if not crops.done:
            raise ValueError("no subject with trials for the perturbation maps")
        groups = np.concatenate(crops.groups)
        logger.info("%d crops of %d samples from %d subjects", len(groups), length, len(crops.done))
        result = perturbation_correlations(
            model,
            X,
            info["sfreq"],
            groups=groups,
            pooled=_in_pool(groups, dict(crops.done), pooled),
            n_iterations=n_iterations,
            target_reliability=target_reliability,
            max_iterations=max_iterations,
            reliability_band=reliability_band,
            perturbation=perturbation,
            batch_size=batch_size,
            seed=seed,
            strip_log_softmax=strip_log_softmax,
        )
    dataset = _perturbation_dataset(result, info, crops.done, groups, classes)
    dataset.attrs = map_attrs("perturbation", "correlation", network, info, length)
    dataset.attrs.update(
        kind=perturbation,
        n_iterations=result.n_iterations,
        seed=seed,
        pooled_subjects=pooled,
        iteration_reliability=result.split_half_r_sb,
    )
    return dataset


class _SubjectCrops:
    """Each subject's crops, one subject at a time, recording whose they are.

    Parameters
    ----------
    subjects : iterable of SubjectTrials
        Consumed once, by iterating over this object.
    length : int
        The network's input window in samples.
    prediction : LayerGeometry
        The geometry of the network's predictions (the step between windows).

    Attributes
    ----------
    groups : list of numpy.ndarray
        Per subject so far, its number repeated for each of its crops.
    done : list of (int, str)
        Per subject so far, its number and split.
    """

    def __init__(
        self, subjects: Iterable[SubjectTrials], length: int, prediction: LayerGeometry
    ) -> None:
        self.subjects, self.length, self.prediction = subjects, length, prediction
        self.groups: list[np.ndarray] = []
        self.done: list[tuple[int, str]] = []

    def __iter__(self) -> Iterator[np.ndarray]:
        """Yield each subject's crops, (n_crops, n_channels, length)."""
        for trials in progress(self.subjects, desc="perturbation crops", logger=logger):
            crops = subject_crops(trials.X, self.length, self.prediction)
            self.groups.append(np.full(len(crops), trials.subject))
            self.done.append((trials.subject, trials.split))
            yield crops


def _in_pool(groups: np.ndarray, splits: dict[int, str], pooled: str) -> np.ndarray:
    """Mask of the crops whose subject's split is ``pooled`` (all crops for ``"all"``)."""
    in_pool = np.ones(len(groups), bool)
    if pooled != "all":
        in_pool = np.array([splits[g] == pooled for g in groups])
    return in_pool


def _perturbation_dataset(
    result: PerturbationMaps,
    info: mne.Info,
    done: list[tuple[int, str]],
    groups: np.ndarray,
    classes: Sequence[str],
) -> xr.Dataset:
    """Return the maps of :func:`perturbation_subjects` as a dataset, without attributes.

    For a phase perturbation the maps have one row for all channels, the
    ``channel`` coordinate ``"all"``.
    """
    phase = result.correlations.shape[0] != len(info.ch_names)  # one row for all channels
    dims = ("subject", "channel", "frequency", "class")
    data = {
        "correlation": (dims, result.group_correlations),
        "pooled": (dims[1:], result.correlations),
        "iteration_correlation": (("iteration", *dims[1:]), result.iterations),
    }
    coords = common_coords(info, done)
    if phase:
        coords = {k: v for k, v in coords.items() if v[0] != "channel"}
        coords["channel"] = ("channel", np.array(["all"]))
    coords = spectral_coords(coords, result.freqs, classes)
    coords["iteration"] = ("iteration", np.arange(1, result.n_iterations + 1))
    coords["n_crops"] = ("subject", np.array([np.sum(groups == s) for s, _ in done]))
    return xr.Dataset(data, coords)
