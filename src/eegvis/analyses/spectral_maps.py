"""Spectral maps: amplitude gradients and amplitude perturbations, per subject and pooled.

The ``*_maps`` functions take an ``mne.Epochs``; the ``*_subjects`` variants an
iterable of :class:`eegvis.data.subjects.SubjectTrials` (one subject in memory
at a time), which the workflow's scripts call.
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
    input_length_of,
    map_attrs,
    stack_subjects,
    subject_crops,
)
from eegvis.analyses._noise import Perturbation
from eegvis.analyses._shared import has_log_softmax
from eegvis.analyses._spill import spilled_rows
from eegvis.analyses.envelope_activation import OUTPUT
from eegvis.analyses.gradients import amplitude_gradients, class_amplitude_difference
from eegvis.analyses.perturbation import perturbation_correlations
from eegvis.data.subjects import SubjectTrials
from eegvis.data.trials import event_classes, iter_epochs_subjects
from eegvis.models.layers import receptive_fields
from eegvis.utils.docs import fill_doc

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
    classes = event_classes(epochs, classes)
    return gradient_subjects(
        model,
        iter_epochs_subjects(epochs, classes, units),
        epochs.info,
        classes,
        input_length=input_length,
        batch_size=batch_size,
        strip_log_softmax=strip_log_softmax and has_log_softmax(model),
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
    length = input_length_of(model, input_length)
    prediction = receptive_fields(model, len(info.ch_names), length, [OUTPUT])[OUTPUT]
    done, maps, differences, n_crops = [], [], [], []
    freqs = None
    for trials in subjects:
        crops = subject_crops(trials.X, length, prediction)
        labels = np.repeat(trials.y, len(crops) // len(trials.y))  # trial-major crops
        gradient, freqs = amplitude_gradients(
            model, crops, info["sfreq"], batch_size=batch_size, strip_log_softmax=strip_log_softmax
        )
        maps.append(gradient)
        differences.append(class_amplitude_difference(crops, labels, len(classes)))
        n_crops.append(len(crops))
        done.append((trials.subject, trials.split))
        logger.info("Subject %d: mean gradient over %d crops", trials.subject, len(crops))
    subject_maps = stack_subjects(maps, "gradient maps")
    dims = ("subject", "channel", "frequency", "class")
    data = {
        "gradient": (dims, subject_maps),
        "pooled": (dims[1:], np.average(subject_maps, axis=0, weights=n_crops)),
        "amplitude_difference": (dims, np.stack(differences)),
    }
    coords = common_coords(info, done)
    coords.update(frequency=("frequency", freqs), **{"class": ("class", np.array(classes))})
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
    classes = event_classes(epochs, classes)
    return perturbation_subjects(
        model,
        iter_epochs_subjects(epochs, classes, units),
        epochs.info,
        classes,
        input_length=input_length,
        n_iterations=n_iterations,
        target_reliability=target_reliability,
        max_iterations=max_iterations,
        reliability_band=reliability_band,
        perturbation=perturbation,
        batch_size=batch_size,
        seed=seed,
        strip_log_softmax=strip_log_softmax and has_log_softmax(model),
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
    length = input_length_of(model, input_length)
    prediction = receptive_fields(model, len(info.ch_names), length, [OUTPUT])[OUTPUT]
    subject_groups, done = [], []

    def each_subjects_crops() -> Iterator[np.ndarray]:
        for trials in subjects:
            crops = subject_crops(trials.X, length, prediction)
            subject_groups.append(np.full(len(crops), trials.subject))
            done.append((trials.subject, trials.split))
            logger.info("Subject %d: %d crops", trials.subject, len(crops))
            yield crops

    with spilled_rows(each_subjects_crops()) as X:
        if not done:
            raise ValueError("no subject with trials for the perturbation maps")
        splits = dict(done)
        groups = np.concatenate(subject_groups)
        in_pool = np.ones(len(groups), bool)
        if pooled != "all":
            in_pool = np.array([splits[g] == pooled for g in groups])
        logger.info("%d crops of %d samples from %d subjects", len(groups), length, len(done))
        result = perturbation_correlations(
            model,
            X,
            info["sfreq"],
            groups=groups,
            pooled=in_pool,
            n_iterations=n_iterations,
            target_reliability=target_reliability,
            max_iterations=max_iterations,
            reliability_band=reliability_band,
            perturbation=perturbation,
            batch_size=batch_size,
            seed=seed,
            strip_log_softmax=strip_log_softmax,
        )
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
    coords.update(frequency=("frequency", result.freqs), **{"class": ("class", np.array(classes))})
    coords["iteration"] = ("iteration", np.arange(1, result.n_iterations + 1))
    coords["n_crops"] = ("subject", np.array([np.sum(groups == s) for s, _ in done]))
    attrs = map_attrs("perturbation", "correlation", network, info, length)
    attrs.update(
        kind=perturbation,
        n_iterations=result.n_iterations,
        seed=seed,
        pooled_subjects=pooled,
        iteration_reliability=result.split_half_r_sb,
    )
    return xr.Dataset(data, coords, attrs)
