"""The artifact-reliance table (share per region × frequency range) and its warnings, against
hand computations, planted maps and a network's real gradient maps."""

from __future__ import annotations

import mne
import numpy as np
import pytest
import xarray as xr
from conftest import SMALL_DEEP4, lateralized_mu_epochs

import eegvis
from eegvis.data.montage import standard_montage
from eegvis.diagnostics.artifact_reliance import (
    COLUMNS,
    FREQUENCY_RANGES,
    class_contrasts,
    reliance_table,
    reliance_warnings,
)
from eegvis.maps import channel_coords, subject_coords

#: A partial montage and each channel's region (see test_regions.py).
REGION_OF = {
    "Fp1": "frontopolar",
    "AF7": "lateral_frontotemporal",
    "AF8": "lateral_frontotemporal",
    "F7": "lateral_frontotemporal",
    "F3": "other",
    "FC3": "sensorimotor",
    "C3": "sensorimotor",
    "Cz": "sensorimotor",
    "C4": "sensorimotor",
    "CP4": "sensorimotor",
    "TP8": "other",
    "Pz": "parietal_occipital",
    "O2": "parietal_occipital",
}
CHANNELS = list(REGION_OF)
FREQS = np.fft.rfftfreq(450, 1 / 160.0)  # 0 to 80 Hz in 0.36 Hz steps
RANGES = list(FREQUENCY_RANGES)
ORDER = ["frontopolar", "lateral_frontotemporal", "sensorimotor", "parietal_occipital", "other"]


def gradient_maps(gradient, difference=None, classes=("left", "right")) -> xr.Dataset:
    """Gradient maps of the montage above: arrays (subject, channel, frequency, class)."""
    info = mne.create_info(CHANNELS, 160.0, "eeg")
    info.set_montage(standard_montage())
    dims = ("subject", "channel", "frequency", "class")
    data = {"gradient": (dims, gradient)}
    if difference is not None:
        data["amplitude_difference"] = (dims, difference)
    coords = subject_coords(np.arange(1, len(gradient) + 1)) | channel_coords(info)
    coords |= {"frequency": ("frequency", FREQS), "class": ("class", list(classes))}
    return xr.Dataset(data, coords, {"analysis": "gradient", "map": "gradient", "sfreq": 160.0})


def random_maps(seed: int, n_classes: int = 2, n_subjects: int = 3) -> xr.Dataset:
    rng = np.random.default_rng(seed)
    shape = (n_subjects, len(CHANNELS), len(FREQS), n_classes)
    classes = ["left", "right", "feet", "tongue"][:n_classes]
    return gradient_maps(rng.normal(size=shape), rng.normal(size=shape), classes)


def planted(cells: dict[tuple[str, float], tuple[float, float]]) -> xr.Dataset:
    """Maps zero but at (channel, frequency in Hz): (left, right) in every subject."""
    gradient = np.zeros((2, len(CHANNELS), len(FREQS), 2))
    for (channel, freq), values in cells.items():
        gradient[:, CHANNELS.index(channel), np.argmin(abs(FREQS - freq))] = values
    return gradient_maps(gradient, np.ones_like(gradient))


def hand_shares(magnitude: np.ndarray) -> np.ndarray:
    """Shares (region in ORDER, range) of a (channel, frequency) magnitude, in numpy."""
    sums = np.zeros((len(ORDER), len(RANGES)))
    edges = list(FREQUENCY_RANGES.values())
    for c, channel in enumerate(CHANNELS):
        for q, (low, high) in enumerate(edges):
            sums[ORDER.index(REGION_OF[channel]), q] += magnitude[
                c, (FREQS >= low) & (FREQS < high)
            ].sum()
    return sums / sums.sum()


def shares_of(table, analysis, contrast, klass) -> np.ndarray:
    rows = table[(table["analysis"] == analysis) & (table["contrast"] == contrast)]
    rows = rows[rows["class"] == klass]
    return (
        rows.pivot(index="region", columns="frequency_range", values="share")
        .loc[ORDER, RANGES]
        .values
    )


def test_shares_are_the_hand_computed_sums_per_region_and_range():
    trained, untrained = random_maps(0), random_maps(1)
    table = reliance_table({"trained": trained, "untrained": untrained})
    assert list(table.columns) == list(COLUMNS)
    for name, maps in (("trained", trained), ("untrained", untrained)):
        g = maps["gradient"].values.mean(axis=0)
        a = (maps["gradient"] * maps["amplitude_difference"]).values.mean(axis=0)
        for analysis, m in (("gradient", g), ("attribution", a)):
            for k, klass in enumerate(("left", "right")):
                expected = hand_shares(abs(m[..., k]))
                np.testing.assert_allclose(
                    shares_of(table, analysis, name, klass), expected, rtol=1e-12
                )
            contrast = hand_shares(abs(m[..., 0] - m[..., 1]))
            np.testing.assert_allclose(
                shares_of(table, analysis, name, "left-right"), contrast, rtol=1e-12
            )
    sums = table.groupby(["analysis", "contrast", "class"])["share"].sum()
    np.testing.assert_allclose(sums, 1.0, rtol=1e-12)
    assert len(sums) == 2 * 2 * 3
    counts = table.groupby("region")["n_channels"].unique()
    assert {r: list(n) for r, n in counts.items()} == {
        r: [sum(v == r for v in REGION_OF.values())] for r in ORDER
    }
    assert list(dict.fromkeys(table["region"])) == ORDER
    assert list(dict.fromkeys(table["frequency_range"])) == RANGES


def test_an_attribution_methods_main_map_is_divided_like_the_gradient():
    maps = random_maps(2)
    method = xr.Dataset(
        {"contrast": maps["gradient"], "attribution": -3 * maps["gradient"]},
        attrs={"analysis": "deeplift", "map": "contrast"},
    )
    table = reliance_table({"trained": method}, analyses=["deeplift"])
    expected = reliance_table({"trained": maps}, analyses=["gradient"])
    assert set(table["analysis"]) == {"deeplift"}
    np.testing.assert_allclose(table["share"], expected["share"], rtol=1e-12)
    with pytest.raises(ValueError, match="holds 'deeplift' maps, not 'lrp'"):
        reliance_table({"trained": method}, analyses=["lrp"])


def test_more_classes_are_each_contrasted_with_the_mean_of_the_others():
    maps = random_maps(2, n_classes=3)
    table = reliance_table({"trained": maps}, analyses=["gradient"])
    labels = list(dict.fromkeys(table["class"]))
    assert labels == ["left", "right", "feet", "left-others", "right-others", "feet-others"]
    assert class_contrasts(labels) == labels[3:]
    m = maps["gradient"].values.mean(axis=0)
    expected = hand_shares(abs(m[..., 2] - (m[..., 0] + m[..., 1]) / 2))
    np.testing.assert_allclose(
        shares_of(table, "gradient", "trained", "feet-others"), expected, rtol=1e-12
    )


def test_mass_planted_in_one_region_and_range_has_all_the_share():
    maps = planted({("C3", 10.0): (1.0, -1.0), ("C4", 12.0): (-2.0, 2.0)})
    table = reliance_table({"trained": maps})
    expected = np.zeros((len(ORDER), len(RANGES)))
    expected[ORDER.index("sensorimotor"), RANGES.index("7-14 Hz")] = 1.0
    for analysis in ("gradient", "attribution"):
        for klass in ("left", "right", "left-right"):
            np.testing.assert_array_equal(shares_of(table, analysis, "trained", klass), expected)


def test_per_subject_shares_are_each_subjects_own():
    maps = random_maps(3)
    maps["gradient"][1] = 0.0
    maps["gradient"][1, CHANNELS.index("O2"), 3] = 5.0  # 1.07 Hz: subject 2 all at O2, <4 Hz
    table = reliance_table({"trained": maps}, per_subject=True, analyses=["gradient"])
    assert list(table.columns) == [*COLUMNS[:3], "subject", *COLUMNS[3:]]
    second = table[(table["subject"] == 2) & (table["class"] == "left")]
    assert second.loc[second["share"] > 0, ["region", "frequency_range"]].values.tolist() == [
        ["parietal_occipital", "<4 Hz"]
    ]
    first = table[(table["subject"] == 1) & (table["class"] == "right")]
    expected = hand_shares(abs(maps["gradient"].values[0, ..., 1]))
    got = first.pivot(index="region", columns="frequency_range", values="share").loc[ORDER, RANGES]
    np.testing.assert_allclose(got.values, expected, rtol=1e-12)


def test_frequency_ranges_can_be_overridden_and_bins_outside_them_are_left_out():
    maps = planted({("C3", 10.0): (1.0, 0.0), ("Pz", 2.0): (3.0, 0.0)})
    table = reliance_table({"trained": maps}, frequency_ranges={"mu": (8, 13), "beta": (13, 30)})
    left = table[(table["class"] == "left") & (table["analysis"] == "gradient")]
    assert list(dict.fromkeys(left["frequency_range"])) == ["mu", "beta"]
    assert left.loc[left["share"] > 0, ["region", "frequency_range", "share"]].values.tolist() == [
        ["sensorimotor", "mu", 1.0]
    ]


def test_a_networks_real_gradient_maps_make_a_table():
    from eegvis.models import Deep4Net
    from eegvis.models.dense import to_dense_prediction_model

    channels = ["Fp1", "AF7", "F7", "FC3", "C3", "Cz", "C4", "Pz"]
    epochs = lateralized_mu_epochs(channels, 500, seed=5, n_subjects=2, n_trials=4)
    net = Deep4Net(len(channels), 2, 450, **SMALL_DEEP4, random_state=0)
    maps = eegvis.gradient_maps(to_dense_prediction_model(net).eval(), epochs)
    table = reliance_table({"trained": maps})
    assert set(table["class"]) == {"left", "right", "left-right"}
    sums = table.groupby(["analysis", "class"])["share"].sum()
    np.testing.assert_allclose(sums, 1.0, rtol=1e-12)
    n = table.groupby("region")["n_channels"].first().to_dict()
    assert n == {
        "frontopolar": 1,
        "lateral_frontotemporal": 2,
        "sensorimotor": 4,
        "parietal_occipital": 1,
    }


def eye_movements() -> xr.Dataset:
    """Horizontal eye movements: slow, opposite in sign left and right and per class."""
    return planted({("AF7", 1.0): (1.0, -1.0), ("AF8", 1.0): (-1.0, 1.0), ("F7", 2.0): (0.5, -0.5)})


def test_eye_movements_in_the_class_contrast_warn_on_both_criteria():
    table = reliance_table({"trained": eye_movements(), "untrained": random_maps(4)})
    messages = reliance_warnings(table)
    assert len(messages) == 4  # two criteria, two analyses
    for analysis in ("gradient", "attribution"):
        sites, slow = [m for m in messages if f", {analysis}, " in m]
        assert sites.startswith(
            f"trained network, {analysis}, class contrast left-right: per channel"
        )
        assert "the 4 frontopolar and lateral frontotemporal channels" in sites
        assert "the 5 sensorimotor channels (25.0% against 0.0%" in sites
        assert "100% of the contrast at the 4 frontopolar and lateral frontotemporal" in slow
        assert "lies in <4 Hz" in slow and "(31% of the channels)" in slow


def test_brain_only_maps_do_not_warn():
    """All mass at C3 and C4 in 7-14 Hz, and a little slow activity at the eye sites."""
    maps = planted({("C3", 10.0): (1.0, -1.0), ("C4", 11.0): (-1.0, 1.0)})
    assert reliance_warnings(reliance_table({"trained": maps})) == []
    maps["gradient"][:, CHANNELS.index("AF7"), 2] = [0.01, -0.01]  # slow, but 0.5% of the contrast
    assert reliance_warnings(reliance_table({"trained": maps})) == []


def test_each_criterion_alone():
    fast = planted({("AF7", 20.0): (1.0, -1.0), ("C3", 10.0): (0.5, -0.5)})
    (sites,) = reliance_warnings(reliance_table({"trained": fast}, analyses=["gradient"]))
    assert "per channel" in sites and "2.5 times" in sites  # (2/3)/4 against (1/3)/5
    assert reliance_warnings(reliance_table({"trained": fast}), site_ratio=3.0) == []
    # per channel 1.4 at the eye sites against 1.6 at the sensorimotor ones, all slow
    cells = {(channel, 1.0): (0.7, -0.7) for channel in ("Fp1", "AF7", "AF8", "F7")}
    cells |= {(channel, 10.0): (1.0, -1.0) for channel in ("FC3", "C3", "Cz", "C4")}
    cells |= {(channel, 10.0): (0.5, -0.5) for channel in ("Pz", "O2")}
    (slow,) = reliance_warnings(reliance_table({"trained": planted(cells)}, analyses=["gradient"]))
    assert "100% of the contrast at the 4" in slow and "lies in <4 Hz" in slow
    assert reliance_warnings(reliance_table({"trained": planted(cells)}), slow_fraction=1.0) == []


def test_only_the_named_network_is_checked():
    table = reliance_table(
        {"trained": planted({("C3", 10.0): (1.0, -1.0)}), "eyes": eye_movements()}
    )
    assert reliance_warnings(table) == []
    assert all(m.startswith("eyes network") for m in reliance_warnings(table, network="eyes"))


def test_bad_input_is_refused_with_a_message_naming_it():
    maps = random_maps(5)
    with pytest.raises(ValueError, match="no network"):
        reliance_table({})
    with pytest.raises(
        ValueError, match=r"results\['trained'\] lacks the variables \['amplitude_difference'\]"
    ):
        reliance_table({"trained": maps.drop_vars("amplitude_difference")})
    assert len(
        reliance_table({"trained": maps.drop_vars("amplitude_difference")}, analyses=["gradient"])
    )
    with pytest.raises(
        ValueError, match=r"results\['trained'\] lacks the variables \['gradient'\]"
    ):
        reliance_table({"trained": maps.drop_vars("gradient")})
    with pytest.raises(ValueError, match="dimensions"):
        reliance_table({"trained": maps.isel(subject=0)})
    with pytest.raises(ValueError, match="holds 'gradient' maps, not 'perturbation'"):
        reliance_table({"trained": maps}, analyses=["perturbation"])
    with pytest.raises(ValueError, match="at least one analysis"):
        reliance_table({"trained": maps}, analyses=[])
    unknown = maps.assign_coords(
        channel=["X1", *CHANNELS[1:]], ch_x=("channel", [np.nan] * len(CHANNELS))
    )
    with pytest.raises(ValueError, match=r"results\['trained'\]: the channels need positions"):
        reliance_table({"trained": unknown})
    with pytest.raises(ValueError, match=r"'gamma' \(90 to 100 Hz\) holds no frequency"):
        reliance_table({"trained": maps}, frequency_ranges={"gamma": (90, 100)})
    with pytest.raises(ValueError, match="'a' and 'b' overlap"):
        reliance_table({"trained": maps}, frequency_ranges={"b": (5, 10), "a": (1, 6)})
    with pytest.raises(ValueError, match="low must be below high"):
        reliance_table({"trained": maps}, frequency_ranges={"a": (6, 1)})
    table = reliance_table({"trained": maps})
    with pytest.raises(ValueError, match=r"low_range '<5 Hz' is not a frequency range"):
        reliance_warnings(table, low_range="<5 Hz")
    with pytest.raises(ValueError, match="network 'shuffled' is not a contrast"):
        reliance_warnings(table, network="shuffled")
    with pytest.raises(ValueError, match="subject-mean table"):
        reliance_warnings(reliance_table({"trained": maps}, per_subject=True))
    with pytest.raises(ValueError, match=r"lacks the columns \['share'\]"):
        reliance_warnings(table.drop(columns="share"))
    one_class = reliance_table({"trained": maps.isel({"class": [0]})})
    with pytest.raises(ValueError, match="no class contrast"):
        reliance_warnings(one_class)
