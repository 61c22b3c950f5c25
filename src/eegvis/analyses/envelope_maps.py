"""Envelope maps: band power against a network's units (Fig. 15) and against the classes (Fig. 14).

The ``*_maps`` functions take an ``mne.Epochs``; the ``*_subjects`` variants an
iterable of :class:`eegvis.data.subjects.SubjectTrials` (one subject in memory
at a time), which the workflow's scripts call.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence

import mne
import numpy as np
import xarray as xr
from torch import nn

from eegvis.analyses._labelled import (
    common_coords,
    crop_geometry,
    input_length_of,
    map_attrs,
    merge_statistics,
    stack_subjects,
)
from eegvis.analyses.correlation import StreamingCorrelation
from eegvis.analyses.envelope_activation import (
    OUTPUT,
    as_channel_band_array,
    envelope_activation_statistics,
    envelope_class_statistics,
)
from eegvis.data.filters import as_band_mapping
from eegvis.data.subjects import SubjectTrials
from eegvis.data.trials import event_classes, iter_epochs_subjects
from eegvis.maps import band_coords
from eegvis.models.layers import LayerGeometry, default_layers, receptive_fields
from eegvis.utils.docs import fill_doc
from eegvis.utils.progress import progress

logger = logging.getLogger(__name__)

#: How a layer's units are summarised per (channel, band): the mean of the
#: absolute correlations (the paper's Fig. 15, as the authors computed it) or the
#: signed mean (units of opposite sign cancel).
UNIT_SUMMARIES = ("mean_abs", "mean")


@fill_doc
def envelope_activation_maps(
    model: nn.Module,
    epochs: mne.BaseEpochs,
    bands: Mapping[str, tuple[float, float]] | Sequence[Mapping],
    layers: Sequence[str] | None = None,
    *,
    raw: mne.io.BaseRaw | Mapping[int, mne.io.BaseRaw] | None = None,
    classes: Sequence[str] | None = None,
    units: str = "uV",
    input_length: int | None = None,
    batch_size: int = 16,
    unit_summary: str = "mean_abs",
) -> xr.Dataset:
    """Correlate band-power envelopes with the unit outputs of a network's layers.

    Schirrmeister et al. (2017), Fig. 15: per (channel, band), the squared
    Hilbert envelope of the band-passed input window, averaged over each
    output sample's receptive field, correlated (Pearson, pooling trials and
    time) with every unit of the layer; per subject and pooled.

    Parameters
    ----------
    %(model)s
    %(epochs)s
    %(bands)s
    layers : sequence of str | None
        Module names (``model.named_modules()``); default
        :func:`eegvis.models.layers.default_layers`.
    %(raw)s
    %(classes)s
    %(units)s
    %(input_length)s
    batch_size : int
        Trials per batch.
    unit_summary : {"mean_abs", "mean"}
        How ``correlation`` and ``pooled`` summarise a layer's units:
        ``"mean_abs"`` (default), the mean of the absolute correlations, as the
        authors computed Fig. 15 (per subject, for each network separately,
        before taking trained − untrained); ``"mean"``, the signed mean, in
        which units of opposite sign cancel.

    Returns
    -------
    maps : xarray.Dataset
        ``correlation`` (subject, channel, band, layer): the layer's units
        summarised by ``unit_summary`` (recorded in the attribute of that
        name); ``pooled`` (channel, band, layer) over all subjects'
        samples; per layer ``units_<layer>`` and ``pooled_units_<layer>`` with
        each unit's correlation. Coordinates ``receptive_field`` and
        ``layer_stride`` per layer (probed, :func:`eegvis.models.layers.receptive_fields`).
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
        unit_summary=unit_summary,
    )


def envelope_activation_subjects(
    model: nn.Module,
    subjects: Iterable[SubjectTrials],
    info: mne.Info,
    bands: Mapping[str, tuple[float, float]] | Sequence[Mapping],
    layers: Sequence[str] | None = None,
    *,
    input_length: int | None = None,
    batch_size: int = 16,
    network: str = "",
    unit_summary: str = "mean_abs",
) -> xr.Dataset:
    """Envelope–activation correlation maps of ``subjects`` (see :func:`envelope_activation_maps`).

    Parameters
    ----------
    model, layers, input_length, batch_size, unit_summary
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
        unit_summary=unit_summary,
    )[network]


def envelope_activation_networks(
    models: Mapping[str, nn.Module],
    subjects: Iterable[SubjectTrials],
    info: mne.Info,
    bands: Mapping[str, tuple[float, float]] | Sequence[Mapping],
    layers: Sequence[str] | None = None,
    *,
    input_length: int | None = None,
    batch_size: int = 16,
    subject_units: bool = True,
    unit_summary: str = "mean_abs",
) -> dict[str, xr.Dataset]:
    """Envelope–activation maps of several networks in one pass over ``subjects``.

    The networks (e.g. trained, untrained and shuffled-label controls of one
    architecture) see the same windows; the envelopes are computed once per
    batch and shared (:func:`eegvis.analyses.envelope_activation.envelope_activation_statistics`).

    Parameters
    ----------
    models : mapping of str to nn.Module
        Network name to network; all with the same layers' geometry and unit
        counts, on one device.
    subjects, info, bands
        As for :func:`envelope_activation_subjects`.
    layers, input_length, batch_size, unit_summary
        As for :func:`envelope_activation_maps` (``input_length`` defaults to
        the first network's ``n_times``).
    subject_units : bool
        Keep each subject's per-unit maps (``units_<layer>``, about 4 MB per
        subject and network with 22 bands and 64 channels). If False, only
        their means over units are kept per subject, and memory does not grow
        with the number of subjects beyond those (their summaries over units).

    Returns
    -------
    maps : dict of str to xarray.Dataset
        Per network, the maps of :func:`envelope_activation_maps`.
    """
    if unit_summary not in UNIT_SUMMARIES:
        raise ValueError(f"unit_summary must be one of {UNIT_SUMMARIES}, got {unit_summary!r}")
    bands = as_band_mapping(bands)
    first = next(iter(models.values()))
    length = input_length_of(first, input_length)
    n_chans, n_bands = len(info.ch_names), len(bands)
    if layers is None:
        layers = default_layers(first, n_chans, length)
    geometry = _shared_geometry(models, n_chans, length, layers)
    done, per_subject, totals = [], {layer: [] for layer in layers}, {}
    for trials in progress(subjects, desc="envelope-activation maps", logger=logger):
        if trials.filtered is None:
            raise ValueError(f"subject {trials.subject}: band-passed trials are missing")
        statistics = envelope_activation_statistics(
            models, trials.X, trials.filtered, geometry, length, batch_size
        )
        for layer in layers:
            r = _per_network(statistics[layer], n_chans, n_bands, len(models))
            per_subject[layer].append(
                r if subject_units else summarise_units(r, unit_summary, keepdims=True)
            )
            merge_statistics(totals, layer, statistics[layer])
        done.append((trials.subject, trials.split))
    per_layer = {
        layer: stack_subjects(arrays, "envelope-activation maps")
        for layer, arrays in per_subject.items()
    }
    pooled = {layer: _per_network(totals[layer], n_chans, n_bands, len(models)) for layer in layers}
    coords = common_coords(info, done) | band_coords(bands)
    coords["layer"] = ("layer", np.array(layers))
    coords["receptive_field"] = ("layer", np.array([geometry[layer].field for layer in layers]))
    coords["layer_stride"] = ("layer", np.array([geometry[layer].stride for layer in layers]))
    return {
        name: _envelope_activation_dataset(
            {layer: per_layer[layer][:, k] for layer in layers},
            {layer: pooled[layer][k] for layer in layers},
            coords,
            map_attrs("envelope_activation", "correlation", name, info, length)
            | {"unit_summary": unit_summary},
            subject_units,
        )
        for k, name in enumerate(models)
    }


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


def summarise_units(
    correlations: np.ndarray, unit_summary: str = "mean_abs", keepdims: bool = False
) -> np.ndarray:
    """Summarise correlations over a layer's units (the last axis).

    Parameters
    ----------
    correlations : numpy.ndarray, shape (..., n_units)
        Correlation of each unit; NaN for constant units, which are left out.
    unit_summary : {"mean_abs", "mean"}
        Mean of the absolute correlations (the paper's Fig. 15) or signed mean.
    keepdims : bool
        Keep the unit axis (length 1).

    Returns
    -------
    summary : numpy.ndarray, shape (...) or (..., 1)
    """
    if unit_summary == "mean_abs":
        correlations = np.abs(correlations)
    elif unit_summary != "mean":
        raise ValueError(f"unit_summary must be one of {UNIT_SUMMARIES}, got {unit_summary!r}")
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
    summary = attrs["unit_summary"]
    data = {
        "correlation": (
            ("subject", "channel", "band", "layer"),
            np.stack([summarise_units(per_subject[layer], summary) for layer in layers], axis=-1),
        ),
        "pooled": (
            ("channel", "band", "layer"),
            np.stack([summarise_units(pooled[layer], summary) for layer in layers], axis=-1),
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


@fill_doc
def envelope_class_maps(
    epochs: mne.BaseEpochs,
    bands: Mapping[str, tuple[float, float]] | Sequence[Mapping],
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
    %(epochs)s
    %(bands)s
    model : nn.Module
        The network whose prediction fields the envelopes are averaged over.
    %(raw)s
    %(classes)s
    %(units)s
    %(input_length)s
    batch_size : int
        Trials per batch.

    Returns
    -------
    maps : xarray.Dataset
        ``correlation`` (subject, channel, band, class) and ``pooled``.
    """
    length, prediction = crop_geometry(model, epochs.info, input_length)
    classes = event_classes(epochs, classes)
    subjects = iter_epochs_subjects(epochs, classes, units, bands, raw)
    return envelope_class_subjects(
        subjects, epochs.info, bands, classes, prediction, length, batch_size=batch_size
    )


def envelope_class_subjects(
    subjects: Iterable[SubjectTrials],
    info: mne.Info,
    bands: Mapping[str, tuple[float, float]] | Sequence[Mapping],
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
    bands = as_band_mapping(bands)
    n_chans, n_bands = len(info.ch_names), len(bands)
    done, per_subject, totals = [], [], {}
    for trials in progress(subjects, desc="envelope-class maps", logger=logger):
        statistics = envelope_class_statistics(
            trials.filtered, trials.y, len(classes), prediction, input_length, batch_size
        )
        per_subject.append(as_channel_band_array(statistics, n_chans, n_bands))
        merge_statistics(totals, "all", statistics)
        done.append((trials.subject, trials.split))
    data = {
        "correlation": (
            ("subject", "channel", "band", "class"),
            stack_subjects(per_subject, "envelope-class maps"),
        ),
        "pooled": (
            ("channel", "band", "class"),
            as_channel_band_array(totals["all"], n_chans, n_bands),
        ),
    }
    coords = common_coords(info, done) | band_coords(bands)
    coords["class"] = ("class", np.array(classes))
    attrs = map_attrs("envelope_class", "correlation", "", info, input_length)
    attrs["receptive_field"] = prediction.field
    return xr.Dataset(data, coords, attrs)
