"""Envelope-activation and envelope-class correlations of any network.

Puts the steps of :mod:`eegvis.analyses.envelopes` and :mod:`eegvis.analyses.correlation`
together for whole subjects, streaming over batches of trials so memory does
not grow with the number of trials or subjects.

Each trial is cut into the network's input windows (:func:`window_starts`).
For each batch of trials, the windows go through the network once (eval mode,
on its device) with forward hooks on the analysed layers
(:func:`eegvis.models.layers.capture_outputs`); the same windows of the band-passed
trials give squared Hilbert envelopes. A layer's output sample covers the input
samples ``[i * stride + offset, i * stride + offset + field)``
(:func:`eegvis.models.layers.receptive_fields`): the envelope is averaged over each such
field and taken at the layer's stride, so dense (stride 1) and strided networks
are handled alike, and outputs whose field is cut by padding are left out.
Where consecutive windows overlap, each trial sample's output is taken from the
first window that holds it (:func:`kept_outputs`, :func:`join_windows`). The Pearson statistics of
every (channel, band) envelope with every unit are accumulated pooling trials
and time. The envelope-class correlation uses the envelope averaged over the
network's prediction fields and the one-hot class signal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from eegvis.analyses.correlation import StreamingCorrelation, one_hot_series, pool_samples
from eegvis.analyses.envelopes import cut_windows, running_sums, squared_envelope
from eegvis.models.crops import crop_starts
from eegvis.models.layers import LayerGeometry, capture_outputs

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
    the last one ends at the trial's end (:func:`eegvis.models.crops.crop_starts`).

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
        fields), trial-major as from :func:`eegvis.analyses.envelopes.cut_windows`.
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
    pieces = [grouped[:, window, ..., outputs] for window, outputs in _output_runs(kept)]
    if isinstance(grouped, torch.Tensor):
        return torch.cat(pieces, dim=-1)
    return np.concatenate(pieces, axis=-1)


def _output_runs(kept: KeptOutputs) -> list[tuple[int, slice]]:
    """Each window's kept outputs as a slice (they are consecutive: the window's last ones)."""
    runs = []
    for window in np.unique(kept.window).tolist():
        outputs = kept.output[kept.window == window]
        if np.any(np.diff(outputs) != 1):
            raise ValueError(f"window {window}: kept outputs {outputs} are not consecutive")
        runs.append((window, slice(int(outputs[0]), int(outputs[-1]) + 1)))
    return runs


def _check_inputs(X: np.ndarray, filtered: np.ndarray, input_length: int) -> None:
    if filtered.ndim != 4 or filtered.shape[1:] != (X.shape[0], *X.shape[1:]):
        raise ValueError(
            f"filtered must have shape (n_bands, {', '.join(map(str, X.shape))}), "
            f"got {filtered.shape}"
        )
    if input_length > X.shape[-1]:
        raise ValueError(f"input_length {input_length} is longer than the trials ({X.shape[-1]})")


def _envelope_sums(
    filtered: np.ndarray, trials: slice, starts: np.ndarray, length: int, device: torch.device
) -> torch.Tensor:
    """Return running sums of the windows' squared envelopes (windows, chans, bands, length + 1)."""
    per_trial = torch.from_numpy(filtered[:, trials]).to(device).movedim(0, 2)
    return running_sums(squared_envelope(cut_windows(per_trial, starts, length)))


def _field_envelopes(
    sums: torch.Tensor, n_windows: int, geometry: LayerGeometry, runs: list[tuple[int, slice]]
) -> torch.Tensor:
    """Envelopes averaged over a layer's fields, joined and pooled: (n_samples, n_features).

    Equals ``pool_samples(join_windows(window_means(sums, ...), n_windows, kept))``,
    in one pass: each window's kept means are written straight into a
    feature-major buffer, returned transposed (a view).
    """
    n_features, length = math.prod(sums.shape[1:-1]), sums.shape[-1]
    grouped = sums.reshape(-1, n_windows, n_features, length)
    n_trials = grouped.shape[0]
    pooled = sums.new_empty(n_features, n_trials, _n_kept(runs))
    starts, field, stride = geometry.starts(), geometry.field, geometry.stride
    position = 0
    for window, outputs in runs:
        first = int(starts[outputs.start])
        stop = int(starts[outputs.stop - 1]) + 1
        count = outputs.stop - outputs.start
        torch.sub(
            grouped[:, window, :, first + field : stop + field : stride],
            grouped[:, window, :, first:stop:stride],
            out=pooled[..., position : position + count].transpose(0, 1),
        )
        position += count
    return pooled.div_(field).reshape(n_features, -1).T


def _pooled_units(
    outputs: list[torch.Tensor], n_windows: int, runs: list[tuple[int, slice]]
) -> torch.Tensor:
    """Several networks' layer outputs joined and pooled side by side: (n_samples, n_units).

    Equals ``torch.cat([pool_samples(join_windows(output.double(), ...)) ...], dim=1)``,
    converting and copying each output once.
    """
    units = [output.shape[1] for output in outputs]
    first = outputs[0]
    n_trials = first.shape[0] // n_windows
    pooled = first.new_empty(sum(units), n_trials, _n_kept(runs), dtype=torch.float64)
    row = 0
    for output, n_units in zip(outputs, units, strict=True):
        grouped = output.reshape(n_trials, n_windows, n_units, -1)
        position = 0
        for window, selected in runs:
            count = selected.stop - selected.start
            target = pooled[row : row + n_units, :, position : position + count]
            target.copy_(grouped[:, window, :, selected].transpose(0, 1))
            position += count
        row += n_units
    return pooled.reshape(sum(units), -1).T


def _n_kept(runs: list[tuple[int, slice]]) -> int:
    return sum(outputs.stop - outputs.start for _, outputs in runs)


def _common_device(models: Mapping[str, nn.Module]) -> tuple[torch.device, torch.dtype]:
    placed = {name: next(model.parameters()) for name, model in models.items()}
    if not placed:
        raise ValueError("no network given")
    devices = {param.device for param in placed.values()}
    if len(devices) != 1:
        where = ", ".join(f"{name} on {param.device}" for name, param in placed.items())
        raise ValueError(f"the networks must be on one device to share envelopes: {where}")
    first = next(iter(placed.values()))
    return first.device, first.dtype


def _check_unit_counts(models: Mapping[str, nn.Module], counts: list[int], layer: str) -> None:
    if len(set(counts)) > 1:
        found = ", ".join(f"{name}: {count}" for name, count in zip(models, counts, strict=True))
        raise ValueError(f"the networks' layer {layer!r} has different numbers of units ({found})")


def envelope_activation_statistics(
    models: Mapping[str, nn.Module],
    X: np.ndarray,
    filtered: np.ndarray,
    geometry: Mapping[str, LayerGeometry],
    input_length: int,
    batch_size: int = 16,
) -> dict[str, StreamingCorrelation]:
    """Accumulate envelope-unit correlation statistics of one subject for several networks.

    Everything runs in torch on the networks' device. For each batch of
    trials the windows go through every network once; the squared envelopes
    of the band-passed windows, their running sums and their means over each
    layer's fields are computed once and shared by all networks, and one
    accumulator per layer takes the units of all networks side by side, so the
    envelopes' own sums are also computed once.

    Parameters
    ----------
    models : mapping of str to nn.Module
        Networks taking ``(batch, n_chans, input_length)`` with the same layer
        geometry and unit counts (e.g. a trained network and its untrained
        initialisation), all on one device; used in eval mode.
    X : ndarray, shape (n_trials, n_chans, n_times)
        The networks' input trials.
    filtered : ndarray, shape (n_bands, n_trials, n_chans, n_times)
        The same trials band-passed per band.
    geometry : mapping of str to LayerGeometry
        The analysed layers and, under :data:`OUTPUT`, the networks' output
        (:func:`eegvis.models.layers.receptive_fields` with ``[*layers, ""]``).
    input_length : int
        The networks' input window in samples.
    batch_size : int
        Trials per batch; bounds the memory.

    Returns
    -------
    statistics : dict of str to StreamingCorrelation
        Per layer, the accumulated statistics of x = envelopes (features
        ordered channel-major, then band) and y = the layer's units of every
        network, network-major in the order of ``models``. Merge several
        subjects with :meth:`StreamingCorrelation.merge`.
    """
    _check_inputs(X, filtered, input_length)
    device, dtype = _common_device(models)
    layers = {name: shape for name, shape in geometry.items() if name != OUTPUT}
    starts = window_starts(X.shape[-1], input_length, geometry[OUTPUT])
    runs = {layer: _output_runs(kept_outputs(starts, shape)) for layer, shape in layers.items()}
    n_features = filtered.shape[0] * filtered.shape[2]
    statistics: dict[str, StreamingCorrelation] = {}
    for begin in range(0, len(X), batch_size):
        trials = slice(begin, begin + batch_size)
        windows = cut_windows(torch.from_numpy(X[trials]).to(device, dtype), starts, input_length)
        outputs = [capture_outputs(model, windows, layers) for model in models.values()]
        sums = _envelope_sums(filtered, trials, starts, input_length, device)
        for layer, shape in layers.items():
            _check_unit_counts(models, [output[layer].shape[1] for output in outputs], layer)
            units = _pooled_units([output[layer] for output in outputs], len(starts), runs[layer])
            if layer not in statistics:
                statistics[layer] = StreamingCorrelation(n_features, units.shape[1], device=device)
            statistics[layer].update(_field_envelopes(sums, len(starts), shape, runs[layer]), units)
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
        each prediction's field (:func:`eegvis.models.layers.receptive_fields`
        of the model, layer ``""``).
    input_length : int
        The network's input window in samples (envelopes are taken per window).
    batch_size : int
        Trials per batch.
    device : str | torch.device | None
        Where envelopes and statistics are computed (CUDA if available when None).

    Returns
    -------
    statistics : StreamingCorrelation
        x = envelopes (channel-major, then band), y = one-hot class signals.
    """
    n_bands, n_trials, n_chans, n_times = filtered.shape
    starts = window_starts(n_times, input_length, prediction)
    runs = _output_runs(kept_outputs(starts, prediction))
    statistics = StreamingCorrelation(n_chans * n_bands, n_classes, device=device)
    for begin in range(0, n_trials, batch_size):
        trials = slice(begin, begin + batch_size)
        sums = _envelope_sums(filtered, trials, starts, input_length, statistics.device)
        envelopes = _field_envelopes(sums, len(starts), prediction, runs)
        labels_batch = labels[trials]
        classes = one_hot_series(labels_batch, n_classes, len(envelopes) // len(labels_batch))
        statistics.update(envelopes, pool_samples(torch.from_numpy(classes)))
    return statistics


def as_channel_band_array(statistics: StreamingCorrelation, n_chans: int, n_bands: int):
    """Return the correlations as an array (n_chans, n_bands, n_y)."""
    return statistics.correlation().reshape(n_chans, n_bands, -1)
