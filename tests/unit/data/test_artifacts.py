"""Tests of the artifacts of the synthetic data (eyes, blinks, muscle) and their ground truth."""

from __future__ import annotations

import json

import mne
import numpy as np
import pytest

from eegvis.data.artifacts import Artifacts, planted_masks, planted_regions
from eegvis.data.eegbci import CHANNELS, EDF_CHANNELS
from eegvis.data.synthetic import PLANTED_EFFECT, simulate_run

SEED, SUBJECT, RUN = 20170629, 1, 4
SACCADE = Artifacts(saccade_uv=30.0)
SPIKE = Artifacts(spike_uv=10.0)
BLINKS = Artifacts(blink_uv=100.0)
MUSCLE = Artifacts(muscle_uv=20.0)
ALL = Artifacts(saccade_uv=30.0, spike_uv=10.0, blink_uv=100.0, muscle_uv=20.0)


@pytest.fixture(scope="module")
def brain() -> mne.io.RawArray:
    return simulate_run(SUBJECT, RUN, SEED)


def signals(artifacts: Artifacts, annotations: mne.Annotations, n_times: int = 20000) -> np.ndarray:
    return artifacts.simulate(SEED, SUBJECT, RUN, annotations, n_times)


def power_fraction(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """Fraction of the power of each row of ``x`` (at 160 Hz) within [low, high] Hz."""
    power = np.abs(np.fft.rfft(x, axis=-1)) ** 2
    freqs = np.fft.rfftfreq(x.shape[-1], 1 / 160)
    return power[..., (freqs >= low) & (freqs <= high)].sum(axis=-1) / power.sum(axis=-1)


def windows(
    x: np.ndarray, annotations: mne.Annotations, tmin: float = 1.0, tmax: float = 4.1
) -> tuple[np.ndarray, np.ndarray]:
    """Return the imagery windows (trials, channels, times) of ``x`` and their codes."""
    trials = np.isin(annotations.description, ["T1", "T2"])
    starts = np.round((annotations.onset[trials] + tmin) * 160).astype(int)
    n = round((tmax - tmin) * 160) + 1
    return np.array([x[:, s : s + n] for s in starts]), annotations.description[trials]


def swapped(annotations: mne.Annotations) -> mne.Annotations:
    """Return ``annotations`` with the two imagery classes exchanged, same times."""
    codes = {"T0": "T0", "T1": "T2", "T2": "T1"}
    return mne.Annotations(
        annotations.onset,
        annotations.duration,
        [codes[c] for c in annotations.description],
        orig_time=annotations.orig_time,
    )


def channel(name: str) -> int:
    return CHANNELS.index(name)


def test_artifacts_add_to_unchanged_brain_signals(brain: mne.io.RawArray) -> None:
    with_artifacts = simulate_run(SUBJECT, RUN, SEED, artifacts=ALL)
    assert with_artifacts.annotations == brain.annotations
    added = signals(ALL, brain.annotations)
    np.testing.assert_allclose(
        with_artifacts.get_data() - brain.get_data(), added * 1e-6, rtol=0, atol=1e-18
    )
    # one random stream per kind: switching one on or off leaves the others as they were
    parts = sum(signals(a, brain.annotations) for a in (SACCADE, SPIKE, BLINKS, MUSCLE))
    np.testing.assert_allclose(parts, added, rtol=0, atol=1e-9)
    assert np.all(added.std(axis=1)[[channel(c) for c in ("F7", "Fpz", "T7")]] > 5)
    assert not np.any(signals(Artifacts(), brain.annotations))


def test_saccade_sign_follows_the_class(brain: mne.io.RawArray) -> None:
    data = simulate_run(SUBJECT, RUN, SEED, artifacts=SACCADE).get_data() * 1e6
    x, codes = windows(data, brain.annotations)
    level = x.mean(axis=-1)  # (trials, channels), uV
    f7, f8, cz = (channel(c) for c in ("F7", "F8", "Cz"))
    # looking left (left fist, T1) makes the left sites positive: every trial, both sides
    assert np.all(np.sign(level[:, f7] - level[:, f8]) == np.where(codes == "T1", 1, -1))
    difference = level[codes == "T1"].mean(axis=0) - level[codes == "T2"].mean(axis=0)
    assert difference[[f7, f8]] == pytest.approx([60, -60], abs=6)  # 2 x 30 uV, F8 -1.0
    assert abs(difference[cz]) < 3  # the background's per-trial mean varies by ~3 uV
    # the class is in the sign only: exchanging the classes negates the signal
    saccades = signals(SACCADE, brain.annotations)
    np.testing.assert_allclose(signals(SACCADE, swapped(brain.annotations)), -saccades)
    assert np.all(power_fraction(saccades[[f7, f8]], 0, 4) > 0.95)


def test_saccade_probability_keeps_timings_and_drops_trials(brain: mne.io.RawArray) -> None:
    f7 = channel("F7")
    every = signals(SACCADE, brain.annotations)[f7]
    half = signals(Artifacts(saccade_uv=30.0, saccade_probability=0.5), brain.annotations)[f7]
    x_every, _ = windows(every[np.newaxis], brain.annotations)
    x_half, _ = windows(half[np.newaxis], brain.annotations)
    looked = np.abs(x_half[:, 0]).max(axis=-1) > 0
    assert 0 < looked.sum() < len(looked)
    np.testing.assert_array_equal(x_half[looked], x_every[looked])
    never = Artifacts(saccade_uv=30.0, saccade_probability=0.0)
    assert not np.any(signals(never, brain.annotations))


def test_spike_potential_is_broadband_at_the_saccade_sites(brain: mne.io.RawArray) -> None:
    spikes = signals(SPIKE, brain.annotations)
    f7, f8 = channel("F7"), channel("F8")
    assert np.all(power_fraction(spikes[[f7, f8]], 12, 42) > 0.7)
    assert np.all(power_fraction(spikes[[f7, f8]], 0, 4) < 0.01)
    assert 8 < np.abs(spikes[f7]).max() <= 10 + 1e-9
    np.testing.assert_allclose(signals(SPIKE, swapped(brain.annotations)), -spikes)


def test_blinks_are_symmetric_frontopolar_and_class_blind(brain: mne.io.RawArray) -> None:
    blinks = signals(BLINKS, brain.annotations)
    fp1, fp2, fpz = (blinks[channel(c)] for c in ("Fp1", "Fp2", "Fpz"))
    assert np.corrcoef(fp1, fp2)[0, 1] > 0.9999
    assert fp1.std() == pytest.approx(fp2.std(), rel=0.02)
    assert np.abs(fpz).max() == pytest.approx(100, rel=0.05)  # peak of one blink (or two)
    # 15 per minute over 125 s: about 31 blinks of 0.35 s, each 100 * 0.79 uV at Fp1
    n_blinks = np.sum(np.diff((fp1 > 40).astype(int)) == 1)
    assert 15 <= n_blinks <= 50
    assert power_fraction(fpz, 0, 4) > 0.95
    np.testing.assert_array_equal(signals(BLINKS, swapped(brain.annotations)), blinks)


def test_muscle_is_high_frequency_at_the_temporal_edge(brain: mne.io.RawArray) -> None:
    muscle = signals(MUSCLE, brain.annotations)
    temporal = [channel(c) for c in ("T7", "T8", "FT7", "FT8", "T9", "T10")]
    assert set(np.argsort(-muscle.std(axis=1))[:6]) == set(temporal)
    assert np.all(power_fraction(muscle[temporal], 20, 80) > 0.95)
    assert muscle.std(axis=1)[channel("C3")] < 0.02 * muscle.std(axis=1)[channel("T7")]
    np.testing.assert_array_equal(signals(MUSCLE, swapped(brain.annotations)), muscle)


def test_class_related_muscle_bursts_on_the_cued_side(brain: mne.io.RawArray) -> None:
    related = Artifacts(muscle_uv=20.0, muscle_rate=0.0, muscle_class_related=True)
    x, codes = windows(signals(related, brain.annotations), brain.annotations)
    power = (x**2).mean(axis=-1)
    t7, t8 = channel("T7"), channel("T8")
    # left fist (T1): left temporal sites, right fist: right; s.d. 20 uV inside a burst
    assert np.all(power[codes == "T1", t7] > 300) and np.all(power[codes == "T1", t8] < 1e-6)
    assert np.all(power[codes == "T2", t8] > 300) and np.all(power[codes == "T2", t7] < 1e-6)


@pytest.mark.parametrize("artifacts", [SACCADE, SPIKE, BLINKS, MUSCLE], ids=str)
def test_masks_hold_the_artifacts_power(artifacts: Artifacts, brain: mne.io.RawArray) -> None:
    signal = signals(artifacts, brain.annotations)
    freqs = np.fft.rfftfreq(signal.shape[-1], 1 / 160)
    (name,) = artifacts.describe()
    mask = planted_masks(list(EDF_CHANNELS), freqs, artifacts, planted=False)[name]
    assert set(planted_masks(CHANNELS, freqs, artifacts)) == {"left_hand", "right_hand", name}
    rows = mask.any(axis=1)
    # the mask's channels are those of largest power, and its band holds most of it
    channel_power = signal.var(axis=1)
    assert set(np.flatnonzero(rows)) == set(np.argsort(-channel_power)[: rows.sum()])
    power = np.abs(np.fft.rfft(signal, axis=-1)) ** 2
    assert power[mask].sum() / power[rows].sum() > 0.75
    assert np.all(mask[rows] == mask[rows][0])  # one band, the same on every channel


def test_brain_masks_are_the_planted_effect() -> None:
    freqs = np.arange(0.0, 40.5, 0.5)
    masks = planted_masks(CHANNELS, freqs)
    assert set(masks) == {"left_hand", "right_hand"}
    for klass, mask in masks.items():
        assert mask.shape == (64, len(freqs))
        rows = {CHANNELS[i] for i in np.flatnonzero(mask.any(axis=1))}
        assert rows == set(PLANTED_EFFECT.channels[klass])
        in_bands = np.zeros(len(freqs), dtype=bool)
        for low, high in PLANTED_EFFECT.bands.values():
            in_bands |= (freqs >= low) & (freqs <= high)
        np.testing.assert_array_equal(mask[channel(PLANTED_EFFECT.centres[klass])], in_bands)
    assert planted_masks(["C4", "Fz"], [10.0, 15.0], planted=False) == {}
    with pytest.raises(ValueError, match=r"ch_names: not EEGBCI channels: \['M1'\]"):
        planted_masks(["C3", "M1"], freqs)
    with pytest.raises(ValueError, match="freqs must be 1-D"):
        planted_masks(["C3"], np.ones((2, 2)))


def test_description_is_json_and_names_only_enabled_artifacts() -> None:
    assert Artifacts().describe() == {}
    described = json.loads(json.dumps(ALL.describe()))
    assert list(described) == ["saccade", "saccade_spike", "blinks", "muscle"]
    saccade = described["saccade"]
    assert set(saccade["channels"]) == set("F7 FT7 AF7 T9 F5 F8 FT8 AF8 T10 F6".split())
    assert saccade["band"] == [0.0, 4.0] and saccade["class_related"] is True
    assert saccade["amplitude_uv"] == 30.0 and saccade["latency"] == 0.3
    assert described["blinks"]["channels"][0] == "Fpz" and not described["blinks"]["class_related"]
    assert described["muscle"]["band"] == [20.0, 80.0] and not described["muscle"]["class_related"]
    regions = json.loads(json.dumps(planted_regions(ALL)))
    assert list(regions) == ["left_hand", "right_hand", *described]
    assert regions["left_hand"]["bands"] == [[8.0, 13.0], [18.0, 26.0]]
    muscle = {"channels": described["muscle"]["channels"], "bands": [[20.0, 80.0]]}
    assert regions["muscle"] == muscle


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"saccade_uv": -1.0}, r"saccade_uv must be a finite number >= 0, got -1.0"),
        ({"blink_rate": np.nan}, "blink_rate must be a finite number >= 0"),
        ({"saccade_rise": 0.0}, r"saccade_rise must be a finite number > 0"),
        ({"saccade_jitter": 0.4}, r"saccade_jitter \(0.4\) must not exceed saccade_latency"),
        ({"saccade_probability": 1.5}, r"saccade_probability must be in \[0, 1\]"),
        ({"muscle_duration": (1.0, 0.5)}, "muscle_duration must be"),
        ({"muscle_duration": (0.05, 0.5)}, "muscle_duration must be"),
    ],
)
def test_bad_settings_are_named(settings: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Artifacts(**settings)


def test_settings_from_a_config_are_hashable() -> None:
    artifacts = Artifacts(muscle_uv=5, muscle_duration=[0.3, 0.6])
    assert artifacts.muscle_duration == (0.3, 0.6) and hash(artifacts) == hash(
        Artifacts(muscle_uv=5, muscle_duration=(0.3, 0.6))
    )
