"""The statistics and reliability tables of an analysis's test families (eegvis.stats.tables)."""

from __future__ import annotations

import mne
import numpy as np
import pandas as pd
import pytest
from test_families import (
    BANDS,
    C3,
    CLASSES,
    N_CHANS,
    N_SUBJECTS,
    envelope_dataset,
    envelope_maps,
    spectral_networks,
)

from eegvis.data.eegbci import CHANNELS
from eegvis.stats.families import envelope_activation_families, spectral_families
from eegvis.stats.one_sample import one_sample_test
from eegvis.stats.reliability import split_half
from eegvis.stats.tables import (
    RELIABILITY_COLUMNS,
    STATISTICS_COLUMNS,
    iteration_reliability_table,
    reliability_table,
    statistics_table,
    subject_reliability_table,
)
from eegvis.viz.topomaps import eeg_info


@pytest.fixture(scope="module")
def spectral():
    return spectral_networks()


def test_statistics_table_finds_the_planted_cell_only(spectral):
    families = spectral_families("gradient", spectral, BANDS, ["untrained"])
    table = statistics_table(families, method="tmax", n_permutations=256, alpha=0.05, seed=0)
    assert list(table.columns) == list(STATISTICS_COLUMNS)
    assert len(table) == len(families) * N_CHANS * len(BANDS)
    significant = table[table["significant"]]
    assert set(significant["channel"]) == {"C3"}
    assert set(significant["band"]) == {"mu"}
    assert set(significant["class"]) == {"left_hand"}
    assert set(significant["contrast"]) == {"trained", "trained-untrained"}
    assert (table["n_subjects"] == N_SUBJECTS).all() and (table["method"] == "tmax").all()
    row = table[(table["contrast"] == "trained") & (table["channel"] == "C3")].iloc[0]
    values = families[0].values[:, C3, 0]
    assert row["mean"] == pytest.approx(values.mean())
    assert row["t"] == pytest.approx(values.mean() / values.std(ddof=1) * np.sqrt(N_SUBJECTS))


def test_reliability_tables(spectral):
    families = spectral_families("perturbation", spectral, BANDS, ["untrained"])
    table = subject_reliability_table(families)
    assert list(table.columns) == list(RELIABILITY_COLUMNS)
    assert (table["split"] == "subjects").all() and (table["n"] == N_SUBJECTS).all()
    family = families[0]
    halves = family.values[0::2, :, 0].mean(axis=0), family.values[1::2, :, 0].mean(axis=0)
    first = table.iloc[0]
    assert first["r"] == pytest.approx(np.corrcoef(*halves)[0, 1])
    assert first["r_spearman_brown"] == pytest.approx(2 * first["r"] / (1 + first["r"]))
    last, family = table.iloc[-1], families[-1]
    assert (last["contrast"], last["class"], last["band"]) == (
        family.contrast,
        family.klass,
        "slow",
    )
    assert last["r"] == pytest.approx(split_half(family.values[:, :, 1]).r)
    iterations = iteration_reliability_table(spectral, BANDS)
    assert (iterations["split"] == "iterations").all() and (iterations["n"] == 6).all()
    assert len(iterations) == 2 * len(BANDS) * len(CLASSES)


def test_cluster_method_on_real_channel_adjacency(spectral):
    adjacency, names = mne.channels.find_ch_adjacency(eeg_info(CHANNELS), "eeg")
    assert list(names) == list(CHANNELS)
    families = spectral_families("gradient", spectral, BANDS, ["untrained"])[:1]
    table = statistics_table(families, method="cluster", n_permutations=256, adjacency=adjacency)
    assert (table["method"] == "cluster").all()
    found = table[table["significant"]]
    assert "C3" in set(found["channel"]) and set(found["band"]) == {"mu"}


def test_statistics_rows_are_each_familys_test_channel_by_band(spectral):
    families = spectral_families("perturbation", spectral, BANDS, ["untrained"])
    table = statistics_table(families, method="fdr", n_permutations=64, alpha=0.1, seed=3)
    n_cells = N_CHANS * len(BANDS)
    for index in (0, 3, len(families) - 1):
        family, rows = families[index], table.iloc[index * n_cells : (index + 1) * n_cells]
        test = one_sample_test(family.values, method="fdr", n_permutations=64, alpha=0.1, seed=3)
        assert rows["channel"].tolist() == [c for c in CHANNELS for _ in BANDS]  # channel-major
        assert rows["band"].tolist() == ["mu", "slow"] * N_CHANS
        np.testing.assert_array_equal(rows["p"], test.p.ravel())
        np.testing.assert_array_equal(rows["t"], test.t.ravel())
        np.testing.assert_array_equal(rows["significant"], test.significant.ravel())
        assert set(rows["contrast"]) == {family.contrast}
        assert set(rows["class"]) == {family.klass} and set(rows["layer"]) == {""}
    assert (table["alpha"] == 0.1).all() and (table["method"] == "fdr").all()
    assert (
        not test.exact
        and (table["n_permutations"] == 64).all()
        and (table["analysis"] == "perturbation").all()
    )


def test_statistics_of_envelope_activation_families_find_the_planted_layer():
    rng = np.random.default_rng(1)
    layers, bands = ["pool_nonlin", "conv_classifier"], ["alpha", "beta"]
    results = {name: envelope_maps(rng, name, layers, bands) for name in ("trained", "untrained")}
    units = {layer: results["trained"][f"units_{layer}"].values for layer in layers}
    units["pool_nonlin"][:, C3, 0] += 0.5
    results["trained"] = envelope_dataset("trained", units, bands)
    table = statistics_table(envelope_activation_families(results, ["untrained"]))
    found = table[table["significant"] & (table["contrast"] == "trained-untrained")]
    assert found[["layer", "band", "channel"]].values.tolist() == [["pool_nonlin", "alpha", "C3"]]
    assert (table["class"] == "").all()


def test_iteration_reliability_splits_the_band_mean_iteration_maps(spectral):
    iterations = iteration_reliability_table(spectral, BANDS)
    assert list(iterations.columns) == list(RELIABILITY_COLUMNS)
    row = iterations[
        (iterations["contrast"] == "untrained")
        & (iterations["band"] == "slow")
        & (iterations["class"] == CLASSES[1])
    ]
    assert len(row) == 1
    maps = spectral["untrained"]["iteration_correlation"]
    freqs = maps["frequency"].values
    in_band = (freqs >= 1) & (freqs <= 4)
    cells = maps.sel({"class": CLASSES[1]}).transpose("iteration", "channel", "frequency")
    expected = split_half(cells.values[..., in_band].mean(axis=-1))
    assert row["r"].item() == pytest.approx(expected.r)
    assert row["r_spearman_brown"].item() == pytest.approx(expected.r_spearman_brown)
    assert row["analysis"].item() == "perturbation" and row["layer"].item() == ""


def test_reliability_table_adds_iterations_for_perturbation_only(spectral):
    families = spectral_families("perturbation", spectral, BANDS, ["untrained"])
    subjects = subject_reliability_table(families)
    both = reliability_table("perturbation", families, spectral, BANDS)
    pd.testing.assert_frame_equal(
        both, pd.concat([subjects, iteration_reliability_table(spectral, BANDS)], ignore_index=True)
    )
    assert set(both["split"]) == {"subjects", "iterations"}
    gradient = reliability_table("gradient", families, spectral, BANDS)
    pd.testing.assert_frame_equal(gradient, subjects)
    assert len(subjects) == len(families) * len(BANDS)
    assert subjects["band"].tolist() == ["mu", "slow"] * len(families)
