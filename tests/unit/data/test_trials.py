"""Per-subject trials from an mne.Epochs (eegvis.data.trials)."""

from __future__ import annotations

import operator

import mne
import numpy as np
import pandas as pd
import pytest

from eegvis.data.trials import SINGLE_SUBJECT, event_classes, iter_epochs_subjects, subject_numbers

CHANNELS = ["C3", "Cz", "C4"]


def epochs(metadata: pd.DataFrame | None = None) -> mne.EpochsArray:
    rng = np.random.default_rng(0)
    codes = np.array([1, 2, 3, 2, 1, 3, 1, 2])
    events = np.column_stack([np.arange(8) * 500, np.zeros(8, int), codes])
    return mne.EpochsArray(
        rng.standard_normal((8, 3, 50)) * 1e-5,
        mne.create_info(CHANNELS, 100.0, "eeg"),
        events,
        event_id={"left": 1, "right": 2, "rest": 3},
        metadata=metadata,
        verbose="error",
    )


def test_event_classes_default_to_the_epochs_order_and_are_checked():
    trials = epochs()
    assert event_classes(trials) == ["left", "right", "rest"]
    assert event_classes(trials, ("right", "left")) == ["right", "left"]
    with pytest.raises(
        ValueError,
        match=r"classes \['up', 'down'\] are not in the epochs' event_id "
        r"\{'left': 1, 'right': 2, 'rest': 3\}",
    ):
        event_classes(trials, ["left", "up", "down"])


def test_subject_numbers_come_from_the_metadata_or_are_one_subject():
    assert SINGLE_SUBJECT == 0
    assert subject_numbers(epochs()).tolist() == [0] * 8
    other = pd.DataFrame({"run": range(8)})  # metadata without subjects
    assert subject_numbers(epochs(other)).tolist() == [0] * 8
    subjects = pd.DataFrame({"subject": [7, 7, 3, 3, 7, 3, 12, 12], "run": range(8)})
    numbers = subject_numbers(epochs(subjects))
    assert numbers.tolist() == [7, 7, 3, 3, 7, 3, 12, 12] and numbers.dtype.kind == "i"


def test_each_subjects_trials_of_the_chosen_classes_in_their_order():
    subjects = pd.DataFrame({"subject": [7, 7, 3, 3, 7, 3, 12, 12]})
    trials = epochs(subjects)
    data = trials.get_data(units="uV")
    stream = iter_epochs_subjects(trials, classes=["right", "left"])
    assert operator.length_hint(stream) == 3  # the progress lines' total
    got = list(stream)
    assert [s.subject for s in got] == [3, 7, 12]  # increasing subject order
    three = got[0]  # trials 2 (rest: left out), 3 (right), 5 (rest: left out)
    assert three.y.tolist() == [0] and three.X.dtype == np.float32
    np.testing.assert_allclose(three.X, data[[3]], rtol=1e-6)
    seven = got[1]  # trials 0 (left), 1 (right), 4 (left)
    assert seven.y.tolist() == [1, 0, 1] and seven.y.dtype == np.int64
    np.testing.assert_allclose(seven.X, data[[0, 1, 4]], rtol=1e-6)
    assert all(s.filtered is None and s.split == "" for s in got)
    volts = next(iter_epochs_subjects(trials, classes=["right"], units="V"))
    np.testing.assert_allclose(volts.X, data[[3]] * 1e-6, rtol=1e-6)
