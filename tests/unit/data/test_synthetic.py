"""Tests of the synthetic EEGBCI generator: layout, determinism, planted effect."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import mne
import numpy as np
import pytest
from scipy.signal import welch

from eegvis.data.artifacts import Artifacts
from eegvis.data.eegbci import CHANNELS, EDF_CHANNELS, run_filename
from eegvis.data.epochs import epoch_subject
from eegvis.data.montage import standard_montage
from eegvis.data.synthetic import PLANTED_EFFECT, simulate_run, synthetic_epochs, write_subject

SEED, SUBJECT, RUNS = 20170629, 1, (4, 8, 12)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_subject(SUBJECT, RUNS, tmp_path_factory.mktemp("synthetic"), SEED)


@pytest.fixture(scope="module")
def raws(written: list[Path]) -> list[mne.io.BaseRaw]:
    return [mne.io.read_raw_edf(path, preload=True) for path in written]


def imagery_epochs(
    raws: list[mne.io.BaseRaw],
    names: list[str],
    tmin: float = 0.5,
    tmax: float = 4.0,
    keep: tuple[str, ...] = ("T1", "T2"),
) -> tuple[np.ndarray, np.ndarray]:
    """Return windows (trials, channels, times) in uV after ``keep`` cues, and codes.

    ``names`` are standard channel names ("C3"), picked by their EDF names ("C3..").
    """
    picks = [EDF_CHANNELS[CHANNELS.index(name)] for name in names]
    windows, codes = [], []
    for raw in raws:
        data = raw.get_data(picks=picks) * 1e6
        for onset, code in zip(raw.annotations.onset, raw.annotations.description, strict=True):
            if code in keep:
                start = round((onset + tmin) * raw.info["sfreq"])
                windows.append(data[:, start : start + round((tmax - tmin) * 160)])
                codes.append(code)
    return np.array(windows), np.array(codes)


def log_band_power(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """Natural log of the mean Welch PSD in [low, high] Hz over the last axis."""
    freqs, psd = welch(x, fs=160.0, nperseg=160, axis=-1)
    return np.log(psd[..., (freqs >= low) & (freqs <= high)].mean(axis=-1))


def test_files_are_in_eegbci_layout(written: list[Path]) -> None:
    root = written[0].parents[1]
    assert written == [root / run_filename(SUBJECT, run) for run in RUNS]
    assert sorted(p.name for p in (root / "S001").iterdir()) == [
        "S001R04.edf",
        "S001R08.edf",
        "S001R12.edf",
    ]


def test_same_arguments_give_identical_bytes(tmp_path: Path, written: list[Path]) -> None:
    again = write_subject(SUBJECT, RUNS, tmp_path, SEED)
    assert [p.name for p in again] == [p.name for p in written]
    for first, second in zip(written, again, strict=True):
        assert first.read_bytes() == second.read_bytes()


# SHA-256 of S001R04.edf (seed 20170629) as written before artifacts existed
ARTIFACT_FREE_SHA256 = "54c777d1b7dc48179b6a2aea54ffc582dfba96d99067db83fbbd007bfc66a18f"


def test_artifacts_off_keep_the_files_byte_identical(tmp_path: Path, written: list[Path]) -> None:
    # the artifacts draw from their own stream: switched off, nothing changes
    assert hashlib.sha256(written[0].read_bytes()).hexdigest() == ARTIFACT_FREE_SHA256
    (off,) = write_subject(SUBJECT, [4], tmp_path, SEED, artifacts=Artifacts(blink_rate=30.0))
    assert off.read_bytes() == written[0].read_bytes()


def test_seed_subject_and_run_change_the_data(tmp_path: Path, written: list[Path]) -> None:
    (other_seed,) = write_subject(SUBJECT, [4], tmp_path, SEED + 1)
    assert other_seed.read_bytes() != written[0].read_bytes()
    reference = simulate_run(SUBJECT, 4, SEED).get_data()
    for subject, run, seed in [(SUBJECT, 8, SEED), (2, 4, SEED), (SUBJECT, 4, SEED + 1)]:
        other = simulate_run(subject, run, seed).get_data()
        # independent noise: essentially uncorrelated with the reference
        assert abs(np.corrcoef(reference.ravel(), other.ravel())[0, 1]) < 0.05


def test_readable_like_a_real_recording(raws: list[mne.io.BaseRaw], eegbci_dir: Path) -> None:
    real = mne.io.read_raw_edf(eegbci_dir / "S001" / "S001R04.edf")
    for raw in raws:
        assert raw.ch_names == real.ch_names == list(EDF_CHANNELS)
        assert set(raw.get_channel_types()) == {"eeg"}
        assert raw.info["sfreq"] == real.info["sfreq"] == 160.0
        assert raw.n_times == real.n_times == 20000
        assert raw.times[-1] == pytest.approx(124.99375)
        assert raw.info["meas_date"] == real.info["meas_date"]
        std_uv = raw.get_data().std(axis=1) * 1e6
        assert np.all((std_uv > 8) & (std_uv < 35)), std_uv


def test_annotations_follow_the_real_schedule(raws: list[mne.io.BaseRaw], eegbci_dir: Path) -> None:
    real = mne.io.read_raw_edf(eegbci_dir / "S001" / "S001R04.edf").annotations
    codes = []
    for raw in raws:
        ann = raw.annotations
        assert len(ann) == 30
        np.testing.assert_allclose(ann.onset, real.onset, atol=1e-6)
        np.testing.assert_allclose(ann.duration, real.duration, atol=1e-6)
        np.testing.assert_allclose(ann.onset[:4], [0.0, 4.2, 8.3, 12.5])
        assert list(ann.description[::2]) == ["T0"] * 15
        imagery = list(ann.description[1::2])
        assert sorted([imagery.count("T1"), imagery.count("T2")]) == [7, 8]
        codes.append(imagery)
    assert len({tuple(c) for c in codes}) == len(codes)  # a new order in each run


def test_shorter_run_keeps_annotations_inside() -> None:
    raw = simulate_run(SUBJECT, 4, SEED, duration=122.99375)
    assert raw.n_times == 19680
    ann = raw.annotations
    assert len(ann) == 30
    assert np.all(ann.onset + ann.duration <= raw.n_times / 160 + 1e-9)
    with pytest.raises(ValueError, match="duration"):
        simulate_run(SUBJECT, 4, SEED, duration=100.0)


def test_standardize_and_montage(raws: list[mne.io.BaseRaw]) -> None:
    raw = raws[0].copy()
    mne.datasets.eegbci.standardize(raw)
    assert "FCz" in raw.ch_names and "Fp1" in raw.ch_names
    raw.set_montage(standard_montage())
    positions = np.array([ch["loc"][:3] for ch in raw.info["chs"]])
    assert np.all(np.isfinite(positions)) and np.all(np.linalg.norm(positions, axis=1) > 0.05)


def contrast(
    power: np.ndarray, codes: np.ndarray, first: str = "T1", second: str = "T2"
) -> tuple[np.ndarray, np.ndarray]:
    """Return the first - second difference of mean log power and its Welch t."""
    a, b = power[codes == first], power[codes == second]
    diff = a.mean(axis=0) - b.mean(axis=0)
    return diff, diff / np.sqrt(a.var(axis=0, ddof=1) / len(a) + b.var(axis=0, ddof=1) / len(b))


def test_planted_effect_in_band_power(raws: list[mne.io.BaseRaw]) -> None:
    # About 22 trials per class over 3 runs with a per-trial s.d. of log band power
    # of 0.2-0.5, so a class difference has a standard error of 0.06-0.15. The
    # planted contrast must be large in absolute terms (natural-log difference
    # beyond 0.5, i.e. power ratio below 0.61, for mu; beyond 0.25 for beta) and
    # far from noise (|t| > 5 for mu, > 3 for the weaker beta contrast). Controls
    # must be within noise, |t| < 3.5 (two-sided p ~ 0.001 each, for 6 controls):
    # mu at Fz and O1 (far from the sources; O1 holds the class-independent alpha
    # rhythm) and 30-40 Hz, a band without planted change, at all four channels.
    x, codes = imagery_epochs(raws, ["C3", "C4", "Fz", "O1"])
    assert len(codes) == 45 and min(np.sum(codes == "T1"), np.sum(codes == "T2")) >= 21
    mu_diff, mu_t = contrast(log_band_power(x, *PLANTED_EFFECT.bands["mu"]), codes)
    beta_diff, beta_t = contrast(log_band_power(x, *PLANTED_EFFECT.bands["beta"]), codes)
    _, high_t = contrast(log_band_power(x, 30.0, 40.0), codes)
    c3, c4, fz, o1 = range(4)
    # left fist (T1) -> less power at C4; right fist (T2) -> less power at C3
    assert mu_diff[c4] < -0.5 and mu_t[c4] < -5
    assert mu_diff[c3] > 0.5 and mu_t[c3] > 5
    assert beta_diff[c4] < -0.25 and beta_t[c4] < -3
    assert beta_diff[c3] > 0.25 and beta_t[c3] > 3
    assert abs(mu_t[fz]) < 3.5 and abs(mu_t[o1]) < 3.5
    assert np.all(np.abs(high_t) < 3.5)


def test_only_contralateral_imagery_departs_from_rest(raws: list[mne.io.BaseRaw]) -> None:
    # thresholds as in test_planted_effect_in_band_power
    x, codes = imagery_epochs(raws, ["C3", "C4"], keep=("T0", "T1", "T2"))
    mu = log_band_power(x, *PLANTED_EFFECT.bands["mu"])
    (left_diff, left_t), (right_diff, right_t) = (
        contrast(mu, codes, c, "T0") for c in ("T1", "T2")
    )
    c3, c4 = range(2)
    assert left_diff[c4] < -0.5 and left_t[c4] < -5  # contralateral: a drop
    assert right_diff[c3] < -0.5 and right_t[c3] < -5
    assert abs(left_t[c3]) < 3.5 and abs(right_t[c4]) < 3.5  # ipsilateral: as at rest


def test_effect_is_on_the_listed_channels(raws: list[mne.io.BaseRaw]) -> None:
    channels = PLANTED_EFFECT.channels
    x, codes = imagery_epochs(raws, [*channels["left_hand"], *channels["right_hand"]])
    diff, _ = contrast(log_band_power(x, *PLANTED_EFFECT.bands["mu"]), codes)
    n = len(channels["left_hand"])
    assert np.all(diff[:n] < -0.2) and np.all(diff[n:] > 0.2), diff
    # the centre channel shows the largest drop of its hemisphere
    assert np.argmin(diff[:n]) == 0 and np.argmax(diff[n:]) == 0


def test_background_spectrum(raws: list[mne.io.BaseRaw]) -> None:
    data = np.concatenate([raw.get_data() for raw in raws], axis=1) * 1e6
    freqs, psd = welch(data, fs=160.0, nperseg=320, axis=-1)

    def band(p: np.ndarray, low: float, high: float) -> np.ndarray:
        return p[..., (freqs >= low) & (freqs <= high)].mean(axis=-1)

    # falls with frequency on every channel: 1/f gives about 0.1 for these bands
    assert np.all(band(psd, 30, 40) < 0.2 * band(psd, 2, 6))
    for name in ("O1", "Oz", "O2"):
        p = psd[CHANNELS.index(name)]
        above_drift = freqs >= 4
        assert 8 <= freqs[above_drift][np.argmax(p[above_drift])] <= 12
        in_alpha = (freqs >= 8) & (freqs <= 12)
        flanks = np.r_[p[(freqs >= 5) & (freqs <= 7)], p[(freqs >= 15) & (freqs <= 18)]]
        assert p[in_alpha].max() > 4 * flanks.mean()


def test_planted_effect_description_is_json() -> None:
    effect = json.loads(json.dumps(PLANTED_EFFECT.to_dict()))
    assert effect["bands"] == {"mu": [8.0, 13.0], "beta": [18.0, 26.0]}
    assert effect["codes"] == {"left_hand": "T1", "right_hand": "T2"}
    assert effect["centres"] == {"left_hand": "C4", "right_hand": "C3"}
    assert set(effect["channels"]["left_hand"]) == {"C4", "C2", "C6", "FC4", "CP4"}
    assert set(effect["channels"]["right_hand"]) == {"C3", "C1", "C5", "FC3", "CP3"}
    assert effect["power_factor"] == pytest.approx(effect["amplitude_factor"] ** 2)
    assert 0.3 <= effect["amplitude_factor"] <= 0.4


def test_null_dataset_has_no_class_effect_and_the_same_background() -> None:
    # planted=False keeps every random draw: the two recordings differ only where the
    # planted sources are attenuated (imagery trials, near C3/C4), and there the
    # class contrast of the planted runs vanishes (|t| < 3.5, thresholds as above).
    raws = [simulate_run(SUBJECT, run, SEED, planted=False) for run in (4, 8, 12)]
    twin = simulate_run(SUBJECT, 4, SEED)
    assert raws[0].annotations == twin.annotations
    difference = np.abs(raws[0].get_data() - twin.get_data()).max(axis=1)
    far = [CHANNELS.index(name) for name in ("Fz", "O1", "Oz", "Fp1")]
    near = [CHANNELS.index(name) for name in ("C3", "C4")]
    assert np.all(difference[far] < 0.05 * difference[near].min())
    x, codes = imagery_epochs(raws, ["C3", "C4", "CP3", "CP4"])
    for band in PLANTED_EFFECT.bands.values():
        _, t = contrast(log_band_power(x, *band), codes)
        assert np.all(np.abs(t) < 3.5), t


def test_synthetic_epochs_are_the_workflows_epochs_of_the_written_files(tmp_path):
    epochs = synthetic_epochs([2, 3], runs=(4,), seed=5, tmin=0.5, tmax=2.0)
    expected = []
    for subject in (2, 3):
        paths = write_subject(subject, (4,), tmp_path, 5)
        classes = {"left_hand": "T1", "right_hand": "T2"}
        expected.append(epoch_subject(subject, paths, (4,), classes, 0.5, 2.0, 160.0)[0])
    assert np.array_equal(epochs.get_data(), np.concatenate([e.get_data() for e in expected]))
    assert epochs.metadata["subject"].tolist() == [
        s for e in expected for s in e.metadata["subject"]
    ]
    assert epochs.ch_names == expected[0].ch_names and epochs.info["sfreq"] == 160.0
