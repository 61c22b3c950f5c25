"""Scalp regions from channel positions: EEGBCI, the High-Gamma Dataset's cap, partial and
spherical montages, against what an EEG researcher reads from the 10-10 names."""

from __future__ import annotations

import re

import mne
import numpy as np
import pytest
import yaml
from conftest import HGD_CHANNELS, REPO

from eegvis.data.eegbci import CHANNELS
from eegvis.data.montage import standard_montage
from eegvis.diagnostics.regions import REGIONS, channel_regions, head_angles

#: EEGBCI's channels by region, as the module's rule is meant to divide them.
EEGBCI_REGIONS = {
    "frontopolar": "Fp1 Fpz Fp2 AF3 AFz AF4",
    "lateral_frontotemporal": "AF7 AF8 F7 F8 FT7 FT8 T7 T8 T9 T10",
    "sensorimotor": " ".join(CHANNELS[:21]),
    "parietal_occipital": "P7 P5 P3 P1 Pz P2 P4 P6 P8 PO7 PO3 POz PO4 PO8 O1 Oz O2 Iz",
    "other": "F5 F3 F1 Fz F2 F4 F6 TP7 TP8",
}


def positioned(names, montage=None) -> mne.Info:
    info = mne.create_info(list(names), 160.0, "eeg")
    info.set_montage(montage or standard_montage())
    return info


def by_region(regions: dict[str, str]) -> dict[str, set[str]]:
    return {region: {n for n, r in regions.items() if r == region} for region in REGIONS}


def row(name: str) -> str:
    """The row of a 10-05 name: the letters before its number, ``z`` or ``h``."""
    return re.match(r"[A-Za-z]+?(?=z|\d|h|$)", name).group(0).upper()


def expected_from_name(name: str) -> str:
    """The region an EEG researcher gives a 10-10 site, from its name alone."""
    row_, number = row(name), int(re.sub(r"\D", "", name) or 0)
    if row_ == "FP" or (row_ == "AF" and number in (0, 3, 4)):
        return "frontopolar"
    if row_ in ("AF", "FT", "T") or (row_ == "F" and number in (7, 8, 9, 10)):
        return "lateral_frontotemporal"
    if row_ in ("FC", "C", "CP"):
        return "sensorimotor"
    if row_ in ("P", "PO", "O", "I"):
        return "parietal_occipital"
    return "other"  # F1-F6, Fz, TP


def test_eegbci_channels_fall_in_the_regions_an_eeg_researcher_expects():
    regions = channel_regions(positioned(CHANNELS))
    assert list(regions) == list(CHANNELS)
    assert by_region(regions) == {r: set(names.split()) for r, names in EEGBCI_REGIONS.items()}
    assert [n for n in CHANNELS if regions[n] == "sensorimotor"] == list(CHANNELS[:21])
    assert all(regions[name] == expected_from_name(name) for name in CHANNELS)


@pytest.mark.parametrize("montage", ["biosemi64", "easycap-M1"])
def test_spherical_layouts_are_divided_like_the_template(montage):
    """Idealized caps (every position on one sphere, the 10-20 ring level) and other names."""
    layout = mne.channels.make_standard_montage(montage)
    regions = channel_regions(positioned(layout.ch_names, layout))
    assert regions == {name: expected_from_name(name) for name in layout.ch_names}


def test_the_high_gamma_cap_has_the_papers_44_sensorimotor_channels_and_cz():
    config = yaml.safe_load((REPO / "config" / "hgd.yaml").read_text())
    paper = config["dataset"]["moabb"]["channels"]
    regions = by_region(channel_regions(positioned(HGD_CHANNELS)))
    assert len(paper) == 44 and regions["sensorimotor"] == {*paper, "Cz"}
    assert regions["frontopolar"] >= {"Fp1", "Fpz", "Fp2", "AF3", "AFz", "AF4", "AFp3h", "AFF1"}
    assert {"AF7", "F7", "FT7", "FT9", "T7", "FFT7h", "FTT7h", "T8"} <= set(
        regions["lateral_frontotemporal"]
    )
    posterior = {n for n in HGD_CHANNELS if row(n) in ("P", "PPO", "PO", "POO", "O", "OI", "I")}
    assert len(posterior) == 38 and posterior <= regions["parietal_occipital"]
    assert regions["other"] == {"F1", "F2", "F3", "F4", "F5", "F6", "Fz", "TP7", "TP8", "M1", "M2"}


def test_a_partial_montage_keeps_each_channels_region():
    full = channel_regions(positioned(CHANNELS))
    assert set(channel_regions(positioned(CHANNELS[:21])).values()) == {"sensorimotor"}
    rng = np.random.default_rng(0)
    for size in (1, 5, 30):
        subset = rng.choice(CHANNELS, size, replace=False)
        assert channel_regions(positioned(subset)) == {n: full[n] for n in subset}


@pytest.mark.parametrize("axis", [0, 1, 2])
@pytest.mark.parametrize("degrees", [-2.0, 2.0])
def test_a_cap_turned_by_two_degrees_keeps_the_eegbci_regions(axis, degrees):
    """Every EEGBCI site lies more than 2° from a boundary (digitized caps sit askew)."""
    angle = np.radians(degrees)
    turn = np.eye(3)
    i, j = [k for k in range(3) if k != axis]
    turn[[i, i, j, j], [i, j, i, j]] = np.cos(angle), -np.sin(angle), np.sin(angle), np.cos(angle)
    positions = [turn @ channel["loc"][:3] for channel in positioned(CHANNELS)["chs"]]
    montage = mne.channels.make_dig_montage(
        dict(zip(CHANNELS, positions, strict=True)), coord_frame="head"
    )
    assert channel_regions(positioned(CHANNELS, montage)) == channel_regions(positioned(CHANNELS))


def test_head_angles_put_cz_at_the_vertex_and_the_ring_around_it():
    info = positioned(["Cz", "Fpz", "T7", "T8", "Oz", "Iz"])
    polar, azimuth, anteroposterior = head_angles(
        np.array([channel["loc"][:3] for channel in info["chs"]])
    ).T
    assert polar[0] < 1 and abs(anteroposterior[0]) < 1
    np.testing.assert_allclose(azimuth[1:], [0, 90, 90, 180, 180], atol=2)
    assert np.all((polar[1:5] > 84) & (polar[1:5] < 97)) and polar[5] > 100


def test_channels_need_positions():
    with pytest.raises(ValueError, match=r"channels without a position: \['X1'\]"):
        channel_regions(mne.create_info(["X1"], 160.0, "eeg"))
    montage = mne.channels.make_dig_montage(
        {"C3": np.array([-0.06, 0.0, 0.08])}, coord_frame="head"
    )
    info = mne.create_info(["C3", "C4"], 160.0, "eeg")
    info.set_montage(montage, on_missing="ignore")
    with pytest.raises(ValueError, match=r"\['C4'\]"):
        channel_regions(info)
    with pytest.raises(ValueError, match="no channels"):
        channel_regions(mne.create_info([], 160.0, "eeg"))
