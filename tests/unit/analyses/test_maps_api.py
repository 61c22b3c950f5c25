"""The public API on MNE Epochs: analyses, the labelled result type and its methods."""

from __future__ import annotations

import mne
import numpy as np
import pandas as pd
import pytest
import torch
from conftest import SMALL_DEEP4, lateralized_mu_epochs

import eegvis
from eegvis.analyses import envelope_activation_networks
from eegvis.analyses.envelope_activation import (
    OUTPUT,
    as_channel_band_array,
    envelope_activation_statistics,
)
from eegvis.analyses.perturbation import band_mean
from eegvis.data.filters import bandpass
from eegvis.data.trials import iter_epochs_subjects
from eegvis.models import Deep4Net
from eegvis.models.dense import to_dense_prediction_model
from eegvis.stats.one_sample import one_sample_test

CHANNELS = ["FC3", "FC4", "C3", "Cz", "C4", "Pz"]
SFREQ, N_SAMPLES, LENGTH = 160.0, 500, 450
BANDS = {"mu": (7.0, 13.0), "beta": (13.0, 30.0)}


def make_epochs(n_subjects: int = 3, n_trials: int = 8, subjects: bool = True) -> mne.EpochsArray:
    """Class "right" has less 10 Hz power over C3; data in volts."""
    return lateralized_mu_epochs(
        CHANNELS,
        N_SAMPLES,
        seed=5,
        n_subjects=n_subjects,
        n_trials=n_trials,
        subjects=subjects,
        sfreq=SFREQ,
    )


@pytest.fixture(scope="module")
def epochs() -> mne.EpochsArray:
    return make_epochs()


@pytest.fixture(scope="module")
def model() -> Deep4Net:
    net = Deep4Net(len(CHANNELS), 2, LENGTH, **SMALL_DEEP4, random_state=0)
    return to_dense_prediction_model(net).eval()


@pytest.fixture(scope="module")
def activation(model, epochs):
    return eegvis.envelope_activation_maps(model, epochs, BANDS, ["pool_nonlin", "pool_nonlin_3"])


@pytest.fixture(scope="module")
def gradient(model, epochs):
    return eegvis.gradient_maps(model, epochs)


def test_envelope_activation_maps_are_each_subjects_statistics(model, epochs, activation):
    geometry = eegvis.receptive_fields(model, len(CHANNELS), LENGTH, ["pool_nonlin", OUTPUT])
    subject = epochs[epochs.metadata["subject"] == 2]
    X = subject.get_data(units="uV").astype(np.float32)
    filtered = np.stack([bandpass(X.astype(float), SFREQ, lo, hi) for lo, hi in BANDS.values()])
    statistics = envelope_activation_statistics({"": model}, X, filtered, geometry, LENGTH)
    expected = as_channel_band_array(statistics["pool_nonlin"], len(CHANNELS), 2)
    units = activation["units_pool_nonlin"].sel(subject=2).values
    np.testing.assert_allclose(units, expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(
        activation["correlation"].sel(subject=2, layer="pool_nonlin").values,
        np.nanmean(np.abs(expected), axis=-1),
        rtol=1e-6,
        atol=1e-6,
    )
    assert activation["subject"].values.tolist() == [1, 2, 3]
    assert activation.eegvis.map.dims == ("subject", "channel", "band", "layer")
    assert activation["receptive_field"].values.tolist() == [14, 72]
    assert activation.attrs["analysis"] == "envelope_activation"


def test_raw_recordings_are_band_passed_before_cutting():
    rng = np.random.default_rng(2)
    raw = mne.io.RawArray(
        rng.standard_normal((len(CHANNELS), 40 * int(SFREQ))) * 1e-5,
        mne.create_info(CHANNELS, SFREQ, "eeg"),
        verbose="error",
    )
    events = np.column_stack([np.arange(5, 35, 5) * int(SFREQ), np.zeros(6, int), [1, 2] * 3])
    epochs = mne.Epochs(
        raw, events, {"left": 1, "right": 2}, 0, 3, baseline=None, preload=True, verbose="error"
    )
    (trials,) = iter_epochs_subjects(epochs, bands=BANDS, raw=raw)
    (edges,) = iter_epochs_subjects(epochs, bands=BANDS)
    start, n = events[0, 0], epochs.get_data().shape[-1]
    whole = bandpass(raw.get_data() * 1e6, SFREQ, *BANDS["mu"])
    np.testing.assert_allclose(trials.filtered[0, 0], whole[:, start : start + n], rtol=1e-9)
    assert trials.subject == 0 and trials.y.tolist() == [0, 1] * 3  # no metadata: subject 0
    # filtering each trial on its own differs at the trial's edges, not in its middle
    middle = slice(n // 2 - 20, n // 2 + 20)
    edge_error = np.abs(edges.filtered - trials.filtered)
    assert edge_error[..., :10].max() > 10 * edge_error[..., middle].max()


def test_maps_save_read_and_tabulate(tmp_path, gradient):
    path = tmp_path / "gradient.nc"
    gradient.eegvis.save(path)
    assert eegvis.read_maps(path).identical(gradient)
    table = gradient.eegvis.to_table(name="gradient")
    assert list(table.columns) == ["subject", "split", "channel", "frequency", "class", "gradient"]
    n_cells = len(CHANNELS) * gradient.sizes["frequency"] * 2
    assert len(table) == 4 * n_cells  # the pooled map, then three subjects
    assert (table["subject"][:n_cells] == "all").all()
    np.testing.assert_array_equal(table["gradient"][:n_cells], gradient["pooled"].values.ravel())
    assert gradient["n_crops"].values.tolist() == [16, 16, 16]  # crops at 0 and 50 per trial


def test_compressed_tables_read_back_and_have_the_same_bytes_each_time(tmp_path, gradient):
    first, second, plain = tmp_path / "a.csv.gz", tmp_path / "b" / "a.csv.gz", tmp_path / "a.csv"
    for path in (first, second, plain):
        gradient.eegvis.write_table(path, name="gradient")
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()[:2] == b"\x1f\x8b"  # gzip
    pd.testing.assert_frame_equal(
        pd.read_csv(first, keep_default_na=False), pd.read_csv(plain, keep_default_na=False)
    )


def test_band_means_and_cross_subject_tests(gradient):
    mu = gradient.eegvis.band_means(BANDS)
    freqs = gradient["frequency"].values
    np.testing.assert_allclose(
        mu["pooled"].sel(band="beta").values,
        band_mean(gradient["pooled"].values, freqs, *BANDS["beta"]),
        rtol=1e-12,
    )
    assert mu["band_low"].values.tolist() == [7.0, 13.0]
    result = mu.eegvis.test(n_permutations=100)
    assert result["p"].dims == ("class", "channel", "band")
    direct = one_sample_test(
        mu["gradient"].sel({"class": "right"}).transpose("subject", "channel", "band").values,
        n_permutations=100,
    )
    np.testing.assert_array_equal(result["p"].sel({"class": "right"}).values, direct.p)
    assert result.attrs["n_subjects"] == 3 and result.attrs["exact"] == 1  # 2**2 patterns
    figure = mu.eegvis.plot(mask=result["significant"], title="mu")
    assert len([ax for ax in figure.axes if ax.get_label() != "<colorbar>"]) >= 4


def test_envelope_class_maps_find_the_planted_effect(model, epochs):
    maps = eegvis.envelope_class_maps(epochs, BANDS, model)
    right = maps["pooled"].sel(band="mu", **{"class": "right"})
    assert float(right.sel(channel="C3")) < -0.7
    assert float(np.abs(right.drop_sel(channel="C3")).max()) < 0.3
    assert maps.attrs["receptive_field"] == 136


def test_perturbation_maps_on_epochs(model, epochs):
    maps = eegvis.perturbation_maps(model, epochs, n_iterations=2, classes=["right", "left"])
    assert maps["class"].values.tolist() == ["right", "left"]
    assert maps.sizes["iteration"] == maps.attrs["n_iterations"] == 2
    np.testing.assert_allclose(
        maps["pooled"].values, maps["iteration_correlation"].mean("iteration").values, atol=1e-12
    )


def test_bad_arguments_are_named(model, epochs):
    with pytest.raises(ValueError, match=r"classes \['up'\] are not in the epochs' event_id"):
        eegvis.gradient_maps(model, epochs, classes=["up"])
    no_length = Deep4Net(len(CHANNELS), 2, LENGTH, **SMALL_DEEP4)
    del no_length.n_times
    with pytest.raises(ValueError, match="give input_length"):
        eegvis.gradient_maps(no_length, epochs)


def test_maps_name_subjects_by_number_and_the_log_counts_them(model, caplog):
    epochs = make_epochs(n_subjects=2, n_trials=4)
    epochs.metadata = pd.DataFrame({"subject": [42] * 4 + [7] * 4})
    with caplog.at_level("INFO", logger="eegvis.analyses"):
        maps = eegvis.envelope_activation_maps(model, epochs, BANDS, ["pool_nonlin"])
    assert maps["subject"].values.tolist() == [7, 42]
    messages = [record.getMessage() for record in caplog.records]
    assert messages[0].startswith("envelope-activation maps: 1/2 subjects (50%), ")
    assert messages[0].endswith(" left")
    assert messages[-1].startswith("envelope-activation maps: 2/2 subjects (100%), done in ")
    assert not any(m.startswith(("Subject 1", "Subject 2")) for m in messages)


def test_several_networks_in_one_pass_equal_each_network_alone(model, epochs, activation):
    other = to_dense_prediction_model(
        Deep4Net(len(CHANNELS), 2, LENGTH, **SMALL_DEEP4, random_state=1)
    ).eval()
    layers = ["pool_nonlin", "pool_nonlin_3"]
    both = envelope_activation_networks(
        {"trained": model, "untrained": other},
        iter_epochs_subjects(epochs, bands=BANDS),
        epochs.info,
        BANDS,
        layers,
        input_length=LENGTH,
    )
    alone = eegvis.envelope_activation_maps(other, epochs, BANDS, layers)
    for name, expected in (("trained", activation), ("untrained", alone)):
        assert both[name].attrs["network"] == name
        for variable in ("correlation", "pooled", "units_pool_nonlin_3"):
            np.testing.assert_allclose(
                both[name][variable].values, expected[variable].values, rtol=1e-9, atol=1e-12
            )


def test_networks_with_different_fields_are_not_mixed(model, epochs):
    other = to_dense_prediction_model(
        Deep4Net(len(CHANNELS), 2, LENGTH, **(SMALL_DEEP4 | {"filter_length_2": 3}), random_state=1)
    ).eval()
    with pytest.raises(ValueError, match="differ in their layers' receptive fields"):
        envelope_activation_networks(
            {"a": model, "b": other}, iter_epochs_subjects(epochs, bands=BANDS), epochs.info, BANDS
        )


def test_without_subject_units_only_their_means_are_kept(model, epochs, activation):
    lean = envelope_activation_networks(
        {"trained": model},
        iter_epochs_subjects(epochs, bands=BANDS),
        epochs.info,
        BANDS,
        ["pool_nonlin", "pool_nonlin_3"],
        input_length=LENGTH,
        subject_units=False,
    )["trained"]
    assert not [name for name in lean if name.startswith("units_")]
    for variable in ("correlation", "pooled", "pooled_units_pool_nonlin"):
        np.testing.assert_allclose(lean[variable].values, activation[variable].values, rtol=1e-9)


class _Mirror(torch.nn.Module):
    """Units ``h`` and ``-h`` side by side: every correlation appears with both signs."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, -x], dim=1)


class _MirroredNet(torch.nn.Module):
    """A dense network whose layer ``mirror`` has units of opposite sign, pairwise."""

    n_times = LENGTH

    def __init__(self, n_chans: int) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv1d(n_chans, 3, 25)
        self.mirror = _Mirror()
        self.classifier = torch.nn.Conv1d(6, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.mirror(torch.square(self.conv(x))))


def test_unit_summary_mean_abs_keeps_what_a_signed_mean_cancels(epochs):
    model = _MirroredNet(len(CHANNELS)).eval()
    maps = {
        summary: eegvis.envelope_activation_maps(
            model, epochs, BANDS, ["conv", "mirror"], unit_summary=summary
        )
        for summary in ("mean_abs", "mean")
    }
    units = maps["mean"]["units_mirror"].values
    np.testing.assert_allclose(units[..., :3], -units[..., 3:], atol=1e-9)
    signed = maps["mean"]["correlation"].sel(layer="mirror").values
    absolute = maps["mean_abs"]["correlation"].sel(layer="mirror").values
    np.testing.assert_allclose(signed, 0.0, atol=1e-9)
    np.testing.assert_allclose(absolute, np.abs(units).mean(axis=-1), rtol=1e-12)
    assert (absolute > 0).all() and absolute.max() > 0.05
    # the unmirrored layer: the absolute mean is the mean of |r|, never below |mean r|
    conv_units = maps["mean"]["units_conv"].values
    np.testing.assert_allclose(
        maps["mean_abs"]["correlation"].sel(layer="conv").values,
        np.abs(conv_units).mean(axis=-1),
        rtol=1e-12,
    )
    assert maps["mean_abs"].attrs["unit_summary"] == "mean_abs"
    assert maps["mean"].attrs["unit_summary"] == "mean"
    np.testing.assert_allclose(
        maps["mean_abs"]["pooled"].sel(layer="mirror").values,
        np.abs(maps["mean"]["pooled_units_mirror"].values).mean(axis=-1),
        rtol=1e-12,
    )


def test_unknown_unit_summary_is_named(model, epochs):
    with pytest.raises(ValueError, match="unit_summary must be one of"):
        eegvis.envelope_activation_maps(model, epochs, BANDS, unit_summary="median")
