"""Figures of the envelope analyses (eegvis.viz.envelopes), assembled from their tables."""

from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from eegvis.viz.captions import map_grid, statistics_caption
from eegvis.viz.envelopes import plot_envelope_activation, plot_envelope_class

CHANNELS = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"]
LAYERS, BANDS = ["pool_nonlin", "conv_classifier"], ["alpha", "beta"]
CLASSES = ["left", "right"]


def table(labels: dict[str, list], seed: int, **constants) -> pd.DataFrame:
    """A statistics table: every combination of ``labels`` x channel, random means."""
    index = pd.MultiIndex.from_product([*labels.values(), CHANNELS], names=[*labels, "channel"])
    frame = index.to_frame(index=False)
    rng = np.random.default_rng(seed)
    frame["mean"] = rng.uniform(-0.5, 0.5, len(frame))
    frame["significant"] = rng.uniform(size=len(frame)) < 0.2
    defaults = dict(n_subjects=12, method="tmax", alpha=0.05, n_permutations=512)
    return frame.assign(**(defaults | constants))


@pytest.fixture()
def tables():
    activation = pd.concat(
        [
            table({"contrast": ["trained-untrained"], "layer": LAYERS, "band": BANDS}, 0),
            # another contrast with another test: must not reach the caption
            table({"contrast": ["trained"], "layer": LAYERS, "band": BANDS}, 1, method="fdr"),
        ],
        ignore_index=True,
    )
    classes = table({"class": CLASSES, "band": BANDS}, 2)
    reliability = pd.DataFrame(
        [
            {"contrast": "trained-untrained", "layer": layer, "band": band, "split": "subjects"}
            | {"r": 0.9 - 0.5 * i - 0.1 * j}
            for i, layer in enumerate(LAYERS)
            for j, band in enumerate(BANDS)
        ]
    )
    return activation, classes, reliability


@pytest.fixture()
def recorded(monkeypatch):
    """Replace the scalp-map grid, wherever the figures call it from, by a recorder."""
    calls = []

    def record(values, row_names, column_names, ch_names, **options):
        calls.append(dict(values=values, rows=row_names, columns=column_names, **options))
        return "figure"

    patch_everywhere(monkeypatch, "plot_map_grid", record)
    return calls


def patch_everywhere(monkeypatch, name: str, replacement) -> None:
    """Replace ``name`` in every loaded eegvis.viz module that imported it."""
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("eegvis.viz.") and hasattr(module, name):
            monkeypatch.setattr(module, name, replacement)


def test_activation_figure_is_the_contrasts_maps_then_the_mean_class_magnitude(tables, recorded):
    activation, classes, reliability = tables
    titles = ["alpha 7–13 Hz", "beta 13–31 Hz"]
    assert (
        plot_envelope_activation(
            activation, classes, reliability, LAYERS, BANDS, titles, CHANNELS, subjects="train"
        )
        == "figure"
    )
    (call,) = recorded
    rows = [{"band": band} for band in BANDS]
    columns = [{"contrast": "trained-untrained", "layer": layer} for layer in LAYERS]
    values, mask = map_grid(activation, rows, columns, CHANNELS)
    class_values, class_mask = map_grid(classes, rows, [{"class": c} for c in CLASSES], CHANNELS)
    assert call["values"].shape == call["mask"].shape == (2, 3, len(CHANNELS))
    np.testing.assert_array_equal(call["values"][:, :2], values)
    np.testing.assert_allclose(call["values"][:, 2], np.abs(class_values).mean(axis=1))
    np.testing.assert_array_equal(call["mask"][:, :2], mask)
    np.testing.assert_array_equal(call["mask"][:, 2], class_mask.any(axis=1))
    assert call["rows"] == titles
    assert call["columns"] == ["block 1", "classifier", "class |r|"]
    assert call["separate_last_column"] and call["row_label"] == "frequency band"
    assert call["cbar_label"] == "mean |r| over units, trained − untrained"
    assert call["notes"].tolist() == [
        ["split-half r = 0.90", "split-half r = 0.40 (unreliable)", ""],
        ["split-half r = 0.80", "split-half r = 0.30 (unreliable)", ""],
    ]
    selected = activation[activation["contrast"] == "trained-untrained"]
    assert call["footer"] == statistics_caption(selected, "train")


def test_class_figure_is_one_column_per_class(tables, recorded):
    _, classes, _ = tables
    reliability = pd.DataFrame(
        {"class": CLASSES, "band": ["alpha"] * 2, "split": ["subjects"] * 2, "r": [0.75, 0.2]}
    )
    plot_envelope_class(classes, reliability, BANDS, ["a", "b"], CHANNELS, title="Fig. 14")
    (call,) = recorded
    values, mask = map_grid(
        classes, [{"band": b} for b in BANDS], [{"class": c} for c in CLASSES], CHANNELS
    )
    np.testing.assert_array_equal(call["values"], values)
    np.testing.assert_array_equal(call["mask"], mask)
    assert call["columns"] == CLASSES and call["rows"] == ["a", "b"]
    assert call["title"] == "Fig. 14" and call["cbar_label"] == "r (envelope, class)"
    assert call["notes"].tolist() == [
        ["split-half r = 0.75", "split-half r = 0.20 (unreliable)"],
        ["", ""],
    ]
    assert call["footer"] == statistics_caption(classes, "all")


def test_the_figures_draw(tables, tmp_path):
    activation, classes, reliability = tables
    figure = plot_envelope_activation(
        activation, classes, reliability, LAYERS, BANDS, BANDS, CHANNELS, title="Fig. 15"
    )
    maps = [ax for ax in figure.axes if ax.get_label() != "<colorbar>"]
    assert len(maps) == 6
    assert [ax.get_title() for ax in maps[:3]] == ["block 1", "classifier", "class |r|"]
    assert "n = 12 subjects (all)" in figure.get_supxlabel()
    assert maps[0].get_xlabel() == "split-half r = 0.90"
    figure.savefig(tmp_path / "activation.png", dpi=40)
    plt.close(figure)
    class_reliability = pd.DataFrame(
        {"class": CLASSES, "band": ["beta"] * 2, "split": ["subjects"] * 2, "r": [0.6, 0.7]}
    )
    figure = plot_envelope_class(classes, class_reliability, BANDS, BANDS, CHANNELS)
    assert len([ax for ax in figure.axes if ax.get_label() != "<colorbar>"]) == 4
    plt.close(figure)


def test_activation_figure_names_the_signed_unit_summary(tables, recorded):
    activation, classes, reliability = tables
    titles = ["alpha 7–13 Hz", "beta 13–31 Hz"]
    plot_envelope_activation(
        activation, classes, reliability, LAYERS, BANDS, titles, CHANNELS, unit_summary="mean"
    )
    assert recorded[0]["cbar_label"] == "mean r over units, trained − untrained"
    with pytest.raises(ValueError, match="unit_summary must be one of"):
        plot_envelope_activation(
            activation, classes, reliability, LAYERS, BANDS, titles, CHANNELS, unit_summary="abs"
        )
