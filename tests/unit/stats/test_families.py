"""Per-subject map families, their statistics and reliability tables, and the figures of them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from eegvis.data.eegbci import CHANNELS
from eegvis.maps import band_coords, subject_coords
from eegvis.stats.families import (
    attribution_results,
    envelope_activation_families,
    envelope_class_families,
    spectral_families,
)
from eegvis.stats.tables import (
    RELIABILITY_COLUMNS,
    STATISTICS_COLUMNS,
    iteration_reliability_table,
    statistics_table,
    subject_reliability_table,
)
from eegvis.viz.captions import map_grid
from eegvis.viz.envelopes import plot_envelope_activation, plot_envelope_class
from eegvis.viz.spectral import plot_band_maps

N_SUBJECTS, N_CHANS, N_FREQS = 8, len(CHANNELS), 41
FREQS = np.linspace(0, 20, N_FREQS)
SPLITS = np.array(["train"] * 5 + ["valid"] * 3)
CLASSES = np.array(["left_hand", "right_hand"])
C3 = CHANNELS.index("C3")


SUBJECTS = np.arange(1, N_SUBJECTS + 1)


def subjects_and_channels() -> dict:
    coords = subject_coords(SUBJECTS, dict(zip(SUBJECTS.tolist(), SPLITS, strict=True)))
    return coords | {"channel": ("channel", np.array(CHANNELS))}


def spectral_maps(rng, model: str, effect: float) -> xr.Dataset:
    """Perturbation-like per-subject spectral maps with an effect at C3, 8-12 Hz, class 0
    (positive), and per-iteration pooled maps."""
    maps = rng.normal(0, 1, (N_SUBJECTS, N_CHANS, N_FREQS, 2))
    in_band = (FREQS >= 8) & (FREQS <= 12)
    maps[:, C3, in_band, 0] += effect
    dims = ("subject", "channel", "frequency", "class")
    iterations = rng.normal(0, 1, (6, N_CHANS, N_FREQS, 2)) + maps.mean(axis=0)
    return xr.Dataset(
        {
            # stored in another order than the families' (subject, channel, band, class)
            "correlation": (
                ("class", "frequency", "subject", "channel"),
                maps.transpose(3, 2, 0, 1),
            ),
            "pooled": (dims[1:], maps.mean(axis=0)),
            "iteration_correlation": (("iteration", *dims[1:]), iterations),
        },
        subjects_and_channels()
        | {"frequency": ("frequency", FREQS), "class": ("class", CLASSES)}
        | {"iteration": ("iteration", np.arange(1, 7))},
        {"analysis": "perturbation", "map": "correlation", "network": model},
    )


@pytest.fixture(scope="module")
def spectral():
    rng = np.random.default_rng(0)
    return {
        "trained": spectral_maps(rng, "trained", 4.0),
        "untrained": spectral_maps(rng, "untrained", 0.0),
    }


BANDS = [{"name": "mu", "low": 8, "high": 12}, {"name": "slow", "low": 1, "high": 4}]


def test_spectral_families_are_band_means_with_paired_contrasts(spectral):
    families = spectral_families("gradient", spectral, BANDS, ["untrained"])
    labels = [(f.contrast, f.klass) for f in families]
    assert labels == [
        (contrast, klass)
        for contrast in ("trained", "untrained", "trained-untrained")
        for klass in CLASSES
    ]
    trained, untrained, difference = families[0], families[2], families[4]
    in_band = (FREQS >= 8) & (FREQS <= 12)
    order = ("subject", "channel", "frequency", "class")
    subject_maps = spectral["trained"]["correlation"].transpose(*order).values
    expected = subject_maps[:, :, in_band, 0].mean(axis=2)
    np.testing.assert_allclose(trained.values[:, :, 0], expected)
    np.testing.assert_allclose(difference.values, trained.values - untrained.values)
    assert trained.values.shape == (N_SUBJECTS, N_CHANS, len(BANDS))
    assert trained.bands == ("mu", "slow")
    (valid,) = [f for f in spectral_families("gradient", spectral, BANDS[:1], [], "valid")][:1]
    np.testing.assert_array_equal(valid.subjects, [6, 7, 8])


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
    iterations = iteration_reliability_table(spectral, BANDS)
    assert (iterations["split"] == "iterations").all() and (iterations["n"] == 6).all()
    assert len(iterations) == 2 * len(BANDS) * len(CLASSES)


def envelope_maps(rng, model: str, layers: list[str], bands: list[str]) -> xr.Dataset:
    """Envelope-activation maps: each unit's correlation, and their mean over the units."""
    units = {layer: rng.normal(0, 0.1, (N_SUBJECTS, N_CHANS, len(bands), 5)) for layer in layers}
    return envelope_dataset(model, units, bands)


def envelope_dataset(model: str, units: dict, bands: list[str]) -> xr.Dataset:
    layers = list(units)
    mean = np.stack([units[layer].mean(axis=-1) for layer in layers], axis=-1)
    data = {
        # stored in another order than the families' (subject, channel, band)
        "correlation": (("layer", "band", "subject", "channel"), mean.transpose(3, 2, 0, 1)),
        "pooled": (("channel", "band", "layer"), mean.mean(axis=0)),
    }
    for layer in layers:
        data[f"units_{layer}"] = (("subject", "channel", "band", f"unit_{layer}"), units[layer])
    edges = dict(zip(bands, [(7.0, 13.0), (13.0, 31.0)], strict=True))
    coords = subjects_and_channels() | band_coords(edges) | {"layer": ("layer", layers)}
    attrs = {"analysis": "envelope_activation", "map": "correlation", "network": model}
    return xr.Dataset(data, coords, attrs)


def test_envelope_families_and_figures(tmp_path):
    rng = np.random.default_rng(1)
    layers, bands = ["pool_nonlin", "conv_classifier"], ["alpha", "beta"]
    results = {name: envelope_maps(rng, name, layers, bands) for name in ("trained", "untrained")}
    units = {layer: results["trained"][f"units_{layer}"].values for layer in layers}
    units["pool_nonlin"][:, C3, 0] += 0.5
    results["trained"] = envelope_dataset("trained", units, bands)
    families = envelope_activation_families(results, ["untrained"])
    assert [(f.contrast, f.layer) for f in families] == [
        (c, layer) for layer in layers for c in ("trained", "untrained", "trained-untrained")
    ]
    np.testing.assert_allclose(families[0].values, units["pool_nonlin"].mean(axis=-1))
    assert families[0].bands == tuple(bands) and families[0].channels == tuple(CHANNELS)
    (valid,) = [f for f in envelope_activation_families(results, [], "valid")][:1]
    np.testing.assert_array_equal(valid.subjects, [6, 7, 8])
    np.testing.assert_allclose(valid.values, units["pool_nonlin"][5:].mean(axis=-1))
    activation = statistics_table(families, n_permutations=256)
    class_correlation = rng.normal(0, 0.1, (N_SUBJECTS, N_CHANS, len(bands), 2))
    classes_maps = xr.Dataset(
        {"correlation": (("subject", "channel", "band", "class"), class_correlation)},
        subjects_and_channels()
        | band_coords(dict(zip(bands, [(7.0, 13.0), (13.0, 31.0)], strict=True)))
        | {"class": ("class", CLASSES)},
        {"analysis": "envelope_class", "map": "correlation", "network": ""},
    )
    class_families = envelope_class_families(classes_maps)
    assert [f.klass for f in class_families] == list(CLASSES)
    np.testing.assert_array_equal(class_families[1].values, class_correlation[..., 1])
    classes = statistics_table(class_families, n_permutations=256)
    values, mask = map_grid(
        activation,
        [{"band": b} for b in bands],
        [{"contrast": "trained-untrained", "layer": layer} for layer in layers],
        CHANNELS,
    )
    assert mask[0, 0, C3] and mask.sum() == 1
    reliability = subject_reliability_table(families)
    figure = plot_envelope_activation(
        activation, classes, reliability, layers, bands, ["alpha 7-13", "beta 13-31"], CHANNELS
    )
    footer = figure.get_supxlabel()
    assert f"n = {N_SUBJECTS} subjects" in footer and "α = 0.05" in footer
    labels = [ax.get_xlabel() for ax in figure.axes if ax.get_xlabel()]
    assert any(label.startswith("split-half r = ") for label in labels)
    figure.savefig(tmp_path / "activation.png")
    plot_envelope_class(
        classes, subject_reliability_table(class_families), bands, bands, CHANNELS
    ).savefig(tmp_path / "classes.png")


def test_band_figure_marks_significant_channels(spectral, tmp_path):
    families = spectral_families("perturbation", spectral, BANDS, ["untrained"])
    statistics = statistics_table(families, n_permutations=256)
    reliability = pd.concat(
        [subject_reliability_table(families), iteration_reliability_table(spectral, BANDS)]
    )
    figure = plot_band_maps(
        statistics,
        reliability,
        "perturbation",
        BANDS[0],
        ["trained", "untrained", "trained-untrained"],
        CHANNELS,
    )
    labels = [ax.get_xlabel() for ax in figure.axes if ax.get_xlabel()]
    assert len(labels) == 6 and all("iterations r = " in label for label in labels[:4])
    assert "sign flips" in figure.get_supxlabel()
    figure.savefig(tmp_path / "band.png")


def test_cluster_method_on_real_channel_adjacency(spectral):
    import mne

    from eegvis.viz.topomaps import eeg_info

    adjacency, names = mne.channels.find_ch_adjacency(eeg_info(CHANNELS), "eeg")
    assert list(names) == list(CHANNELS)
    families = spectral_families("gradient", spectral, BANDS, ["untrained"])[:1]
    table = statistics_table(families, method="cluster", n_permutations=256, adjacency=adjacency)
    assert (table["method"] == "cluster").all()
    found = table[table["significant"]]
    assert "C3" in set(found["channel"]) and set(found["band"]) == {"mu"}


def test_attribution_is_the_gradient_times_the_class_amplitude_difference():
    rng = np.random.default_rng(2)
    dims = ("subject", "channel", "frequency", "class")
    shape = (N_SUBJECTS, N_CHANS, N_FREQS, 2)
    gradient = xr.Dataset(
        {
            "gradient": (dims, rng.normal(0, 1, shape)),
            "pooled": (dims[1:], rng.normal(0, 1, shape[1:])),
            "amplitude_difference": (dims, rng.normal(0, 1, shape)),
        },
        subjects_and_channels() | {"frequency": ("frequency", FREQS), "class": ("class", CLASSES)},
        {"analysis": "gradient", "map": "gradient", "network": "trained"},
    )
    attributed = attribution_results({"trained": gradient})["trained"]
    assert attributed.attrs["map"] == "attribution" and attributed.attrs["network"] == "trained"
    assert attributed.attrs["analysis"] == "attribution"
    np.testing.assert_array_equal(
        attributed.eegvis.map.transpose(*dims).values,
        gradient["gradient"].values * gradient["amplitude_difference"].values,
    )
    (family, _) = spectral_families("attribution", {"trained": attributed}, BANDS, [])
    in_band = (FREQS >= 8) & (FREQS <= 12)
    expected = (gradient["gradient"] * gradient["amplitude_difference"]).values[:, :, in_band, 0]
    np.testing.assert_allclose(family.values[:, :, 0], expected.mean(axis=2))
    assert family.analysis == "attribution" and family.klass == "left_hand"
