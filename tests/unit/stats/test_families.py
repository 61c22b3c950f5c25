"""Per-subject maps as test families: one per layer or class, contrast and network
(their statistics and reliability tables: test_tables.py)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from eegvis.data.eegbci import CHANNELS
from eegvis.maps import band_coords, subject_coords
from eegvis.stats.families import (
    MapFamily,
    analysis_families,
    attribution_results,
    bands_by_name,
    contrasts,
    envelope_activation_families,
    envelope_class_families,
    map_families,
    spectral_families,
    subject_selection,
)

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


def spectral_networks() -> dict[str, xr.Dataset]:
    """:func:`spectral_maps` of a trained network (effect 4) and an untrained one (none)."""
    rng = np.random.default_rng(0)
    return {
        "trained": spectral_maps(rng, "trained", 4.0),
        "untrained": spectral_maps(rng, "untrained", 0.0),
    }


@pytest.fixture(scope="module")
def spectral():
    return spectral_networks()


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


def test_envelope_families_are_each_layers_mean_over_units_with_paired_contrasts():
    rng = np.random.default_rng(1)
    layers, bands = ["pool_nonlin", "conv_classifier"], ["alpha", "beta"]
    results = {name: envelope_maps(rng, name, layers, bands) for name in ("trained", "untrained")}
    units = {layer: results["trained"][f"units_{layer}"].values for layer in layers}
    families = envelope_activation_families(results, ["untrained"])
    assert [(f.contrast, f.layer) for f in families] == [
        (c, layer) for layer in layers for c in ("trained", "untrained", "trained-untrained")
    ]
    np.testing.assert_allclose(families[0].values, units["pool_nonlin"].mean(axis=-1))
    untrained = results["untrained"]["units_conv_classifier"].values.mean(axis=-1)
    np.testing.assert_allclose(families[4].values, untrained)
    np.testing.assert_allclose(
        families[5].values, units["conv_classifier"].mean(axis=-1) - untrained
    )
    assert all(f.analysis == "envelope_activation" and f.klass == "" for f in families)
    assert families[0].bands == tuple(bands) and families[0].channels == tuple(CHANNELS)
    (valid,) = [f for f in envelope_activation_families(results, [], "valid")][:1]
    np.testing.assert_array_equal(valid.subjects, [6, 7, 8])
    np.testing.assert_allclose(valid.values, units["pool_nonlin"][5:].mean(axis=-1))


def envelope_class_maps(rng) -> xr.Dataset:
    bands = {"alpha": (7.0, 13.0), "beta": (13.0, 31.0)}
    correlation = rng.normal(0, 0.1, (N_SUBJECTS, N_CHANS, len(bands), 2))
    return xr.Dataset(
        {"correlation": (("subject", "channel", "band", "class"), correlation)},
        subjects_and_channels() | band_coords(bands) | {"class": ("class", CLASSES)},
        {"analysis": "envelope_class", "map": "correlation", "network": ""},
    )


def test_envelope_class_families_are_one_per_class():
    maps = envelope_class_maps(np.random.default_rng(3))
    families = envelope_class_families(maps)
    assert [f.klass for f in families] == list(CLASSES)
    assert all((f.analysis, f.contrast, f.layer) == ("envelope_class", "", "") for f in families)
    np.testing.assert_array_equal(families[1].values, maps["correlation"].values[..., 1])
    (train, _) = envelope_class_families(maps, "train")
    np.testing.assert_array_equal(train.subjects, [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(train.values, maps["correlation"].values[:5, ..., 0])


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


def test_map_families_split_a_map_along_the_family_dimension(spectral):
    data = spectral["trained"]["correlation"]  # (class, frequency, subject, channel)
    families = map_families(data, "class")
    assert len(families) == 2
    for klass, family in zip(CLASSES, families, strict=True):
        assert family.dims == ("subject", "channel", "frequency")
        assert family["class"].item() == klass  # kept as a scalar coordinate
        np.testing.assert_array_equal(
            family.values, data.sel({"class": klass}).transpose("subject", "channel", ...).values
        )
    (whole,) = map_families(data)
    assert whole.dims == ("subject", "channel", "class", "frequency")
    np.testing.assert_array_equal(whole.values, data.values.transpose(2, 3, 0, 1))
    with pytest.raises(ValueError, match="family 'layer' is not a dimension of the map"):
        map_families(data, "layer")
    with pytest.raises(ValueError, match="needs dimensions subject and channel"):
        map_families(data.isel(subject=0), "class")


def test_analysis_families_are_the_builder_of_each_analysis(spectral):
    for analysis in ("gradient", "perturbation"):
        families = analysis_families(analysis, spectral, BANDS, ["untrained"], "valid")
        expected = spectral_families(analysis, spectral, BANDS, ["untrained"], "valid")
        assert all(_same(a, b) for a, b in zip(families, expected, strict=True))
        assert {f.analysis for f in families} == {analysis}
    gradients = {
        name: maps.rename(correlation="gradient")
        .assign(amplitude_difference=maps["correlation"] * 0 + 2.0)
        .assign_attrs(map="gradient")
        for name, maps in spectral.items()
    }
    attribution = analysis_families("attribution", gradients, BANDS, ["untrained"])
    doubled = spectral_families("gradient", gradients, BANDS, ["untrained"])
    assert [f.analysis for f in attribution] == ["attribution"] * len(doubled)
    for a, b in zip(attribution, doubled, strict=True):
        np.testing.assert_allclose(a.values, 2 * b.values)
    rng = np.random.default_rng(4)
    classes = envelope_class_maps(rng)
    by_analysis = analysis_families("envelope_class", {"envelope_class": classes}, [], [], "valid")
    expected = envelope_class_families(classes, "valid")
    assert all(_same(a, b) for a, b in zip(by_analysis, expected, strict=True))
    layers, bands = ["pool_nonlin"], ["alpha", "beta"]
    activation = {name: envelope_maps(rng, name, layers, bands) for name in ("trained", "shuffled")}
    assert all(
        _same(a, b)
        for a, b in zip(
            analysis_families("envelope_activation", activation, [], ["shuffled"], "train"),
            envelope_activation_families(activation, ["shuffled"], "train"),
            strict=True,
        )
    )
    with pytest.raises(ValueError, match="unknown analysis 'spectrum'"):
        analysis_families("spectrum", spectral, BANDS, [])


def _same(a: MapFamily, b: MapFamily) -> bool:
    return (a.analysis, a.contrast, a.layer, a.klass, a.channels, a.bands) == (
        b.analysis,
        b.contrast,
        b.layer,
        b.klass,
        b.channels,
        b.bands,
    ) and (np.array_equal(a.subjects, b.subjects) and np.array_equal(a.values, b.values))


def test_subject_selection_contrasts_and_bands_by_name(spectral):
    maps = spectral["trained"]
    assert subject_selection(maps, "all").tolist() == [True] * 8
    assert subject_selection(maps, "train").tolist() == [True] * 5 + [False] * 3
    assert subject_selection(maps, "valid").tolist() == [False] * 5 + [True] * 3
    with pytest.raises(ValueError, match="subjects must be 'all', 'train' or 'valid', got 'test'"):
        subject_selection(maps, "test")
    a, b, c = np.arange(4.0), np.ones(4), np.full(4, 3.0)
    result = contrasts(
        {"trained": a, "untrained": b, "shuffled": c, "other": c}, ["untrained", "shuffled"]
    )
    assert list(result) == [
        "trained",
        "untrained",
        "shuffled",
        "trained-untrained",
        "trained-shuffled",
    ]
    np.testing.assert_array_equal(result["trained-untrained"], a - b)
    np.testing.assert_array_equal(result["trained-shuffled"], a - c)
    assert bands_by_name(BANDS) == {"mu": (8, 12), "slow": (1, 4)}
