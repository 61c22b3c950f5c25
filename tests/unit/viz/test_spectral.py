"""Figures of the spectral analyses (eegvis.viz.spectral), assembled from their tables and maps."""

from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from eegvis.viz.captions import map_grid, statistics_caption
from eegvis.viz.spectral import VALUE_LABELS, plot_band_maps, plot_spectrum

CHANNELS = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"]
CONTRASTS = ["trained", "untrained", "trained-untrained"]
CLASSES = ["left", "right"]
MU = {"name": "mu", "low": 8, "high": 12}


def statistics() -> pd.DataFrame:
    index = pd.MultiIndex.from_product(
        [CONTRASTS, ["mu", "slow"], CLASSES, CHANNELS],
        names=["contrast", "band", "class", "channel"],
    )
    frame = index.to_frame(index=False)
    rng = np.random.default_rng(0)
    frame["mean"] = rng.normal(size=len(frame))
    frame["significant"] = rng.uniform(size=len(frame)) < 0.3
    frame["n_subjects"], frame["alpha"], frame["n_permutations"] = 20, 0.01, 1024
    frame["method"] = np.where(frame["band"] == "mu", "cluster", "tmax")  # per band: one test
    return frame


def reliability() -> pd.DataFrame:
    rows = [
        {"contrast": contrast, "band": "mu", "class": klass, "split": "subjects", "r": r}
        for contrast, r in zip(CONTRASTS, (0.95, 0.45, 0.8), strict=True)
        for klass in CLASSES
    ]
    rows += [
        {"contrast": "trained", "band": "mu", "class": "left", "split": "iterations", "r": 0.99},
        {"contrast": "trained", "band": "slow", "class": "left", "split": "subjects", "r": 0.1},
    ]
    return pd.DataFrame(rows)


@pytest.fixture()
def recorded(monkeypatch):
    """Replace the figure helpers, wherever the figures call them from, by recorders."""
    calls = []

    def record(values, rows, columns, *rest, **options):
        calls.append(dict(values=values, rows=rows, columns=columns, rest=rest, **options))
        return "figure"

    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("eegvis.viz."):
            for name in ("plot_map_grid", "plot_channel_frequency"):
                if hasattr(module, name):
                    monkeypatch.setattr(module, name, record)
    return calls


def test_band_maps_are_one_row_per_contrast_and_column_per_class(recorded):
    table = statistics()
    plot_band_maps(table, reliability(), "perturbation", MU, CONTRASTS, CHANNELS, subjects="valid")
    (call,) = recorded
    shown = table[table["band"] == "mu"]
    values, mask = map_grid(
        shown, [{"contrast": c} for c in CONTRASTS], [{"class": k} for k in CLASSES], CHANNELS
    )
    np.testing.assert_array_equal(call["values"], values)
    np.testing.assert_array_equal(call["mask"], mask)
    assert call["rows"] == CONTRASTS and call["columns"] == CLASSES
    assert call["rest"] == (CHANNELS,) and call["row_label"] == "network"
    assert call["symmetric"] == "row"  # each network and contrast on its own scale
    assert call["cbar_label"] == f"{VALUE_LABELS['perturbation']}, 8–12 Hz"
    assert call["notes"].tolist() == [
        ["split-half r = 0.95\niterations r = 0.99", "split-half r = 0.95"],
        ["split-half r = 0.45 (unreliable)"] * 2,
        ["split-half r = 0.80"] * 2,
    ]
    assert call["footer"] == statistics_caption(shown, "valid")  # the band's test only
    assert "cluster-based" in call["footer"]


def pooled_maps(network: str, seed: int, scale: float = 1.0) -> xr.Dataset:
    freqs = np.arange(1.0, 21.0)
    shape = (len(CLASSES), len(freqs), len(CHANNELS))
    pooled = scale * np.random.default_rng(seed).normal(size=shape)
    return xr.Dataset(
        {"pooled": (("class", "frequency", "channel"), pooled)},
        {"class": CLASSES, "frequency": freqs, "channel": CHANNELS},
        {"network": network},
    )


def test_spectrum_is_every_networks_pooled_map_per_class(recorded):
    results = [pooled_maps("trained", 1), pooled_maps("untrained", 2)]
    plot_spectrum(results, "gradient", title="spectra")
    (call,) = recorded
    expected = [r["pooled"].transpose("class", "channel", "frequency").values for r in results]
    np.testing.assert_array_equal(call["values"], expected)
    assert call["values"].shape == (2, 2, len(CHANNELS), 20)
    assert call["rows"] == ["trained", "untrained"] and call["columns"] == CLASSES
    assert call["rest"][0] == CHANNELS
    np.testing.assert_array_equal(call["rest"][1], np.arange(1.0, 21.0))  # frequencies
    assert call["title"] == "spectra" and call["cbar_label"] == VALUE_LABELS["gradient"]
    assert call["symmetric"] == "row"


def test_the_figures_draw(tmp_path):
    figure = plot_band_maps(statistics(), reliability(), "gradient", MU, CONTRASTS, CHANNELS)
    maps = [ax for ax in figure.axes if ax.get_label() != "<colorbar>"]
    assert len(maps) == 6 and [ax.get_title() for ax in maps[:2]] == CLASSES
    assert maps[0].get_xlabel() == "split-half r = 0.95\niterations r = 0.99"
    assert "n = 20 subjects (all)" in figure.get_supxlabel()
    figure.savefig(tmp_path / "band.png", dpi=40)
    plt.close(figure)
    figure = plot_spectrum([pooled_maps("trained", 1)], "perturbation")
    assert [ax.get_title() for ax in figure.axes[:2]] == ["trained: left", "trained: right"]
    plt.close(figure)


def test_each_network_and_contrast_has_its_own_scale_and_the_figure_says_so():
    """A trained network ten times smaller than its control is drawn on its own scale."""
    table = statistics()
    table.loc[table["contrast"] == "untrained", "mean"] *= 10
    figure = plot_band_maps(table, reliability(), "gradient", MU, CONTRASTS, CHANNELS)
    shown = table[table["band"] == "mu"]
    for row, contrast in enumerate(CONTRASTS):
        limit = shown.loc[shown["contrast"] == contrast, "mean"].abs().max()
        for ax in figure.axes[2 * row : 2 * row + 2]:
            assert ax.images[0].get_clim() == pytest.approx((-limit, limit))
    assert "each row scaled to its own maximum |value|" in " ".join(figure.get_supxlabel().split())
    plt.close(figure)
    untrained = pooled_maps("untrained", 2)
    figure = plot_spectrum([pooled_maps("trained", 2, 0.1), untrained], "gradient")
    trained, untrained_left = (figure.axes[row].images[0] for row in (0, 2))
    limit = np.abs(untrained["pooled"].values).max()
    assert trained.get_clim() == pytest.approx((-limit / 10, limit / 10))
    assert untrained_left.get_clim() == pytest.approx((-limit, limit))
    assert np.ptp(trained.norm(trained.get_array())) > 0.75  # colours span its scale
    assert "each row scaled to its own maximum |value|" in " ".join(figure.get_supxlabel().split())
    plt.close(figure)
