"""The labelled result type of every analysis: the ``.eegvis`` accessor of eegvis.maps."""

from __future__ import annotations

import mne
import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import xarray as xr

import eegvis.viz.topomaps as topomaps
from eegvis.data.montage import standard_montage
from eegvis.maps import (
    band_coords,
    channel_coords,
    envelope_activation_table,
    read_maps,
    subject_coords,
)
from eegvis.stats.one_sample import one_sample_test

CHANNELS = ["FC3", "FCz", "FC4", "C3", "Cz", "C4", "CP3", "CPz", "CP4"]
SUBJECTS = [3, 5, 8, 9, 11, 12]
SPLITS = {3: "train", 5: "train", 8: "train", 9: "valid", 11: "valid", 12: "valid"}
FREQS = np.arange(0.0, 20.5, 0.5)
CLASSES = ["left", "right"]


def info() -> mne.Info:
    info = mne.create_info(CHANNELS, 160.0, "eeg")
    info.set_montage(standard_montage())
    return info


def spectral_maps(seed: int = 0, subjects=SUBJECTS) -> xr.Dataset:
    """Gradient-like maps: per subject (stored class-first), pooled, and a scalar variable."""
    rng = np.random.default_rng(seed)
    shape = (len(CLASSES), len(subjects), len(CHANNELS), len(FREQS))
    values = rng.normal(size=shape)
    values[1, 0, 2, 8] = np.nan  # one missing bin, at 4 Hz
    return xr.Dataset(
        {
            "gradient": (("class", "subject", "channel", "frequency"), values),
            "pooled": (("channel", "frequency", "class"), rng.normal(size=shape[2:] + (2,))),
            "n_crops": ("subject", rng.integers(1, 9, len(subjects))),
        },
        channel_coords(info())
        | subject_coords(subjects, SPLITS)
        | {"frequency": ("frequency", FREQS), "class": ("class", CLASSES)},
        {"analysis": "gradient", "map": "gradient", "network": "trained", "sfreq": 160.0},
    )


BANDS = {"mu": (7.0, 13.0), "beta": (13.0, 30.0), "theta": (3.5, 4.5)}


def test_band_means_are_means_over_the_bins_of_each_band():
    maps = spectral_maps()
    means = maps.eegvis.band_means(BANDS)
    assert set(means.data_vars) == {"gradient", "pooled"}  # the spectral variables
    assert means["gradient"].dims == ("class", "subject", "channel", "band")
    assert means["pooled"].dims == ("class", "channel", "band")  # in the dataset's order
    for i, (low, high) in enumerate(BANDS.values()):
        inside = (FREQS >= low) & (FREQS <= high)
        expected = maps["gradient"].values[..., inside].mean(axis=-1)
        np.testing.assert_allclose(means["gradient"].values[..., i], expected, rtol=1e-12)
        pooled = maps["pooled"].values[:, inside].mean(axis=1).T
        np.testing.assert_allclose(means["pooled"].values[..., i], pooled, rtol=1e-12)
    # A NaN bin makes its band's mean NaN.
    assert np.isnan(means["gradient"].values[1, 0, 2, :]).tolist() == [False, False, True]
    assert means["band"].values.tolist() == list(BANDS)
    assert means["band_low"].values.tolist() == [7.0, 13.0, 3.5]
    assert means["band_high"].values.tolist() == [13.0, 30.0, 4.5]
    assert means.attrs == maps.attrs
    assert means["split"].values.tolist() == [SPLITS[s] for s in SUBJECTS]
    listed = [{"name": name, "low": low, "high": high} for name, (low, high) in BANDS.items()]
    assert maps.eegvis.band_means(listed).identical(means)  # the config's form


def test_band_means_need_frequencies_and_bins_in_every_band():
    maps = spectral_maps()
    with pytest.raises(ValueError, match=r"band 'gap' \(4.2-4.4 Hz\) holds no frequency"):
        maps.eegvis.band_means({"gap": (4.2, 4.4)})
    with pytest.raises(ValueError, match="band_means needs maps with a 'frequency' dimension"):
        maps.eegvis.band_means(BANDS).eegvis.band_means(BANDS)


def test_netcdf_round_trip_keeps_values_coordinates_and_attributes(tmp_path):
    maps = spectral_maps()
    maps["ch_x"].values[1] = np.nan  # a channel without a position
    path = tmp_path / "maps" / "gradient.nc"
    maps.eegvis.save(path)
    loaded = read_maps(path)
    assert loaded.identical(maps)
    assert loaded.attrs == maps.attrs and loaded["channel"].values.tolist() == CHANNELS
    assert np.isnan(loaded["gradient"].values[1, 0, 2, 8]) and np.isnan(loaded["ch_x"][1])
    assert loaded["split"].values.tolist() == [SPLITS[s] for s in SUBJECTS]
    path.unlink()  # the file was closed after reading
    assert sorted(p.name for p in path.parent.iterdir()) == []


def subject_first(maps: xr.Dataset) -> xr.Dataset:
    """The maps with the per-subject map stored subject-first, as the analyses store it."""
    return maps.assign(gradient=maps["gradient"].transpose("subject", ...))


def test_table_has_pooled_rows_then_each_subjects_rows():
    maps = subject_first(spectral_maps()).assign_attrs(pooled_subjects="train+valid")
    table = maps.eegvis.to_table(name="gradient")
    assert list(table.columns) == ["subject", "split", "class", "channel", "frequency", "gradient"]
    n_pooled = len(CHANNELS) * len(FREQS) * 2
    assert len(table) == n_pooled * (1 + len(SUBJECTS))
    pooled, subjects = table[:n_pooled], table[n_pooled:]
    assert (pooled["subject"] == "train+valid").all() and (pooled["split"] == "").all()
    np.testing.assert_array_equal(pooled["gradient"], maps["pooled"].values.ravel())
    expected = maps["gradient"].transpose("subject", "class", "channel", "frequency")
    np.testing.assert_array_equal(subjects["gradient"], expected.values.ravel())
    assert subjects["subject"].tolist()[::n_pooled][: len(SUBJECTS)] == SUBJECTS
    assert (subjects["split"] == subjects["subject"].map(SPLITS)).all()
    crops = spectral_maps().eegvis.to_table("n_crops", name="crops")
    assert list(crops.columns) == ["subject", "split", "crops"]
    assert crops["crops"].tolist() == maps["n_crops"].values.tolist()


def test_split_follows_subject_whatever_the_dimension_order():
    columns = spectral_maps().eegvis.to_table().columns.tolist()
    assert columns[columns.index("subject") + 1] == "split"


def test_written_tables_read_back(tmp_path):
    maps = spectral_maps()
    for name in ("maps.csv", "maps.csv.gz"):
        maps.eegvis.write_table(tmp_path / name)
        read = pd.read_csv(tmp_path / name, keep_default_na=False, na_values=[""])
        assert list(read.columns) == list(maps.eegvis.to_table().columns)
        assert len(read) == len(maps.eegvis.to_table())
    assert (tmp_path / "maps.csv.gz").read_bytes()[:2] == b"\x1f\x8b"


def test_test_with_a_family_dimension_is_one_test_per_family():
    means = spectral_maps(1).eegvis.band_means(BANDS).isel(band=[0, 1])
    result = means.eegvis.test(n_permutations=64, alpha=0.1, seed=4, method="fdr")
    assert result["p"].dims == ("class", "channel", "band")  # the map without subject
    assert result["class"].values.tolist() == CLASSES
    for klass in CLASSES:
        cells = means["gradient"].sel({"class": klass}).transpose("subject", "channel", "band")
        direct = one_sample_test(cells.values, method="fdr", n_permutations=64, alpha=0.1, seed=4)
        for name in ("mean", "t", "p", "significant"):
            np.testing.assert_array_equal(
                result[name].sel({"class": klass}).values, getattr(direct, name)
            )
    assert result.attrs == {
        "n_subjects": 6,
        "method": "fdr",
        "alpha": 0.1,
        "n_permutations": 32,  # 2 ** (6 - 1) patterns: exact
        "exact": 1,
    }
    # Without a layer or class dimension the whole map is one family.
    maps = planted()
    whole = maps.eegvis.test(n_permutations=64, seed=5)
    assert whole["p"].dims == ("channel", "band")
    direct = one_sample_test(maps["correlation"].values, n_permutations=64, seed=5)
    assert not direct.exact  # 10 subjects: drawn sign patterns, so the seed matters
    np.testing.assert_array_equal(whole["p"].values, direct.p)
    by_band = means.eegvis.test(family="band", n_permutations=64)
    assert by_band["p"].dims == ("band", "channel", "class")
    with pytest.raises(ValueError, match="needs dimensions subject and channel"):
        means.eegvis.test("pooled")


def planted(n_subjects: int = 10, seed: int = 2) -> xr.Dataset:
    """Per-subject maps (subject, channel, band) with a weak effect at C3 and its neighbours."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(n_subjects, len(CHANNELS), 2))
    for name in ("C3", "FC3", "CP3"):
        values[:, CHANNELS.index(name), 0] += 0.9
    subjects = list(range(1, n_subjects + 1))
    return xr.Dataset(
        {"correlation": (("subject", "channel", "band"), values)},
        channel_coords(info())
        | subject_coords(subjects)
        | band_coords({"a": (7, 13), "b": (13, 30)}),
        {"map": "correlation", "sfreq": 160.0},
    )


def test_the_cluster_method_uses_the_channel_adjacency():
    maps = planted()
    result = maps.eegvis.test(method="cluster", n_permutations=512, seed=0)
    adjacency, names = mne.channels.find_ch_adjacency(maps.eegvis.info, "eeg")
    assert list(names) == CHANNELS
    assert adjacency[CHANNELS.index("C3"), CHANNELS.index("FC3")]  # neighbours
    values = maps["correlation"].values
    direct = one_sample_test(
        values, method="cluster", n_permutations=512, seed=0, adjacency=adjacency
    )
    np.testing.assert_array_equal(result["p"].values, direct.p)
    alone = scipy.sparse.identity(len(CHANNELS), format="csr")  # no channel has neighbours
    isolated = one_sample_test(
        values, method="cluster", n_permutations=512, seed=0, adjacency=alone
    )
    c3 = CHANNELS.index("C3")
    assert result["p"].values[c3, 0] < isolated.p[c3, 0]  # the cluster grew over neighbours
    assert result.attrs["method"] == "cluster"


def test_info_has_the_maps_channel_positions_or_the_standard_ones():
    maps = planted()
    positions = maps.eegvis.info.get_montage().get_positions()["ch_pos"]
    assert list(positions) == CHANNELS
    for i, name in enumerate(CHANNELS):
        xyz = [maps[c].values[i] for c in ("ch_x", "ch_y", "ch_z")]
        np.testing.assert_allclose(positions[name], xyz)
    moved = maps.copy(deep=True)
    moved["ch_x"].values[:] += 0.01
    shifted = moved.eegvis.info.get_montage().get_positions()["ch_pos"]
    np.testing.assert_allclose(shifted["C3"][0], positions["C3"][0] + 0.01)
    assert maps.eegvis.info["sfreq"] == 160.0
    # Without (all) positions: the standard montage, which must know every channel.
    unknown = maps.copy(deep=True)
    unknown["ch_y"].values[0] = np.nan
    standard = info().get_montage().get_positions()["ch_pos"]  # in the head frame
    got = unknown.eegvis.info.get_montage().get_positions()["ch_pos"]
    np.testing.assert_allclose(got["Cz"], standard["Cz"], atol=1e-9)
    assert not np.allclose(got["FC3"], positions["FC3"] + [0.01, 0, 0])
    nameless = unknown.assign_coords(channel=["X1", *CHANNELS[1:]])
    with pytest.raises(ValueError, match="X1"):
        _ = nameless.eegvis.info


def test_coordinates_of_channels_bands_and_subjects():
    without = mne.create_info(["C3", "C4"], 100.0, "eeg")
    coords = channel_coords(without)
    assert coords["channel"][1].tolist() == ["C3", "C4"]
    assert np.isnan(coords["ch_x"][1]).all()  # no montage: NaN
    at_origin = info()
    at_origin["chs"][1]["loc"][:3] = 0.0  # no position either
    assert np.isnan(channel_coords(at_origin)["ch_y"][1]).tolist() == [False, True] + [False] * 7
    with_positions = channel_coords(info())
    c3 = info()["chs"][CHANNELS.index("C3")]["loc"][:3]
    np.testing.assert_array_equal([with_positions[c][1][3] for c in ("ch_x", "ch_y", "ch_z")], c3)
    assert band_coords({"a": (1, 4)})["band_high"][1].tolist() == [4.0]
    assert subject_coords([2, 1])["split"][1].tolist() == ["", ""]


def test_plot_shows_the_mean_over_subjects_band_by_column(monkeypatch):
    calls = []
    monkeypatch.setattr(
        topomaps, "plot_map_grid", lambda *args, **kwargs: calls.append((args, kwargs)) or "fig"
    )
    means = spectral_maps(3).eegvis.band_means(BANDS)
    mask = means["gradient"].isel(subject=0) > 1
    assert means.eegvis.plot(title="mu", mask=mask) == "fig"
    ((values, rows, columns, channel_info), options) = calls[0]
    expected = means["gradient"].mean("subject").transpose("band", "class", "channel")
    np.testing.assert_array_equal(values, expected.values)
    assert rows == list(BANDS) and columns == CLASSES
    assert channel_info.ch_names == CHANNELS
    np.testing.assert_array_equal(
        options["mask"], mask.transpose("band", "class", "channel").values
    )
    assert options["title"] == "mu"
    means.eegvis.plot(variable="pooled")  # no subject dimension: plotted as it is
    pooled = means["pooled"].transpose("band", "class", "channel").values
    np.testing.assert_array_equal(calls[1][0][0], pooled)
    with pytest.raises(ValueError, match="plot needs a 'band' dimension"):
        spectral_maps().eegvis.plot()


def test_envelope_activation_table_pools_networks():
    rng = np.random.default_rng(0)
    results = []
    for network in ("trained", "untrained"):
        results.append(
            xr.Dataset(
                {
                    "pooled": (("channel", "band", "layer"), rng.normal(size=(9, 2, 2))),
                    "units_pool": (("channel", "band", "unit_pool"), rng.normal(size=(9, 2, 5))),
                    "units_out": (("channel", "band", "unit_out"), rng.normal(size=(9, 2, 3))),
                },
                {"channel": CHANNELS, "band": ["a", "b"], "layer": ["pool", "out"]},
                {"network": network, "unit_summary": "mean_abs"},
            )
        )
    table = envelope_activation_table(results)
    assert list(table.columns) == [
        "model",
        "layer",
        "band",
        "channel",
        "correlation",
        "unit_summary",
        "n_units",
    ]
    assert set(table["unit_summary"]) == {"mean_abs"}
    assert len(table) == 2 * 9 * 2 * 2
    trained = table[table["model"] == "trained"]
    np.testing.assert_array_equal(
        trained["correlation"],
        results[0]["pooled"].transpose("channel", "band", "layer").values.ravel(),
    )
    assert set(zip(table["layer"], table["n_units"], strict=True)) == {("pool", 5), ("out", 3)}
