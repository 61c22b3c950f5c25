"""Band-passed trials: the continuous recording filtered, then cut like the epochs (real
EEGBCI recordings and synthetic ones)."""

from __future__ import annotations

import mne
import numpy as np
import pytest
from test_epochs import CLASSES, RUNS, SFREQ, TMAX, TMIN, run_paths

from eegvis.data.bandpassing import bandpass_trials, bandpassed_subjects, bandpassed_trials
from eegvis.data.epochs import epoch_run, epoch_subject
from eegvis.data.filters import bandpass
from eegvis.data.recordings import read_runs
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


def synthetic_raw(n_seconds: int = 30, seed: int = 0) -> mne.io.RawArray:
    names = ["C3", "Cz", "C4", "Pz"]
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((len(names), n_seconds * int(SFREQ))) * 1e-5
    return mne.io.RawArray(data, mne.create_info(names, SFREQ, "eeg"), verbose="error")


def cut(raw, events, tmin=-0.5, tmax=2.0, **options):
    return mne.Epochs(
        raw,
        events,
        {"a": 1, "b": 2},
        tmin,
        tmax,
        baseline=None,
        preload=True,
        verbose="error",
        **options,
    )


EVENTS = np.column_stack([np.arange(2, 26, 4) * int(SFREQ) + 7, np.zeros(6, int), [1, 2] * 3])


def band_raw(raw, low, high):
    return raw.copy().apply_function(
        lambda data: bandpass(data, SFREQ, low, high), channel_wise=False, verbose="error"
    )


def test_bandpass_trials_equal_the_filtered_recording_cut_by_mne_at_the_same_events():
    raw = synthetic_raw()
    epochs = cut(raw, EVENTS)
    bands = {"mu": (7.0, 13.0), "low": (0.0, 4.0)}
    filtered = bandpass_trials(raw, epochs, bands, dtype=np.float64)
    assert filtered.shape == (2, len(epochs), 4, len(epochs.times)) and filtered.dtype == np.float64
    for i, band in enumerate(bands.values()):
        expected = cut(band_raw(raw, *band), EVENTS).get_data() * 1e6
        np.testing.assert_allclose(filtered[i], expected, rtol=1e-12, atol=1e-12)
    same = bandpass_trials(raw, epochs, list(bands.values()), n_jobs=2)  # sequence form
    assert same.dtype == np.float32
    np.testing.assert_array_equal(same, filtered.astype(np.float32))
    volts = bandpass_trials(raw, epochs, bands, units="V", dtype=np.float64)
    np.testing.assert_allclose(volts * 1e6, filtered, rtol=1e-12)
    with pytest.raises(ValueError, match=r"units must be one of \['V', 'uV'\], got 'mV'"):
        bandpass_trials(raw, epochs, bands, units="mV")


def test_bandpass_trials_follow_the_epochs_channels_and_the_recordings_first_sample():
    raw = synthetic_raw(seed=1).crop(tmin=3.0)  # first_samp 480
    assert raw.first_samp == 480
    events = EVENTS[1:] + [[raw.first_samp, 0, 0]]  # sample numbers count from the original start
    epochs = cut(raw, events, picks=["Pz", "C3"])
    filtered = bandpass_trials(raw, epochs, [(8.0, 30.0)], dtype=np.float64)
    expected = cut(band_raw(raw, 8.0, 30.0), events, picks=["Pz", "C3"]).get_data() * 1e6
    assert filtered.shape[2] == 2
    np.testing.assert_allclose(filtered[0], expected, rtol=1e-12, atol=1e-12)


def test_bandpass_trials_reject_epochs_not_cut_from_the_recording():
    raw = synthetic_raw()
    resampled = cut(raw, EVENTS).resample(80.0, verbose="error")
    with pytest.raises(
        ValueError,
        match="sampled at 80 Hz, the raw recording at 160 Hz: cut the epochs from this recording",
    ):
        bandpass_trials(raw, resampled, [(7.0, 13.0)])
    longer = synthetic_raw(n_seconds=60)
    late = cut(longer, EVENTS + [[40 * int(SFREQ), 0, 0]])
    with pytest.raises(ValueError, match="reach beyond the raw recording's 4800 samples"):
        bandpass_trials(raw, late, [(7.0, 13.0)])
