"""Envelope-activation and envelope-class correlations of one dense network.

Puts the steps of :mod:`eegvis.envelopes` and :mod:`eegvis.correlation`
together for whole subjects, streaming over batches of trials so memory does
not grow with the number of trials or subjects:

for each batch of trials, the network's input windows (the crops of
:func:`eegvis.crops.crop_starts`) go through the dense model (eval mode, on its
device) to get the outputs of the analysed layers; the same windows of the
band-passed trials give squared Hilbert envelopes, averaged over each layer's
receptive field; both are stitched back to per-trial series and the Pearson
statistics of every (channel, band) envelope with every unit are accumulated,
pooling trials and time. The envelope-class correlation uses the envelope
averaged over the classifier's receptive field and the one-hot class signal.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np
import torch
from torch import nn

from eegvis.correlation import StreamingCorrelation, one_hot_series, pool_samples
from eegvis.crops import crop_starts
from eegvis.envelopes import cut_windows, moving_average, squared_envelope, stitch_windows
from eegvis.models import layer_outputs, receptive_fields

logger = logging.getLogger(__name__)


def _check_inputs(X: np.ndarray, filtered: np.ndarray, input_time_length: int) -> None:
    if filtered.ndim != 4 or filtered.shape[1:] != (X.shape[0], *X.shape[1:]):
        raise ValueError(
            f"filtered must have shape (n_bands, {', '.join(map(str, X.shape))}), "
            f"got {filtered.shape}"
        )
    if input_time_length > X.shape[-1]:
        raise ValueError(
            f"input_time_length {input_time_length} is longer than the trials ({X.shape[-1]})"
        )


def _window_envelopes(filtered: np.ndarray, trials: slice, starts: np.ndarray, length: int):
    """Squared envelopes of the input windows: (n_windows, n_chans, n_bands, length)."""
    per_trial = np.moveaxis(filtered[:, trials], 0, 2)  # (trials, chans, bands, times)
    return squared_envelope(cut_windows(per_trial, starts, length))


def envelope_activation_statistics(
    model: nn.Module,
    X: np.ndarray,
    filtered: np.ndarray,
    input_time_length: int,
    layers: Sequence[str],
    batch_size: int = 16,
) -> dict[str, StreamingCorrelation]:
    """Accumulate envelope-unit correlation statistics of one subject.

    Parameters
    ----------
    model : nn.Module
        Dense model (e.g. :class:`eegvis.models.Deep4Net` after
        :func:`eegvis.models.to_dense_prediction_model`); used on its device
        in eval mode.
    X : ndarray, shape (n_trials, n_chans, n_times)
        The network's input trials.
    filtered : ndarray, shape (n_bands, n_trials, n_chans, n_times)
        The same trials band-passed per band
        (:func:`eegvis.epochs.bandpassed_trials`).
    input_time_length : int
        The network's input window in samples.
    layers : sequence of str
        Names of the analysed layers (e.g. :data:`eegvis.models.BLOCK_OUTPUTS`).
    batch_size : int
        Trials per batch; bounds the memory.

    Returns
    -------
    statistics : dict of str to StreamingCorrelation
        Per layer, the accumulated statistics of x = envelopes (features
        ordered channel-major, then band) and y = the layer's units. Merge
        several subjects with :meth:`StreamingCorrelation.merge`.
    """
    _check_inputs(X, filtered, input_time_length)
    fields = receptive_fields(model)
    n_classifier_preds = input_time_length - fields[list(fields)[-1]] + 1
    starts = crop_starts(X.shape[-1], input_time_length, n_classifier_preds)
    device = next(model.parameters()).device
    n_bands, _, n_chans, _ = filtered.shape
    statistics: dict[str, StreamingCorrelation] = {}
    for begin in range(0, len(X), batch_size):
        trials = slice(begin, begin + batch_size)
        windows = torch.from_numpy(cut_windows(X[trials], starts, input_time_length))
        activations = layer_outputs(model, windows.to(device), layers)
        envelopes = _window_envelopes(filtered, trials, starts, input_time_length)
        for layer in layers:
            units = stitch_windows(activations[layer].double(), starts)
            averaged = moving_average(envelopes, fields[layer])
            if averaged.shape[-1] != activations[layer].shape[-1]:
                raise ValueError(
                    f"layer {layer!r}: {activations[layer].shape[-1]} outputs per window but "
                    f"receptive field {fields[layer]} gives {averaged.shape[-1]}"
                )
            if layer not in statistics:
                statistics[layer] = StreamingCorrelation(
                    n_chans * n_bands, units.shape[1], device=device
                )
            statistics[layer].update(
                pool_samples(torch.from_numpy(stitch_windows(averaged, starts)).to(device)),
                pool_samples(units),
            )
    return statistics


def envelope_class_statistics(
    filtered: np.ndarray,
    labels: np.ndarray,
    n_classes: int,
    input_time_length: int,
    classifier_receptive_field: int,
    batch_size: int = 16,
    device: str | torch.device | None = "cpu",
) -> StreamingCorrelation:
    """Accumulate envelope-class correlation statistics of one subject.

    Parameters
    ----------
    filtered : ndarray, shape (n_bands, n_trials, n_chans, n_times)
        Band-passed trials.
    labels : ndarray of int, shape (n_trials,)
        Class of each trial.
    n_classes : int
        Number of classes.
    input_time_length : int
        The network's input window in samples (envelopes are taken per window).
    classifier_receptive_field : int
        Receptive field of the classifier: the envelope is averaged over it.
    batch_size : int
        Trials per batch.
    device : str | torch.device | None
        Where the statistics are accumulated.

    Returns
    -------
    statistics : StreamingCorrelation
        x = envelopes (channel-major, then band), y = one-hot class signals.
    """
    n_bands, n_trials, n_chans, n_times = filtered.shape
    n_preds = input_time_length - classifier_receptive_field + 1
    starts = crop_starts(n_times, input_time_length, n_preds)
    statistics = StreamingCorrelation(n_chans * n_bands, n_classes, device=device)
    for begin in range(0, n_trials, batch_size):
        trials = slice(begin, begin + batch_size)
        envelopes = _window_envelopes(filtered, trials, starts, input_time_length)
        averaged = stitch_windows(moving_average(envelopes, classifier_receptive_field), starts)
        classes = one_hot_series(labels[trials], n_classes, averaged.shape[-1])
        statistics.update(pool_samples(averaged), pool_samples(classes))
    return statistics


def as_channel_band_array(statistics: StreamingCorrelation, n_chans: int, n_bands: int):
    """Return the correlations as an array (n_chans, n_bands, n_y)."""
    return statistics.correlation().reshape(n_chans, n_bands, -1)


def correlate_subjects(
    model: nn.Module,
    subjects: Iterable[tuple[np.ndarray, np.ndarray]],
    input_time_length: int,
    layers: Sequence[str],
    batch_size: int = 16,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Envelope-activation correlations pooled over subjects, and per subject.

    Parameters
    ----------
    model : nn.Module
        Dense model, used on its device in eval mode.
    subjects : iterable of (X, filtered)
        Per subject, the network's input trials (n_trials, n_chans, n_times)
        and the band-passed trials (n_bands, n_trials, n_chans, n_times);
        consumed one at a time, so a generator keeps memory flat.
    input_time_length : int
        The network's input window in samples.
    layers : sequence of str
        Analysed layers.
    batch_size : int
        Trials per batch.

    Returns
    -------
    pooled : dict of str to ndarray, shape (n_chans, n_bands, n_units)
        Per layer, pooling all subjects' trials and time.
    per_subject : dict of str to ndarray, shape (n_subjects, n_chans, n_bands, n_units)
        Per layer, each subject on its own.
    """
    totals: dict[str, StreamingCorrelation] = {}
    per_subject: dict[str, list[np.ndarray]] = {layer: [] for layer in layers}
    for index, (X, filtered) in enumerate(subjects):
        statistics = envelope_activation_statistics(
            model, X, filtered, input_time_length, layers, batch_size
        )
        n_bands, _, n_chans, _ = filtered.shape
        for layer in layers:
            per_subject[layer].append(as_channel_band_array(statistics[layer], n_chans, n_bands))
            if layer in totals:
                totals[layer].merge(statistics[layer])
            else:
                totals[layer] = statistics[layer]
        logger.info("Subject %d: envelope-activation statistics of %d trials", index + 1, len(X))
    pooled = {layer: as_channel_band_array(totals[layer], n_chans, n_bands) for layer in layers}
    return pooled, {layer: np.stack(arrays) for layer, arrays in per_subject.items()}


def correlate_classes(
    subjects: Iterable[tuple[np.ndarray, np.ndarray]],
    n_classes: int,
    input_time_length: int,
    classifier_receptive_field: int,
    batch_size: int = 16,
) -> tuple[np.ndarray, np.ndarray]:
    """Envelope-class correlations pooled over subjects, and per subject.

    Parameters
    ----------
    subjects : iterable of (filtered, labels)
        Per subject, band-passed trials (n_bands, n_trials, n_chans, n_times)
        and their class labels.
    n_classes : int
        Number of classes.
    input_time_length : int
        The network's input window in samples.
    classifier_receptive_field : int
        Receptive field of the classifier, in samples.
    batch_size : int
        Trials per batch.

    Returns
    -------
    pooled : ndarray, shape (n_chans, n_bands, n_classes)
    per_subject : ndarray, shape (n_subjects, n_chans, n_bands, n_classes)
    """
    total, per_subject = None, []
    for filtered, labels in subjects:
        statistics = envelope_class_statistics(
            filtered, labels, n_classes, input_time_length, classifier_receptive_field, batch_size
        )
        n_bands, _, n_chans, _ = filtered.shape
        per_subject.append(as_channel_band_array(statistics, n_chans, n_bands))
        if total is None:
            total = statistics
        else:
            total.merge(statistics)
    return as_channel_band_array(total, n_chans, n_bands), np.stack(per_subject)
