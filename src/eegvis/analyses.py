"""The four analyses of any network on MNE Epochs, each returning labelled maps.

Every function takes an ``mne.Epochs`` (channels, sampling rate and labels come
from it; subjects from a ``subject`` column of its metadata when there is one,
else all trials are subject 0) and returns an :class:`xarray.Dataset` of
per-subject maps (see :mod:`eegvis.maps`)::

    import eegvis
    maps = eegvis.gradient_maps(model, epochs)             # any PyTorch EEG network
    maps.eegvis.band_means({"mu": (7, 14)}).eegvis.plot()
    eegvis.map_test(maps.eegvis.band_means({"mu": (7, 14)}))   # tmax across subjects

The ``*_subjects`` variants take an iterable of
:class:`eegvis.subjects.SubjectTrials` instead
(one subject in memory at a time); the workflow's scripts call those.

The network's input window is ``input_length`` samples (default: the model's
``n_times`` attribute, as eegvis's and braindecode's models have). Trials are
cut into windows that step by the span of the network's predictions
(:func:`eegvis.envelope_activation.window_starts`): crops as in cropped
decoding for dense networks, one window per trial when trials are as long as
the window.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Literal

import mne
import numpy as np
import xarray as xr
from torch import nn

from eegvis.correlation import StreamingCorrelation
from eegvis.envelope_activation import (
    OUTPUT,
    as_channel_band_array,
    envelope_activation_statistics,
    envelope_class_statistics,
    window_starts,
)
from eegvis.envelopes import bandpass, cut_windows
from eegvis.gradients import amplitude_gradients, class_amplitude_difference
from eegvis.layers import LayerGeometry, default_layers, receptive_fields
from eegvis.maps import band_coords, channel_coords, subject_coords
from eegvis.perturbation import Perturbation, perturbation_correlations
from eegvis.spill import spilled_rows
from eegvis.subjects import SubjectTrials

logger = logging.getLogger(__name__)

#: Subject number of epochs without a ``subject`` metadata column.
SINGLE_SUBJECT = 0


def _classes(epochs: mne.BaseEpochs, classes: Sequence[str] | None) -> list[str]:
    classes = list(epochs.event_id) if classes is None else list(classes)
    unknown = [name for name in classes if name not in epochs.event_id]
    if unknown:
        raise ValueError(f"classes {unknown} are not in the epochs' event_id {epochs.event_id}")
    return classes


def _subject_numbers(epochs: mne.BaseEpochs) -> np.ndarray:
    metadata = epochs.metadata
    if metadata is not None and "subject" in metadata:
        return metadata["subject"].to_numpy(dtype=int)
    return np.full(len(epochs), SINGLE_SUBJECT)


def _bandpassed(
    data: np.ndarray, sfreq: float, bands: Mapping[str, tuple[float, float]]
) -> np.ndarray:
    """(n_bands, n_trials, n_chans, n_times) band-passed copies of ``data``."""
    return np.stack([bandpass(data, sfreq, low, high) for low, high in bands.values()])


def _raw_bandpassed(
    raw: mne.io.BaseRaw,
    epochs: mne.BaseEpochs,
    bands: Mapping[str, tuple[float, float]],
    units: str,
) -> np.ndarray:
    """Band-pass the continuous ``raw``, then cut the epochs' trials from it."""
    filtered = []
    for low, high in bands.values():
        band_raw = raw.copy().pick(epochs.ch_names).load_data(verbose="error")
        band_raw.apply_function(
            lambda data, low=low, high=high: bandpass(data, raw.info["sfreq"], low, high),
            channel_wise=False,
            verbose="error",
        )
        cut = mne.Epochs(
            band_raw,
            epochs.events,
            epochs.event_id,
            epochs.tmin,
            epochs.tmax,
            baseline=None,
            preload=True,
            reject_by_annotation=False,
            verbose="error",
        )
        if len(cut) != len(epochs):
            raise ValueError(
                f"raw gives {len(cut)} trials at the epochs' events, the epochs have {len(epochs)}"
            )
        filtered.append(cut.get_data(units=units))
    return np.stack(filtered)


def iter_epochs_subjects(
    epochs: mne.BaseEpochs,
    classes: Sequence[str] | None = None,
    units: str = "uV",
    bands: Mapping[str, tuple[float, float]] | None = None,
    raw: mne.io.BaseRaw | Mapping[int, mne.io.BaseRaw] | None = None,
) -> Iterator[SubjectTrials]:
    """Yield each subject's trials from an ``mne.Epochs``.

    Parameters
    ----------
    epochs : mne.Epochs
        Trials of one or more subjects (metadata column ``subject``).
    classes : sequence of str | None
        Event names in the order of the network's classes; default the order
        of ``epochs.event_id``.
    units : str
        Units the network expects, e.g. ``"uV"`` (``Epochs.get_data(units=...)``).
    bands : mapping of str to (float, float) | None
        Bands to band-pass into (Butterworth order 4, zero phase).
    raw : mne.io.Raw | mapping of int to mne.io.Raw | None
        The continuous recording the epochs were cut from (one per subject in
        a mapping), band-passed before cutting so the filter's edge effects stay
        at the recording's ends; default: the trials themselves are filtered.

    Yields
    ------
    trials : SubjectTrials
        In increasing subject order.
    """
    classes = _classes(epochs, classes)
    subjects = _subject_numbers(epochs)
    codes = {epochs.event_id[name]: i for i, name in enumerate(classes)}
    for subject in np.unique(subjects):
        picked = epochs[np.flatnonzero(subjects == subject)]
        keep = np.isin(picked.events[:, 2], list(codes))
        picked = picked[np.flatnonzero(keep)]
        X = picked.get_data(units=units).astype(np.float32)
        y = np.array([codes[code] for code in picked.events[:, 2]], dtype=np.int64)
        filtered = None
        if bands is not None:
            recording = raw.get(int(subject)) if isinstance(raw, Mapping) else raw
            if recording is None:
                filtered = _bandpassed(X.astype(np.float64), picked.info["sfreq"], bands)
            else:
                filtered = _raw_bandpassed(recording, picked, bands, units)
        yield SubjectTrials(int(subject), X, y, filtered)


def _input_length(model: nn.Module, input_length: int | None) -> int:
    length = input_length if input_length is not None else getattr(model, "n_times", None)
    if length is None:
        raise ValueError("the model has no n_times attribute: give input_length (in samples)")
    return int(length)


def _stack(values: list[np.ndarray], what: str) -> np.ndarray:
    if not values:
        raise ValueError(f"no subject with trials for the {what}")
    return np.stack(values)


def _common_coords(info: mne.Info, subjects: list[tuple[int, str]]) -> dict:
    """Channel and subject coordinates; ``subjects`` holds (number, split) pairs."""
    return channel_coords(info) | subject_coords([s for s, _ in subjects], dict(subjects))


def envelope_activation_subjects(
    model: nn.Module,
    subjects: Iterable[SubjectTrials],
    info: mne.Info,
    bands: Mapping[str, tuple[float, float]],
    layers: Sequence[str] | None = None,
    *,
    input_length: int | None = None,
    batch_size: int = 16,
    network: str = "",
) -> xr.Dataset:
    """Envelope–activation correlation maps of ``subjects`` (see :func:`envelope_activation_maps`).

    Parameters
    ----------
    model, layers, input_length, batch_size
        As for :func:`envelope_activation_maps`.
    subjects : iterable of SubjectTrials
        With ``filtered`` set; consumed one at a time.
    info : mne.Info
        The channels.
    bands : mapping of str to (float, float)
        The bands of ``filtered``, in order.
    network : str
        Name of the network, recorded in the maps' attributes.

    Returns
    -------
    maps : xarray.Dataset
    """
    return envelope_activation_networks(
        {network: model},
        subjects,
        info,
        bands,
        layers,
        input_length=input_length,
        batch_size=batch_size,
    )[network]


def _shared_geometry(
    models: Mapping[str, nn.Module], n_chans: int, length: int, layers: Sequence[str]
) -> dict[str, LayerGeometry]:
    """Return the layers' geometry, which every network must share to share the envelopes."""
    geometries = {
        name: receptive_fields(model, n_chans, length, [*layers, OUTPUT])
        for name, model in models.items()
    }
    first, *others = geometries
    for name in others:
        if geometries[name] != geometries[first]:
            raise ValueError(
                f"networks {first!r} and {name!r} differ in their layers' receptive fields; "
                "compute their envelope-activation maps separately"
            )
    return geometries[first]


def envelope_activation_networks(
    models: Mapping[str, nn.Module],
    subjects: Iterable[SubjectTrials],
    info: mne.Info,
    bands: Mapping[str, tuple[float, float]],
    layers: Sequence[str] | None = None,
    *,
    input_length: int | None = None,
    batch_size: int = 16,
    subject_units: bool = True,
) -> dict[str, xr.Dataset]:
    """Envelope–activation maps of several networks in one pass over ``subjects``.

    The networks (e.g. trained, untrained and shuffled-label controls of one
    architecture) see the same windows; the envelopes are computed once per
    batch and shared (:func:`eegvis.envelope_activation.envelope_activation_statistics`).

    Parameters
    ----------
    models : mapping of str to nn.Module
        Network name to network; all with the same layers' geometry and unit
        counts, on one device.
    subjects, info, bands
        As for :func:`envelope_activation_subjects`.
    layers, input_length, batch_size
        As for :func:`envelope_activation_maps` (``input_length`` defaults to
        the first network's ``n_times``).
    subject_units : bool
        Keep each subject's per-unit maps (``units_<layer>``, about 4 MB per
        subject and network with 22 bands and 64 channels). If False, only
        their means over units are kept per subject, and memory does not grow
        with the number of subjects beyond those.

    Returns
    -------
    maps : dict of str to xarray.Dataset
        Per network, the maps of :func:`envelope_activation_maps`.
    """
    first = next(iter(models.values()))
    length = _input_length(first, input_length)
    n_chans, n_bands = len(info.ch_names), len(bands)
    if layers is None:
        layers = default_layers(first, n_chans, length)
    geometry = _shared_geometry(models, n_chans, length, layers)
    done, per_subject, totals = [], {layer: [] for layer in layers}, {}
    for trials in subjects:
        if trials.filtered is None:
            raise ValueError(f"subject {trials.subject}: band-passed trials are missing")
        statistics = envelope_activation_statistics(
            models, trials.X, trials.filtered, geometry, length, batch_size
        )
        for layer in layers:
            r = _per_network(statistics[layer], n_chans, n_bands, len(models))
            per_subject[layer].append(r if subject_units else _unit_mean(r, keepdims=True))
            _merge(totals, layer, statistics[layer])
        done.append((trials.subject, trials.split))
        logger.info(
            "Subject %d: envelope-activation correlations of %d trials, %d network(s)",
            trials.subject,
            len(trials.X),
            len(models),
        )
    per_layer = {
        layer: _stack(arrays, "envelope-activation maps") for layer, arrays in per_subject.items()
    }
    pooled = {layer: _per_network(totals[layer], n_chans, n_bands, len(models)) for layer in layers}
    coords = _common_coords(info, done) | band_coords(bands)
    coords["layer"] = ("layer", np.array(layers))
    coords["receptive_field"] = ("layer", np.array([geometry[layer].field for layer in layers]))
    coords["layer_stride"] = ("layer", np.array([geometry[layer].stride for layer in layers]))
    return {
        name: _envelope_activation_dataset(
            {layer: per_layer[layer][:, k] for layer in layers},
            {layer: pooled[layer][k] for layer in layers},
            coords,
            _attrs("envelope_activation", "correlation", name, info, length),
            subject_units,
        )
        for k, name in enumerate(models)
    }


def _unit_mean(correlations: np.ndarray, keepdims: bool = False) -> np.ndarray:
    """Mean over a map's units (last axis), leaving out units with NaN (constant units)."""
    return np.nanmean(correlations, axis=-1, keepdims=keepdims)


def _per_network(
    statistics: StreamingCorrelation, n_chans: int, n_bands: int, n_networks: int
) -> np.ndarray:
    """Correlations (n_networks, n_chans, n_bands, n_units) from network-major y columns."""
    r = as_channel_band_array(statistics, n_chans, n_bands)
    return np.moveaxis(r.reshape(n_chans, n_bands, n_networks, -1), 2, 0)


def _envelope_activation_dataset(
    per_subject: Mapping[str, np.ndarray],
    pooled: Mapping[str, np.ndarray],
    coords: dict,
    attrs: dict,
    subject_units: bool = True,
) -> xr.Dataset:
    """One network's maps from its per-layer unit correlations, per subject and pooled."""
    layers = list(per_subject)
    data = {
        "correlation": (
            ("subject", "channel", "band", "layer"),
            np.stack([_unit_mean(per_subject[layer]) for layer in layers], axis=-1),
        ),
        "pooled": (
            ("channel", "band", "layer"),
            np.stack([_unit_mean(pooled[layer]) for layer in layers], axis=-1),
        ),
    }
    for layer in layers:
        if subject_units:
            data[f"units_{layer}"] = (
                ("subject", "channel", "band", f"unit_{layer}"),
                per_subject[layer],
            )
        data[f"pooled_units_{layer}"] = (("channel", "band", f"unit_{layer}"), pooled[layer])
    return xr.Dataset(data, coords, attrs)


def _merge(totals: dict[str, StreamingCorrelation], key: str, other: StreamingCorrelation) -> None:
    if key in totals:
        totals[key].merge(other)
    else:
        totals[key] = other


def _attrs(analysis: str, main: str, network: str, info: mne.Info, length: int) -> dict:
    return {
        "analysis": analysis,
        "map": main,
        "network": network,
        "sfreq": float(info["sfreq"]),
        "input_length": int(length),
    }


def envelope_class_subjects(
    subjects: Iterable[SubjectTrials],
    info: mne.Info,
    bands: Mapping[str, tuple[float, float]],
    classes: Sequence[str],
    prediction: LayerGeometry,
    input_length: int,
    *,
    batch_size: int = 16,
) -> xr.Dataset:
    """Envelope–class correlation maps of ``subjects`` (see :func:`envelope_class_maps`).

    Parameters
    ----------
    subjects : iterable of SubjectTrials
        With ``filtered`` set.
    info : mne.Info
        The channels.
    bands : mapping of str to (float, float)
        The bands of ``filtered``.
    classes : sequence of str
        Class names, in the order of the labels.
    prediction : LayerGeometry
        Geometry of the network's predictions (envelopes are averaged over their fields).
    input_length : int
        The network's input window in samples.
    batch_size : int
        Trials per batch.

    Returns
    -------
    maps : xarray.Dataset
    """
    n_chans, n_bands = len(info.ch_names), len(bands)
    done, per_subject, totals = [], [], {}
    for trials in subjects:
        statistics = envelope_class_statistics(
            trials.filtered, trials.y, len(classes), prediction, input_length, batch_size
        )
        per_subject.append(as_channel_band_array(statistics, n_chans, n_bands))
        _merge(totals, "all", statistics)
        done.append((trials.subject, trials.split))
    data = {
        "correlation": (
            ("subject", "channel", "band", "class"),
            _stack(per_subject, "envelope-class maps"),
        ),
        "pooled": (
            ("channel", "band", "class"),
            as_channel_band_array(totals["all"], n_chans, n_bands),
        ),
    }
    coords = _common_coords(info, done) | band_coords(bands)
    coords["class"] = ("class", np.array(classes))
    attrs = _attrs("envelope_class", "correlation", "", info, input_length)
    attrs["receptive_field"] = prediction.field
    return xr.Dataset(data, coords, attrs)


def _crops(X: np.ndarray, length: int, prediction: LayerGeometry) -> np.ndarray:
    """Every input window of every trial, trial-major."""
    starts = window_starts(X.shape[-1], length, prediction)
    return cut_windows(X, starts, length)


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
    length = _input_length(model, input_length)
    prediction = receptive_fields(model, len(info.ch_names), length, [OUTPUT])[OUTPUT]
    done, maps, differences, n_crops = [], [], [], []
    freqs = None
    for trials in subjects:
        crops = _crops(trials.X, length, prediction)
        labels = np.repeat(trials.y, len(crops) // len(trials.y))  # trial-major crops
        gradient, freqs = amplitude_gradients(
            model, crops, info["sfreq"], batch_size=batch_size, strip_log_softmax=strip_log_softmax
        )
        maps.append(gradient)
        differences.append(class_amplitude_difference(crops, labels, len(classes)))
        n_crops.append(len(crops))
        done.append((trials.subject, trials.split))
        logger.info("Subject %d: mean gradient over %d crops", trials.subject, len(crops))
    subject_maps = _stack(maps, "gradient maps")
    dims = ("subject", "channel", "frequency", "class")
    data = {
        "gradient": (dims, subject_maps),
        "pooled": (dims[1:], np.average(subject_maps, axis=0, weights=n_crops)),
        "amplitude_difference": (dims, np.stack(differences)),
    }
    coords = _common_coords(info, done)
    coords.update(frequency=("frequency", freqs), **{"class": ("class", np.array(classes))})
    coords["n_crops"] = ("subject", np.array(n_crops))
    return xr.Dataset(data, coords, _attrs("gradient", "gradient", network, info, length))


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
    memory-mapped (:func:`eegvis.spill.spilled_rows`), so memory does not grow
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
    length = _input_length(model, input_length)
    prediction = receptive_fields(model, len(info.ch_names), length, [OUTPUT])[OUTPUT]
    subject_groups, done = [], []

    def subject_crops() -> Iterator[np.ndarray]:
        for trials in subjects:
            crops = _crops(trials.X, length, prediction)
            subject_groups.append(np.full(len(crops), trials.subject))
            done.append((trials.subject, trials.split))
            logger.info("Subject %d: %d crops", trials.subject, len(crops))
            yield crops

    with spilled_rows(subject_crops()) as X:
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
    coords = _common_coords(info, done)
    if phase:
        coords = {k: v for k, v in coords.items() if v[0] != "channel"}
        coords["channel"] = ("channel", np.array(["all"]))
    coords.update(frequency=("frequency", result.freqs), **{"class": ("class", np.array(classes))})
    coords["iteration"] = ("iteration", np.arange(1, result.n_iterations + 1))
    coords["n_crops"] = ("subject", np.array([np.sum(groups == s) for s, _ in done]))
    attrs = _attrs("perturbation", "correlation", network, info, length)
    attrs.update(
        kind=perturbation,
        n_iterations=result.n_iterations,
        seed=seed,
        pooled_subjects=pooled,
        iteration_reliability=result.split_half_r_sb,
    )
    return xr.Dataset(data, coords, attrs)


def envelope_activation_maps(
    model: nn.Module,
    epochs: mne.BaseEpochs,
    bands: Mapping[str, tuple[float, float]],
    layers: Sequence[str] | None = None,
    *,
    raw: mne.io.BaseRaw | Mapping[int, mne.io.BaseRaw] | None = None,
    classes: Sequence[str] | None = None,
    units: str = "uV",
    input_length: int | None = None,
    batch_size: int = 16,
) -> xr.Dataset:
    """Correlate band-power envelopes with the unit outputs of a network's layers.

    Schirrmeister et al. (2017), Fig. 15: per (channel, band), the squared
    Hilbert envelope of the band-passed input window, averaged over each
    output sample's receptive field, correlated (Pearson, pooling trials and
    time) with every unit of the layer; per subject and pooled.

    Parameters
    ----------
    model : nn.Module
        Any network taking ``(batch, n_chans, input_length)``.
    epochs : mne.Epochs
        Trials (see :func:`iter_epochs_subjects`).
    bands : mapping of str to (float, float)
        Band name to ``(low, high)`` in Hz.
    layers : sequence of str | None
        Module names (``model.named_modules()``); default
        :func:`eegvis.layers.default_layers`.
    raw, classes, units
        See :func:`iter_epochs_subjects`.
    input_length : int | None
        The network's input window; default ``model.n_times``.
    batch_size : int
        Trials per batch.

    Returns
    -------
    maps : xarray.Dataset
        ``correlation`` (subject, channel, band, layer): the mean over the
        layer's units; ``pooled`` (channel, band, layer) over all subjects'
        samples; per layer ``units_<layer>`` and ``pooled_units_<layer>`` with
        each unit's correlation. Coordinates ``receptive_field`` and
        ``layer_stride`` per layer (probed, :func:`eegvis.layers.receptive_fields`).
    """
    subjects = iter_epochs_subjects(epochs, classes, units, bands, raw)
    return envelope_activation_subjects(
        model,
        subjects,
        epochs.info,
        bands,
        layers,
        input_length=input_length,
        batch_size=batch_size,
    )


def envelope_class_maps(
    epochs: mne.BaseEpochs,
    bands: Mapping[str, tuple[float, float]],
    model: nn.Module,
    *,
    raw: mne.io.BaseRaw | Mapping[int, mne.io.BaseRaw] | None = None,
    classes: Sequence[str] | None = None,
    units: str = "uV",
    input_length: int | None = None,
    batch_size: int = 16,
) -> xr.Dataset:
    """Correlate band-power envelopes with the class labels (Schirrmeister et al. 2017, Fig. 14).

    Envelopes are averaged over the receptive field of the network's
    predictions (``model`` is used only for its geometry: trained or not).

    Parameters
    ----------
    epochs, bands, raw, classes, units, input_length, batch_size
        As for :func:`envelope_activation_maps`.
    model : nn.Module
        The network whose prediction fields the envelopes are averaged over.

    Returns
    -------
    maps : xarray.Dataset
        ``correlation`` (subject, channel, band, class) and ``pooled``.
    """
    length = _input_length(model, input_length)
    prediction = receptive_fields(model, len(epochs.ch_names), length, [OUTPUT])[OUTPUT]
    classes = _classes(epochs, classes)
    subjects = iter_epochs_subjects(epochs, classes, units, bands, raw)
    return envelope_class_subjects(
        subjects, epochs.info, bands, classes, prediction, length, batch_size=batch_size
    )


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
    model : nn.Module
        Any network; class scores are its outputs (averaged over dense outputs).
    epochs, classes, units, input_length
        As for :func:`envelope_activation_maps`.
    batch_size : int
        Crops per forward and backward pass.
    strip_log_softmax : bool
        Differentiate the scores before the model's last ``nn.LogSoftmax``
        (ignored, with nothing to strip, when it has none).

    Returns
    -------
    maps : xarray.Dataset
        See :func:`gradient_subjects` and :func:`eegvis.gradients.amplitude_gradients`.
    """
    classes = _classes(epochs, classes)
    return gradient_subjects(
        model,
        iter_epochs_subjects(epochs, classes, units),
        epochs.info,
        classes,
        input_length=input_length,
        batch_size=batch_size,
        strip_log_softmax=strip_log_softmax and _has_log_softmax(model),
    )


def _has_log_softmax(model: nn.Module) -> bool:
    return any(isinstance(module, nn.LogSoftmax) for module in model.modules())


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
    model, epochs, classes, units, input_length, batch_size, strip_log_softmax
        As for :func:`gradient_maps`.
    n_iterations, target_reliability, max_iterations, reliability_band, perturbation, seed
        See :func:`eegvis.perturbation.perturbation_correlations`; ``"auto"``
        iterates until the maps' split-half reliability reaches the target.

    Returns
    -------
    maps : xarray.Dataset
        See :func:`perturbation_subjects`.
    """
    classes = _classes(epochs, classes)
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
        strip_log_softmax=strip_log_softmax and _has_log_softmax(model),
    )
