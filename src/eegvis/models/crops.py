"""Crops for cropped ("dense") decoding.

A dense network with receptive field ``rf`` maps an input window of
``input_time_length`` samples to ``n_preds = input_time_length - rf + 1``
predictions, one for each of the window's last ``n_preds`` samples. A trial of
``n_times`` samples is covered by windows that start every ``n_preds`` samples,
plus one window aligned to the trial's end, so that every sample from
``rf - 1`` to ``n_times - 1`` is predicted (the first ``rf - 1`` samples cannot
be: their receptive field would reach before the trial).
"""

from __future__ import annotations

import numpy as np


def crop_starts(n_times: int, input_time_length: int, n_preds: int) -> np.ndarray:
    """Return the start sample of every crop of one trial.

    Parameters
    ----------
    n_times : int
        Trial length in samples.
    input_time_length : int
        Crop length in samples (the network's input window).
    n_preds : int
        Predictions per crop (``input_time_length - receptive_field + 1``).

    Returns
    -------
    starts : ndarray of int, shape (n_crops,)
        Increasing start samples; the last crop ends at the trial's end.

    Raises
    ------
    ValueError
        If the crop is longer than the trial or ``n_preds`` is not in
        ``1 .. input_time_length``.
    """
    if input_time_length > n_times:
        raise ValueError(
            f"input_time_length ({input_time_length} samples) is longer than the trials "
            f"({n_times} samples)."
        )
    if not 1 <= n_preds <= input_time_length:
        raise ValueError(f"n_preds must be in 1..{input_time_length}, got {n_preds}.")
    last = n_times - input_time_length
    starts = np.arange(0, last + 1, n_preds)
    if starts[-1] != last:
        starts = np.append(starts, last)
    return starts


def crop_index(n_trials: int, starts: np.ndarray) -> np.ndarray:
    """Return ``(trial, start)`` pairs of all crops of all trials.

    Parameters
    ----------
    n_trials : int
        Number of trials (all of the same length).
    starts : ndarray of int, shape (n_crops_per_trial,)
        Output of :func:`crop_starts`.

    Returns
    -------
    index : ndarray of int, shape (n_trials * n_crops_per_trial, 2)
        Trial-major order.
    """
    trials = np.repeat(np.arange(n_trials), len(starts))
    return np.stack([trials, np.tile(starts, n_trials)], axis=1)


def trial_predictions(
    crop_preds: np.ndarray, n_trials: int, starts: np.ndarray, input_time_length: int
) -> np.ndarray:
    """Average dense crop predictions over each trial's predicted samples.

    Samples covered by two crops (the last crop overlaps its neighbour) are
    counted once.

    Parameters
    ----------
    crop_preds : ndarray, shape (n_trials * n_crops_per_trial, n_classes, n_preds)
        Dense predictions of every crop in the order of :func:`crop_index`.
    n_trials : int
        Number of trials.
    starts : ndarray of int, shape (n_crops_per_trial,)
        Crop starts, as from :func:`crop_starts`.
    input_time_length : int
        Crop length in samples.

    Returns
    -------
    preds : ndarray, shape (n_trials, n_classes)
        Mean prediction per trial over samples ``rf - 1 .. n_times - 1``.
    """
    n_classes, n_preds = crop_preds.shape[1:]
    per_trial = crop_preds.reshape(n_trials, len(starts), n_classes, n_preds)
    first = input_time_length - n_preds
    end = starts[-1] + input_time_length
    covered = np.zeros((n_trials, n_classes, end - first), dtype=np.float64)
    for i, start in enumerate(starts):
        offset = start  # the crop's first prediction is for sample start + first
        covered[:, :, offset : offset + n_preds] = per_trial[:, i]
    return covered.mean(axis=-1)
