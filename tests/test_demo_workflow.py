"""The whole demo workflow, checked against the effect planted in the synthetic data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import copy_workflow, run_snakemake

from eegvis.results import load_arrays, trained_minus_untrained


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Run ``snakemake --cores 2`` on the default (demo) config in a fresh copy."""

    target = copy_workflow(tmp_path_factory.mktemp("demo") / "workflow")
    run_snakemake(target, "--cores", "2")
    return target / "results" / "demo"


@pytest.fixture(scope="module")
def planted(demo):
    return json.loads((demo / "raw" / "planted_effect.json").read_text())


def test_demo_network_decodes_the_planted_effect(demo):
    history = pd.read_csv(demo / "models" / "history.csv")
    assert history["valid_misclass"].iloc[0] > 0.3  # untrained: near chance
    assert history["valid_misclass"].iloc[-1] < 0.15


def test_envelope_class_correlation_peaks_at_planted_channels_with_opposite_signs(demo, planted):
    table = pd.read_csv(demo / "envelope_class" / "correlations.csv")
    alpha = table[table["band"] == "alpha"]  # 7-13 Hz holds the planted mu band
    strongest = alpha.loc[alpha["correlation"].abs().idxmax(), "channel"]
    planted_channels = planted["channels"]["left_hand"] + planted["channels"]["right_hand"]
    assert strongest in planted_channels
    value = alpha.set_index(["channel", "class"])["correlation"]
    # Imagining the left hand lowers power over the right hemisphere (C4), and vice versa.
    assert value["C4", "left_hand"] < -0.2 and value["C4", "right_hand"] > 0.2
    assert value["C3", "right_hand"] < -0.2 and value["C3", "left_hand"] > 0.2
    control = table[table["band"] == "high_gamma"]["correlation"].abs().max()
    assert control < 0.5 * abs(value["C4", "left_hand"])


def test_trained_minus_untrained_is_larger_in_planted_band(demo, planted):
    trained = load_arrays(demo / "envelope_activation" / "trained.npz")
    untrained = load_arrays(demo / "envelope_activation" / "untrained.npz")
    difference = trained_minus_untrained(trained, untrained)  # (layers, chans, bands)
    channels = list(trained["channels"])
    bands = list(trained["bands"])
    sites = [channels.index(name) for name in ("C3", "C4")]
    layers = list(trained["layers"])
    for layer in ("pool_nonlin_3", "pool_nonlin_4"):
        at_sites = difference[layers.index(layer)][sites]
        assert (
            at_sites[:, bands.index("alpha")].mean()
            > at_sites[:, bands.index("high_gamma")].mean() + 0.02
        )
    table = pd.read_csv(demo / "envelope_activation" / "correlations.csv")
    assert set(table["model"]) == {"trained", "untrained"}
    assert set(table["layer"]) == set(layers)
    assert np.isfinite(table["correlation"]).all()


def test_figures_exist_and_one_can_be_rebuilt_alone(demo):
    for name in ("envelope_activation", "envelope_class", "training_curves"):
        assert (demo / "figures" / f"{name}.png").stat().st_size > 10_000
    figure = demo / "figures" / "envelope_class.pdf"
    figure.unlink()
    result = run_snakemake(
        demo.parents[1], "results/demo/figures/envelope_class.pdf", "--cores", "1"
    )
    assert figure.exists()
    output = result.stdout + result.stderr
    assert "plot_envelope_class" in output
    assert "train_model" not in output and "bandpass_subject" not in output


def test_perturbation_map_of_trained_network_shows_planted_effect(demo, planted):
    from eegvis.perturbation import band_mean

    maps = {}
    for model in ("trained", "untrained"):
        arrays = load_arrays(demo / "perturbation" / f"{model}.npz")
        maps[model] = band_mean(arrays["corr"], arrays["freqs"], *planted["bands"]["mu"])
    channels = list(arrays["channels"])
    classes = list(arrays["classes"])
    c3, c4 = channels.index("C3"), channels.index("C4")
    left, right = classes.index("left_hand"), classes.index("right_hand")
    trained = maps["trained"]  # (chans, classes)
    # More mu amplitude over the right hemisphere argues against left-hand imagery.
    assert trained[c4, left] < 0 < trained[c3, left]
    assert trained[c3, right] < 0 < trained[c4, right]
    planted_channels = planted["channels"]["left_hand"] + planted["channels"]["right_hand"]
    assert channels[int(np.abs(trained[:, left]).argmax())] in planted_channels
    assert np.abs(maps["untrained"]).max() < np.abs(trained[[c3, c4]]).min()
    table = pd.read_csv(demo / "perturbation" / "trained.csv")
    assert list(table.columns) == ["channel", "frequency", "class", "correlation"]
    assert len(table) == trained.shape[0] * len(arrays["freqs"]) * len(classes)
