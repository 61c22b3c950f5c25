"""Band-passed trials made inside the envelope jobs, from real EEGBCI recordings."""

from __future__ import annotations

import threading

import mne
import numpy as np
import pytest
from test_epochs import CLASSES, RUNS, SFREQ, TMAX, TMIN, run_paths

from eegvis.data.bandpassing import bandpassed_subjects, bandpassed_trials
from eegvis.data.epochs import epoch_run, epoch_subject
from eegvis.data.filters import bandpass
from eegvis.data.recordings import read_runs
from eegvis.data.subjects import prefetched
from eegvis.utils.io import write_json

BANDS = [(7.0, 13.0), (60.0, 78.0)]
WINDOW = {"classes": CLASSES, "tmin": TMIN, "tmax": TMAX, "sfreq": SFREQ, "units": "uV"}


@pytest.fixture(scope="module")
def saved_epochs(eegbci_dir, tmp_path_factory):
    """The workflow's epochs and summaries of subjects 1 and 2."""
    folder = tmp_path_factory.mktemp("epochs")
    paths = {"epochs": [], "summaries": [], "recordings": {}}
    for subject in (1, 2):
        recordings = run_paths(eegbci_dir, subject)
        epochs, summary = epoch_subject(subject, recordings, RUNS, CLASSES, TMIN, TMAX, SFREQ)
        paths["epochs"].append(folder / f"sub-{subject:03d}_epo.fif")
        paths["summaries"].append(folder / f"sub-{subject:03d}.json")
        epochs.save(paths["epochs"][-1], verbose="error")
        write_json(paths["summaries"][-1], summary.to_dict())
        paths["recordings"][subject] = recordings
    return paths


def subjects(saved_epochs, recordings=None):
    return bandpassed_subjects(
        saved_epochs["epochs"],
        saved_epochs["summaries"],
        list(CLASSES),
        saved_epochs["recordings"] if recordings is None else recordings,
        RUNS,
        WINDOW,
        BANDS,
        splits={1: "train", 2: "valid"},
    )


def test_each_subject_is_the_continuous_runs_filtered_then_cut(eegbci_dir, saved_epochs):
    loaded = list(subjects(saved_epochs))
    assert [(s.subject, s.split) for s in loaded] == [(1, "train"), (2, "valid")]
    first = loaded[0]
    assert first.filtered.shape == (len(BANDS), *first.X.shape)
    raw = mne.io.read_raw_edf(run_paths(eegbci_dir, 1)[0], preload=True, verbose="error")
    onsets = raw.annotations.onset[np.isin(raw.annotations.description, list(CLASSES.values()))]
    start = round((onsets[0] + TMIN) * SFREQ)
    whole = bandpass(raw.get_data() * 1e6, SFREQ, *BANDS[1])
    np.testing.assert_allclose(
        first.filtered[1, 0],
        whole[:, start : start + first.X.shape[-1]],
        rtol=1e-5,
        atol=1e-4,
    )


def test_missing_recordings_name_the_subject(saved_epochs):
    with pytest.raises(KeyError, match="subject 2"):
        list(subjects(saved_epochs, {1: saved_epochs["recordings"][1]}))


def test_prefetched_keeps_order_and_loads_ahead():
    produced, consumed = [], []

    def numbers():
        for number in range(5):
            produced.append(number)
            yield number

    for number in prefetched(numbers(), depth=2):
        consumed.append((number, len(produced)))
    assert [number for number, _ in consumed] == list(range(5))
    assert max(ahead - number for number, ahead in consumed) >= 2


def test_prefetched_raises_the_producers_error_in_the_consumer():
    def failing():
        yield 1
        raise RuntimeError("subject 7: unreadable")

    got = []
    with pytest.raises(RuntimeError, match="subject 7"):
        for item in prefetched(failing()):
            got.append(item)
    assert got == [1]


def test_prefetched_stops_its_thread_when_the_consumer_stops():
    before = threading.active_count()
    for item in prefetched(iter(range(100))):
        if item == 3:
            break
    assert threading.active_count() == before


def test_one_epoching_per_run_cuts_every_band_as_mne_would(eegbci_dir):
    paths = run_paths(eegbci_dir, 3)
    filtered = bandpassed_trials(paths, RUNS, CLASSES, TMIN, TMAX, SFREQ, BANDS)
    expected = []
    for (raw, _), run in zip(read_runs(paths, SFREQ), RUNS, strict=True):
        per_band = []
        for low, high in BANDS:
            band_raw = raw.copy().apply_function(
                lambda data, low=low, high=high: bandpass(data, SFREQ, low, high),
                channel_wise=False,
                verbose="error",
            )
            per_band.append(epoch_run(band_raw, CLASSES, TMIN, TMAX, run)[0].get_data() * 1e6)
        expected.append(np.stack(per_band))
    np.testing.assert_array_equal(filtered, np.concatenate(expected, axis=1).astype(np.float32))


def test_bands_filtered_in_threads_give_the_same_trials(eegbci_dir):
    paths = run_paths(eegbci_dir, 4)
    one = bandpassed_trials(paths, RUNS, CLASSES, TMIN, TMAX, SFREQ, BANDS)
    three = bandpassed_trials(paths, RUNS, CLASSES, TMIN, TMAX, SFREQ, BANDS, n_jobs=3)
    assert one.dtype == three.dtype == np.float32
    np.testing.assert_array_equal(three, one)
    with pytest.raises(ValueError, match="n_jobs must be at least 1, got 0"):
        bandpassed_trials(paths, RUNS, CLASSES, TMIN, TMAX, SFREQ, BANDS, n_jobs=0)
