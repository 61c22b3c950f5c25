"""What the map builders share: each subject's crops, stacking, coordinates and attributes.

Private to :mod:`eegvis.analyses`; :mod:`~eegvis.analyses.envelope_maps` and
:mod:`~eegvis.analyses.spectral_maps` and :mod:`~eegvis.analyses.attribution_maps`
call it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import mne
import numpy as np
import xarray as xr
from torch import nn

from eegvis.analyses._shared import has_log_softmax
from eegvis.analyses.correlation import StreamingCorrelation
from eegvis.analyses.envelope_activation import OUTPUT, window_starts
from eegvis.analyses.envelopes import cut_windows
from eegvis.data.subjects import SubjectTrials
from eegvis.data.trials import event_classes, iter_epochs_subjects
from eegvis.maps import channel_coords, subject_coords
from eegvis.models.layers import LayerGeometry, receptive_fields


def input_length_of(model: nn.Module, input_length: int | None) -> int:
    length = input_length if input_length is not None else getattr(model, "n_times", None)
    if length is None:
        raise ValueError("the model has no n_times attribute: give input_length (in samples)")
    return int(length)


def crop_geometry(
    model: nn.Module, info: mne.Info, input_length: int | None
) -> tuple[int, LayerGeometry]:
    """Return the network's input window in samples and the geometry of its predictions."""
    length = input_length_of(model, input_length)
    return length, receptive_fields(model, len(info.ch_names), length, [OUTPUT])[OUTPUT]


def subject_crops(X: np.ndarray, length: int, prediction: LayerGeometry) -> np.ndarray:
    """Every input window of every trial, trial-major."""
    starts = window_starts(X.shape[-1], length, prediction)
    return cut_windows(X, starts, length)


def labelled_crops(
    trials: SubjectTrials, length: int, prediction: LayerGeometry
) -> tuple[np.ndarray, np.ndarray]:
    """Return one subject's crops (:func:`subject_crops`) and each crop's class."""
    crops = subject_crops(trials.X, length, prediction)
    return crops, np.repeat(trials.y, len(crops) // len(trials.y))  # trial-major crops


def stack_subjects(values: list[np.ndarray], what: str) -> np.ndarray:
    if not values:
        raise ValueError(f"no subject with trials for the {what}")
    return np.stack(values)


def common_coords(info: mne.Info, subjects: list[tuple[int, str]]) -> dict:
    """Channel and subject coordinates; ``subjects`` holds (number, split) pairs."""
    return channel_coords(info) | subject_coords([s for s, _ in subjects], dict(subjects))


def map_attrs(analysis: str, main: str, network: str, info: mne.Info, length: int) -> dict:
    return {
        "analysis": analysis,
        "map": main,
        "network": network,
        "sfreq": float(info["sfreq"]),
        "input_length": int(length),
    }


def merge_statistics(
    totals: dict[str, StreamingCorrelation], key: str, other: StreamingCorrelation
) -> None:
    if key in totals:
        totals[key].merge(other)
    else:
        totals[key] = other


def on_epochs(
    subjects_maps: Callable[..., xr.Dataset],
    model: nn.Module,
    epochs: mne.BaseEpochs,
    classes: Sequence[str] | None,
    units: str,
    strip_log_softmax: bool,
    **options: Any,
) -> xr.Dataset:
    """Run a ``*_subjects`` function on the subjects of ``epochs``.

    The classes default to the order of ``epochs.event_id``; the LogSoftmax is
    stripped only if asked for and the model has one.
    """
    classes = event_classes(epochs, classes)
    return subjects_maps(
        model,
        iter_epochs_subjects(epochs, classes, units),
        epochs.info,
        classes,
        strip_log_softmax=strip_log_softmax and has_log_softmax(model),
        **options,
    )


def spectral_coords(coords: dict, freqs: np.ndarray, classes: Sequence[str]) -> dict:
    """Add the ``frequency`` and ``class`` coordinates of a spectral map to ``coords``."""
    coords.update(frequency=("frequency", freqs), **{"class": ("class", np.array(classes))})
    return coords
