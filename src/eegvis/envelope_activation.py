"""Envelope-activation and envelope-class correlations of any network.

Puts the steps of :mod:`eegvis.envelopes` and :mod:`eegvis.correlation`
together for whole subjects, streaming over batches of trials so memory does
not grow with the number of trials or subjects.

Each trial is cut into the network's input windows (:func:`window_starts`).
For each batch of trials, the windows go through the network once (eval mode,
on its device) with forward hooks on the analysed layers
(:func:`eegvis.layers.capture_outputs`); the same windows of the band-passed
trials give squared Hilbert envelopes. A layer's output sample covers the input
samples ``[i * stride + offset, i * stride + offset + field)``
(:func:`eegvis.layers.receptive_fields`): the envelope is averaged over each such
field and taken at the layer's stride, so dense (stride 1) and strided networks
are handled alike, and outputs whose field is cut by padding are left out.
Where consecutive windows overlap, each trial sample's output is taken from the
first window that holds it (:func:`kept_outputs`, :func:`join_windows`). The Pearson statistics of
every (channel, band) envelope with every unit are accumulated pooling trials
and time. The envelope-class correlation uses the envelope averaged over the
network's prediction fields and the one-hot class signal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from eegvis.correlation import StreamingCorrelation, one_hot_series, pool_samples
from eegvis.crops import crop_starts
from eegvis.envelopes import cut_windows, moving_average, squared_envelope
from eegvis.layers import LayerGeometry, capture_outputs

#: Name of the model's own output in geometry dicts (``model.named_modules()`` calls it so).
OUTPUT = ""


@dataclass(frozen=True)
class KeptOutputs:
    """Which output samples of which windows make up one trial's series of a layer.

    Attributes
    ----------
    window : ndarray of int
        Window of each kept sample (index into the trial's window starts).
    output : ndarray of int
        The sample's index among the layer's valid outputs of that window.
    position : ndarray of int
        First trial sample of the sample's field (increasing).
    """

    window: np.ndarray
    output: np.ndarray
    position: np.ndarray


def window_starts(n_times: int, input_length: int, prediction: LayerGeometry) -> np.ndarray:
    """Start samples of the input windows that cover a trial.

    Windows step by the span of the network's predictions
    (``n_valid * stride`` samples; the whole window when it predicts once) and
    the last one ends at the trial's end (:func:`eegvis.crops.crop_starts`).

    Parameters
    ----------
    n_times : int
        Trial length in samples.
    input_length : int
        The network's input window in samples.
    prediction : LayerGeometry
        Geometry of the network's output.

    Returns
    -------
    starts : ndarray of int
    """
    n_valid = len(range(prediction.n_outputs)[prediction.valid])
    step = input_length if n_valid == 1 else min(n_valid * prediction.stride, input_length)
    return crop_starts(n_times, input_length, step)


def kept_outputs(starts: np.ndarray, geometry: LayerGeometry) -> KeptOutputs:
    """Select the output samples of each window that no earlier window holds.

    Parameters
    ----------
    starts : ndarray of int
        Window starts within the trial, increasing.
    geometry : LayerGeometry
        The layer's geometry.

    Returns
    -------
    kept : KeptOutputs
        Window 0 gives all its valid outputs, every later window those whose
        field starts after the last field start kept so far. Windows further
        apart than a window's outputs reach (e.g. one prediction per window, or
        outputs lost to padding) leave trial samples that no kept output starts
        at; those are simply not analysed.
    """
    starts = np.asarray(starts)
    if starts.ndim != 1 or not len(starts) or np.any(np.diff(starts) <= 0):
        raise ValueError(f"window starts must be increasing, got {starts.tolist()}")
    within = geometry.starts()
    windows, outputs, positions = [], [], []
    last = -1
    for k, start in enumerate(starts.tolist()):
        new = np.flatnonzero(start + within > last)
        windows.append(np.full(len(new), k))
        outputs.append(new)
        positions.append(start + within[new])
        if len(new):
            last = int(positions[-1][-1])
    return KeptOutputs(*(np.concatenate(parts) for parts in (windows, outputs, positions)))


def join_windows(
    windowed: np.ndarray | torch.Tensor, n_windows: int, kept: KeptOutputs
) -> np.ndarray | torch.Tensor:
    """Join per-window series of a layer into per-trial series.

    Parameters
    ----------
    windowed : ndarray | Tensor, shape (n_trials * n_windows, ..., n_valid)
        Per-window series (activations, or envelopes averaged over the layer's
        fields), trial-major as from :func:`eegvis.envelopes.cut_windows`.
    n_windows : int
        Windows per trial.
    kept : KeptOutputs
        The samples to keep, from :func:`kept_outputs`.

    Returns
    -------
    joined : same type, shape (n_trials, ..., n_kept)
        For a dense layer, the layer's output for the whole trial.
    """
    grouped = windowed.reshape(-1, n_windows, *windowed.shape[1:])
    if isinstance(grouped, torch.Tensor):
        window = torch.as_tensor(kept.window, device=grouped.device)
        output = torch.as_tensor(kept.output, device=grouped.device)
        return grouped.movedim(1, -2)[..., window, output]
    return np.moveaxis(grouped, 1, -2)[..., kept.window, kept.output]


def _field_envelopes(envelopes: np.ndarray, geometry: LayerGeometry) -> np.ndarray:
    """Envelopes (windows, chans, bands, n_times) averaged over each valid output's field."""
    return moving_average(envelopes, geometry.field)[..., geometry.starts()]


def _check_inputs(X: np.ndarray, filtered: np.ndarray, input_length: int) -> None:
    if filtered.ndim != 4 or filtered.shape[1:] != (X.shape[0], *X.shape[1:]):
        raise ValueError(
            f"filtered must have shape (n_bands, {', '.join(map(str, X.shape))}), "
            f"got {filtered.shape}"
        )
    if input_length > X.shape[-1]:
        raise ValueError(f"input_length {input_length} is longer than the trials ({X.shape[-1]})")


def _window_envelopes(filtered: np.ndarray, trials: slice, starts: np.ndarray, length: int):
    """Squared envelopes of the input windows: (n_windows, n_chans, n_bands, length)."""
    per_trial = np.moveaxis(filtered[:, trials], 0, 2)  # (trials, chans, bands, times)
    return squared_envelope(cut_windows(per_trial, starts, length))


def envelope_activation_statistics(
    model: nn.Module,
    X: np.ndarray,
    filtered: np.ndarray,
    geometry: Mapping[str, LayerGeometry],
    input_length: int,
    batch_size: int = 16,
) -> dict[str, StreamingCorrelation]:
    """Accumulate envelope-unit correlation statistics of one subject.

    Parameters
    ----------
    model : nn.Module
        Any network taking ``(batch, n_chans, input_length)``; used on its
        device in eval mode.
    X : ndarray, shape (n_trials, n_chans, n_times)
        The network's input trials.
    filtered : ndarray, shape (n_bands, n_trials, n_chans, n_times)
        The same trials band-passed per band.
    geometry : mapping of str to LayerGeometry
        The analysed layers and, under :data:`OUTPUT`, the network's output
        (:func:`eegvis.layers.receptive_fields` with ``[*layers, ""]``).
    input_length : int
        The network's input window in samples.
    batch_size : int
        Trials per batch; bounds the memory.

    Returns
    -------
    statistics : dict of str to StreamingCorrelation
        Per layer, the accumulated statistics of x = envelopes (features
        ordered channel-major, then band) and y = the layer's units. Merge
        several subjects with :meth:`StreamingCorrelation.merge`.
    """
    _check_inputs(X, filtered, input_length)
    layers = {name: shape for name, shape in geometry.items() if name != OUTPUT}
    starts = window_starts(X.shape[-1], input_length, geometry[OUTPUT])
    kept = {layer: kept_outputs(starts, shape) for layer, shape in layers.items()}
    param = next(model.parameters())
    n_bands, _, n_chans, _ = filtered.shape
    statistics: dict[str, StreamingCorrelation] = {}
    for begin in range(0, len(X), batch_size):
        trials = slice(begin, begin + batch_size)
        windows = torch.from_numpy(cut_windows(X[trials], starts, input_length))
        activations = capture_outputs(model, windows.to(param.device, param.dtype), layers)
        envelopes = _window_envelopes(filtered, trials, starts, input_length)
        for layer, shape in layers.items():
            units = join_windows(activations[layer].double(), len(starts), kept[layer])
            averaged = join_windows(_field_envelopes(envelopes, shape), len(starts), kept[layer])
            if layer not in statistics:
                statistics[layer] = StreamingCorrelation(
                    n_chans * n_bands, units.shape[1], device=param.device
                )
            statistics[layer].update(
                pool_samples(torch.from_numpy(averaged).to(param.device)), pool_samples(units)
            )
    return statistics


def envelope_class_statistics(
    filtered: np.ndarray,
    labels: np.ndarray,
    n_classes: int,
    prediction: LayerGeometry,
    input_length: int,
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
    prediction : LayerGeometry
        Geometry of the network's predictions: the envelope is averaged over
        each prediction's field (:func:`eegvis.layers.receptive_fields` of the model, layer ``""``).
    input_length : int
        The network's input window in samples (envelopes are taken per window).
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
    starts = window_starts(n_times, input_length, prediction)
    kept = kept_outputs(starts, prediction)
    statistics = StreamingCorrelation(n_chans * n_bands, n_classes, device=device)
    for begin in range(0, n_trials, batch_size):
        trials = slice(begin, begin + batch_size)
        envelopes = _window_envelopes(filtered, trials, starts, input_length)
        averaged = join_windows(_field_envelopes(envelopes, prediction), len(starts), kept)
        classes = one_hot_series(labels[trials], n_classes, averaged.shape[-1])
        statistics.update(pool_samples(averaged), pool_samples(classes))
    return statistics


def as_channel_band_array(statistics: StreamingCorrelation, n_chans: int, n_bands: int):
    """Return the correlations as an array (n_chans, n_bands, n_y)."""
    return statistics.correlation().reshape(n_chans, n_bands, -1)
