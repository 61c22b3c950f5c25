"""Crops cover every predictable sample; trial predictions count each sample once."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eegvis.models.crops import crop_index, crop_starts, trial_predictions


@pytest.mark.parametrize(
    ("n_times", "length", "n_preds"), [(497, 450, 315), (1000, 1000, 479), (500, 100, 7)]
)
def test_crops_cover_each_predictable_sample_once_or_twice(n_times, length, n_preds):
    starts = crop_starts(n_times, length, n_preds)
    predicted = np.concatenate([np.arange(s + length - n_preds, s + length) for s in starts])
    first = length - n_preds  # the receptive field minus one
    assert np.array_equal(np.unique(predicted), np.arange(first, n_times))
    assert starts[0] == 0 and starts[-1] + length == n_times
    assert np.all(np.diff(starts) <= n_preds)


def test_seed_setup_has_two_crops_per_trial():
    assert crop_starts(497, 450, 315).tolist() == [0, 47]


def test_crop_longer_than_trial_is_an_error():
    with pytest.raises(ValueError, match="input_time_length"):
        crop_starts(400, 450, 315)


def test_trial_predictions_average_unique_samples():
    n_trials, length, n_preds, n_times = 3, 10, 4, 17
    starts = crop_starts(n_times, length, n_preds)
    index = crop_index(n_trials, starts)
    rng = np.random.default_rng(0)
    # A per-sample "prediction" that a dense network would give for each sample.
    truth = rng.normal(size=(n_trials, 2, n_times))
    crop_preds = np.stack([truth[t, :, s + length - n_preds : s + length] for t, s in index])
    expected = truth[:, :, length - n_preds :].mean(axis=-1)
    np.testing.assert_allclose(
        trial_predictions(crop_preds, n_trials, starts, length), expected, rtol=1e-12
    )


@settings(max_examples=100, deadline=None)
@given(data=st.data(), n_times=st.integers(2, 600))
def test_window_predictions_cover_every_trial_sample(data, n_times):
    """Crops as braindecode cuts them: the classifier's predictions cover the whole trial."""
    window = data.draw(st.integers(1, n_times))
    classifier_rf = data.draw(st.integers(1, window))
    n_preds = window - classifier_rf + 1
    starts = crop_starts(n_times, window, n_preds)
    covered = np.zeros(n_times, dtype=bool)
    for start in starts:
        # prediction j of a window ends at input sample start + j + rf - 1
        covered[start + classifier_rf - 1 : start + window] = True
    assert covered[classifier_rf - 1 :].all() and not covered[: classifier_rf - 1].any()
    assert starts[0] == 0 and starts[-1] == n_times - window
