"""Reading and epoching real EEGBCI recordings, checked against their annotations."""

from __future__ import annotations

import mne
import numpy as np
import pytest

from eegvis.data.eegbci import CHANNELS, EDF_CHANNELS
from eegvis.data.epochs import epoch_subject, load_epochs, to_arrays
from eegvis.data.recordings import RecordingError, read_run

CLASSES = {"left_hand": "T1", "right_hand": "T2"}
RUNS = (4, 8, 12)
TMIN, TMAX, SFREQ = 1.0, 4.1, 160.0


def run_paths(root, subject):
    return [root / f"S{subject:03d}" / f"S{subject:03d}R{run:02d}.edf" for run in RUNS]


def expected_trials(paths):
    """Labels of the cues whose whole window lies inside the recording, read directly."""
    labels = []
    for path in paths:
        raw = mne.io.read_raw_edf(path, preload=False)
        for onset, code in zip(raw.annotations.onset, raw.annotations.description, strict=True):
            last_sample = round(onset * SFREQ) + round(TMAX * SFREQ)
            if code in ("T1", "T2") and last_sample < raw.n_times:
                labels.append("left_hand" if code == "T1" else "right_hand")
    return labels


@pytest.mark.parametrize(("subject", "n_expected"), [(1, 45), (2, 42)])
def test_trial_counts_and_labels_match_annotations(eegbci_dir, subject, n_expected):
    paths = run_paths(eegbci_dir, subject)
    epochs, summary = epoch_subject(subject, paths, RUNS, CLASSES, TMIN, TMAX, SFREQ)
    expected = expected_trials(paths)
    assert len(expected) == n_expected  # the fact sheet: 42 in 122.99 s runs, else 45
    assert epochs.metadata["label"].tolist() == expected
    assert summary.n_trials == {
        "left_hand": expected.count("left_hand"),
        "right_hand": expected.count("right_hand"),
    }
    assert len(summary.dropped) == 45 - n_expected
    assert all("TOO_SHORT" in entry for entry in summary.dropped)
    assert epochs.get_data().shape == (n_expected, 64, 497)
    assert epochs.ch_names == list(CHANNELS)
    assert set(epochs.metadata["subject"]) == {subject}
    # Event codes follow the class order.
    codes = epochs.events[:, 2]
    assert np.array_equal(codes, np.where(epochs.metadata["label"] == "left_hand", 1, 2))


def test_epoch_data_is_the_recording_after_the_cue(eegbci_dir):
    paths = run_paths(eegbci_dir, 1)
    epochs, _ = epoch_subject(1, paths[:1], RUNS[:1], CLASSES, TMIN, TMAX, SFREQ)
    raw = mne.io.read_raw_edf(paths[0], preload=True)
    for index in (0, 7, len(epochs) - 1):
        onset = epochs.metadata["onset"].iloc[index]
        start = round((onset + TMIN) * SFREQ)
        expected = raw.get_data(picks=list(EDF_CHANNELS))[:, start : start + 497]
        np.testing.assert_array_equal(epochs.get_data()[index], expected)


def test_saved_epochs_round_trip_to_network_arrays(eegbci_dir, tmp_path):
    epochs, _ = epoch_subject(3, run_paths(eegbci_dir, 3), RUNS, CLASSES, TMIN, TMAX, SFREQ)
    path = tmp_path / "sub-003_epo.fif"
    epochs.save(path)
    loaded = load_epochs(path)
    X, y = to_arrays(loaded, list(CLASSES), units="uV")
    assert X.dtype == np.float32 and y.dtype == np.int64
    assert X.shape == (len(epochs), 64, 497)
    np.testing.assert_allclose(X, epochs.get_data() * 1e6, rtol=1e-6)
    assert np.array_equal(y, (epochs.metadata["label"] == "right_hand").to_numpy().astype(int))
    assert 5 < np.median(X.std(axis=-1)) < 100  # EEG amplitudes in microvolts
    assert read_run(run_paths(eegbci_dir, 3)[0]).get_montage() is not None


def export_copy(raw: mne.io.BaseRaw, path) -> None:
    mne.export.export_raw(path, raw, fmt="edf", overwrite=True)


@pytest.fixture(scope="module")
def resampled_run(eegbci_dir, tmp_path_factory):
    """Subject 1 run 4 as if recorded at 128 Hz (like EEGBCI subjects 88, 92, 100)."""
    raw = mne.io.read_raw_edf(eegbci_dir / "S001" / "S001R04.edf", preload=True)
    raw.resample(128.0)
    path = tmp_path_factory.mktemp("slow") / "S001R04.edf"
    export_copy(raw, path)
    return path


def test_other_sampling_rate_is_resampled(resampled_run):
    epochs, summary = epoch_subject(1, [resampled_run], [4], CLASSES, TMIN, TMAX, SFREQ)
    assert epochs.info["sfreq"] == SFREQ
    assert epochs.get_data().shape[-1] == 497
    assert summary.original_sfreq == [128.0] and summary.resampled and not summary.excluded


def test_other_sampling_rate_can_exclude_subject(resampled_run):
    _, summary = epoch_subject(
        1, [resampled_run], [4], CLASSES, TMIN, TMAX, SFREQ, other_sfreq="exclude"
    )
    assert summary.excluded
    assert str(resampled_run) in summary.reason and "128 Hz" in summary.reason


def test_missing_channel_is_named(eegbci_dir, tmp_path):
    raw = mne.io.read_raw_edf(eegbci_dir / "S001" / "S001R04.edf", preload=True)
    raw.drop_channels(["C3.."])
    path = tmp_path / "S001R04.edf"
    export_copy(raw, path)
    with pytest.raises(RecordingError, match=r"S001R04\.edf.*missing.*C3\.\."):
        read_run(path)


def test_run_without_cues_is_named(eegbci_dir, tmp_path):
    raw = mne.io.read_raw_edf(eegbci_dir / "S001" / "S001R04.edf", preload=True)
    raw.set_annotations(raw.annotations[raw.annotations.description == "T0"])
    path = tmp_path / "S001R04.edf"
    export_copy(raw, path)
    with pytest.raises(RecordingError, match=r"S001R04\.edf: no T1/T2 annotations"):
        epoch_subject(1, [path], [4], CLASSES, TMIN, TMAX, SFREQ)


def test_corrupt_header_is_named(eegbci_dir, tmp_path):
    path = tmp_path / "S001R04.edf"
    data = bytearray((eegbci_dir / "S001" / "S001R04.edf").read_bytes())
    data[236:244] = b"garbage!"  # the number-of-records field
    path.write_bytes(bytes(data))
    with pytest.raises(RecordingError, match=r"S001R04\.edf: cannot be read"):
        read_run(path)
