"""Attribution maps of any method, per subject and pooled, as the other analyses' maps.

:func:`attribution_maps` runs on an ``mne.Epochs``; :func:`attribution_subjects`,
which the workflow calls, on one subject's trials at a time. The methods are
those of :mod:`eegvis.analyses.attribution`.

Per subject and class ``k``, with ``A_k(x)`` the attribution of crop ``x`` to
class ``k``'s score:

- ``attribution``: the mean of ``A_k`` over the subject's crops of class
  ``k`` (what the network finds in class ``k``'s own trials); the ground-truth
  scores (:mod:`eegvis.evaluation.ground_truth`) read its absolute value.
- ``contrast``: that minus the mean of ``A_k`` over the crops of the other
  classes, the map the statistics test. Where the data hold no class
  difference, the labels could be exchanged, so the contrast is symmetric
  around zero whatever the network: the sign-flip test across subjects is
  calibrated for any method (the plain mean of, e.g., saliency, which is
  never negative, is not).

For ``haufe`` the map is the subject's activation pattern
(:func:`eegvis.analyses.attribution.haufe_patterns` of its mean amplitude
gradient and its crops' amplitudes), stored as ``attribution``; a pattern has
no class contrast of its own (it is centred over classes already) and is not
zero-mean under the null for a fixed network, so its statistics are read from
the trained - control contrasts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

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
)
from eegvis.analyses.attribution import Domain, class_attribution_means, haufe_patterns
from eegvis.analyses.gradients import amplitude_gradients
from eegvis.analyses.methods import METHODS, method_options
from eegvis.data.subjects import SubjectTrials
from eegvis.utils.docs import fill_doc
from eegvis.utils.progress import progress

logger = logging.getLogger(__name__)


@fill_doc
def attribution_maps(
    model: nn.Module,
    epochs: mne.BaseEpochs,
    *,
    method: str = "deeplift",
    classes: Sequence[str] | None = None,
    units: str = "uV",
    input_length: int | None = None,
    domain: Domain = "spectrum",
    batch_size: int = 64,
    strip_log_softmax: bool = True,
    **options: Any,
) -> xr.Dataset:
    """Attribution maps of one method, per subject: channel x frequency (or time) x class.

    Parameters
    ----------
    %(model)s
    %(epochs)s
    method : str
        One of :data:`eegvis.analyses.methods.METHODS`.
    %(classes)s
    %(units)s
    %(input_length)s
    domain : {"spectrum", "time"}
        Attribute to each crop's spectral amplitudes (phases held fixed), or to
        its samples (``haufe`` only in the spectrum).
    batch_size : int
        Crops per call.
    %(strip_log_softmax)s
    **options
        The method's options, see :data:`eegvis.analyses.methods.METHOD_OPTIONS`.

    Returns
    -------
    maps : xarray.Dataset
        See :func:`attribution_subjects`.

    Examples
    --------
    >>> maps = eegvis.attribution_maps(model, epochs, method="integrated_gradients", n_steps=32)
    >>> maps.eegvis.band_means({"mu": (7, 14)}).eegvis.test()  # doctest: +SKIP
    """
    return on_epochs(
        attribution_subjects,
        model,
        epochs,
        classes,
        units,
        strip_log_softmax,
        method=method,
        input_length=input_length,
        domain=domain,
        batch_size=batch_size,
        **options,
    )


def attribution_subjects(
    model: nn.Module,
    subjects: Iterable[SubjectTrials],
    info: mne.Info,
    classes: Sequence[str],
    *,
    method: str = "deeplift",
    input_length: int | None = None,
    domain: Domain = "spectrum",
    batch_size: int = 64,
    strip_log_softmax: bool = True,
    network: str = "",
    **options: Any,
) -> xr.Dataset:
    """Attribution maps of ``subjects`` (see :func:`attribution_maps`), one subject at a time.

    Returns
    -------
    maps : xarray.Dataset
        ``attribution`` (subject, channel, frequency or time, class), for the
        crop methods ``contrast`` (the same dimensions) and ``pooled`` (the
        crop-weighted mean of the main map over subjects). Attributes:
        ``analysis`` (the method), ``map`` (``contrast``, or ``attribution`` for
        ``haufe``), ``domain`` and the method's options.

    Raises
    ------
    ValueError
        If the method, its options or the domain are unknown, or no subject has trials.
    """
    options = method_options(method, options)
    length, prediction = crop_geometry(model, info, input_length)
    attributions, contrasts, n_crops, done = [], [], [], []
    for trials in progress(subjects, desc=f"{method} maps", logger=logger):
        crops, labels = labelled_crops(trials, length, prediction)
        attribution, contrast = crop_attribution(
            model,
            crops,
            labels,
            info["sfreq"],
            len(classes),
            method,
            domain=domain,
            batch_size=batch_size,
            strip_log_softmax=strip_log_softmax,
            **options,
        )
        attributions.append(attribution)
        if contrast is not None:
            contrasts.append(contrast)
        n_crops.append(len(crops))
        done.append((trials.subject, trials.split))
    dims = ("subject", "channel", "frequency" if domain == "spectrum" else "time", "class")
    data = {"attribution": (dims, stack_subjects(attributions, f"{method} maps"))}
    if contrasts:
        data["contrast"] = (dims, np.stack(contrasts))
    main = "contrast" if contrasts else "attribution"
    data["pooled"] = (dims[1:], np.average(data[main][1], axis=0, weights=n_crops))
    coords = _feature_coords(common_coords(info, done), domain, length, info["sfreq"], classes)
    coords["n_crops"] = ("subject", np.array(n_crops))
    attrs = map_attrs(method, main, network, info, length)
    attrs.update(domain=domain, method=METHODS[method], **options)
    return xr.Dataset(data, coords, attrs)


def crop_attribution(
    model: nn.Module,
    crops: np.ndarray,
    labels: np.ndarray,
    sfreq: float,
    n_classes: int,
    method: str,
    *,
    domain: Domain = "spectrum",
    batch_size: int = 64,
    strip_log_softmax: bool = True,
    **options: Any,
) -> tuple[np.ndarray, np.ndarray | None]:
    """One set of crops' ``attribution`` and ``contrast`` maps (see the module docstring).

    Parameters
    ----------
    model : torch.nn.Module
        Any network with output (batch, n_classes, ...).
    crops : numpy.ndarray, shape (n_crops, n_chans, n_times)
        The crops (e.g. one subject's).
    labels : numpy.ndarray of int, shape (n_crops,)
        Their classes.
    sfreq : float
        Sampling frequency in Hz.
    n_classes : int
        Number of classes.
    method : str
        One of :data:`eegvis.analyses.methods.METHODS`.
    domain, batch_size, strip_log_softmax, **options
        See :func:`attribution_maps`.

    Returns
    -------
    attribution : numpy.ndarray, shape (n_chans, n_features, n_classes)
        Each class's mean attribution on its own crops, or the Haufe pattern.
    contrast : numpy.ndarray | None
        ``attribution`` minus the mean on the other crops (None for ``haufe``).
    """
    if method != "haufe":
        own, other = class_attribution_means(
            model,
            crops,
            labels,
            n_classes,
            method,
            domain=domain,
            batch_size=batch_size,
            strip_log_softmax=strip_log_softmax,
            **options,
        )
        return own, own - other
    if domain != "spectrum":
        raise ValueError("method 'haufe' works on spectral amplitudes only: domain='spectrum'")
    gradients, _ = amplitude_gradients(
        model, crops, sfreq, batch_size=batch_size, strip_log_softmax=strip_log_softmax
    )
    amplitudes = np.abs(np.fft.rfft(crops.astype(np.float64), axis=-1))
    return haufe_patterns(gradients, amplitudes), None


def sample_crops(
    subjects: Iterable[SubjectTrials],
    model: nn.Module,
    info: mne.Info,
    n_crops: int,
    n_subjects: int,
    *,
    input_length: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``n_crops`` crops spread evenly over ``n_subjects`` subjects' trials, with labels.

    For computations repeated many times on the same crops (the sanity checks):
    each subject gives ``ceil(n_crops / n_subjects)`` crops at evenly spaced
    positions of its trial-major crops; only one subject's crops are in memory
    at a time.

    Parameters
    ----------
    subjects : iterable of SubjectTrials
        The subjects.
    model : torch.nn.Module
        The network (its input window and predictions cut the crops).
    info : mne.Info
        The trials' channels and sampling rate.
    n_crops : int
        Crops wanted.
    n_subjects : int
        Number of subjects ``subjects`` yields.
    input_length : int | None
        The network's input window in samples (default: ``model.n_times``).

    Returns
    -------
    crops : numpy.ndarray, shape (n, n_chans, n_times)
    labels : numpy.ndarray of int, shape (n,)
    """
    length, prediction = crop_geometry(model, info, input_length)
    per_subject = -(-n_crops // n_subjects)
    chosen, labels = [], []
    for trials in progress(subjects, desc="sampling crops", logger=logger):
        crops, crop_labels = labelled_crops(trials, length, prediction)
        keep = np.unique(np.linspace(0, len(crops) - 1, min(per_subject, len(crops))).astype(int))
        chosen.append(crops[keep])
        labels.append(crop_labels[keep])
    if not chosen:
        raise ValueError("no subject with trials to sample crops from")
    return np.concatenate(chosen)[:n_crops], np.concatenate(labels)[:n_crops]


def _feature_coords(
    coords: dict, domain: Domain, length: int, sfreq: float, classes: Sequence[str]
) -> dict:
    """Add the rFFT ``frequency`` (or crop ``time``, s) and ``class`` coordinates."""
    if domain == "spectrum":
        return spectral_coords(coords, np.fft.rfftfreq(length, d=1.0 / sfreq), classes)
    coords.update(time=("time", np.arange(length) / sfreq), **{"class": ("class", list(classes))})
    return coords
