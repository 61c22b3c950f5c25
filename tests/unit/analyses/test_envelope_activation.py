"""Envelope-activation correlations against a naive, window-by-window reference."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import scipy.signal
import torch

from eegvis.analyses.envelope_activation import (
    OUTPUT,
    as_channel_band_array,
    envelope_activation_statistics,
    envelope_class_statistics,
    window_starts,
)
from eegvis.models import Deep4Net
from eegvis.models.crops import crop_starts
from eegvis.models.dense import analytic_fields, to_dense_prediction_model
from eegvis.models.layers import LayerGeometry

LAYERS = ("pool_nonlin", "pool_nonlin_2", "conv_classifier")
N_CHANS, N_TIMES, LENGTH = 4, 150, 120


@pytest.fixture(scope="module")
def model():
    net = Deep4Net(
        N_CHANS,
        2,
        LENGTH,
        final_conv_length=2,
        n_filters_time=4,
        n_filters_spat=4,
        n_filters_2=5,
        n_filters_3=6,
        n_filters_4=7,
        filter_length_2=5,
        filter_length_3=5,
        filter_length_4=5,
        pool_time_length=2,
        pool_time_stride=2,
        random_state=0,
    )
    return to_dense_prediction_model(net).eval()


@pytest.fixture(scope="module")
def trials():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5, N_CHANS, N_TIMES)).astype(np.float32)
    filtered = np.stack([X * 0.5, X[:, ::-1].copy() + 1.0])  # two "bands"
    return X, filtered


def dense(rf: int, length: int = LENGTH) -> LayerGeometry:
    """Geometry of a dense layer (stride 1, no padding) with receptive field ``rf``."""
    return LayerGeometry(rf, 1, 0, length - rf + 1, slice(0, length - rf + 1), 2)


@pytest.fixture(scope="module")
def geometry(model):
    """The analysed layers and the output (the classifier's log-probabilities) of the dense net."""
    fields = analytic_fields(model)
    return {
        **{layer: dense(fields[layer]) for layer in LAYERS},
        OUTPUT: dense(fields["conv_classifier"]),
    }


def naive(model, X, filtered, layer):
    """Per trial, per window: run the net, scipy Hilbert, loop moving average, stitch, corrcoef."""
    fields = analytic_fields(model)
    rf, classifier_rf = fields[layer], fields["conv_classifier"]
    starts = crop_starts(N_TIMES, LENGTH, LENGTH - classifier_rf + 1)
    assert starts.tolist() == [0, 24, 30]  # three windows, overlapping at the end
    np.testing.assert_array_equal(window_starts(N_TIMES, LENGTH, dense(classifier_rf)), starts)
    n_out = LENGTH - rf + 1
    env_rows, unit_rows = [], []
    for trial in range(len(X)):
        seen = 0
        for start in starts:
            window = torch.from_numpy(X[trial : trial + 1, :, start : start + LENGTH])
            out = window
            for name, module in model.named_children():
                out = module(out)
                if name == layer:
                    break
            out = out[0]
            envelope = (
                np.abs(scipy.signal.hilbert(filtered[:, trial, :, start : start + LENGTH])) ** 2
            )
            averaged = np.stack(
                [envelope[..., j : j + rf].mean(axis=-1) for j in range(n_out)], axis=-1
            )
            keep = slice(max(seen - start, 0), n_out)  # first window that holds a sample wins
            seen = start + n_out
            env_rows.append(averaged[..., keep].transpose(2, 1, 0).reshape(-1, N_CHANS * 2))
            unit_rows.append(out[:, keep].T.double().detach().numpy())
    env, units = np.concatenate(env_rows), np.concatenate(unit_rows)
    full = np.corrcoef(env, units, rowvar=False)
    return full[: env.shape[1], env.shape[1] :].reshape(N_CHANS, 2, -1)


@pytest.mark.parametrize("layer", LAYERS)
def test_matches_naive_reference(model, trials, geometry, layer):
    X, filtered = trials
    statistics = envelope_activation_statistics(
        {"": model}, X, filtered, geometry, LENGTH, batch_size=2
    )
    assert list(statistics) == list(LAYERS)
    ours = as_channel_band_array(statistics[layer], N_CHANS, 2)
    np.testing.assert_allclose(ours, naive(model, X, filtered, layer), atol=1e-6)


def test_batch_size_and_subject_split_do_not_matter(model, trials, geometry):
    X, filtered = trials
    whole = envelope_activation_statistics({"": model}, X, filtered, geometry, LENGTH, batch_size=5)
    first = envelope_activation_statistics({"": model}, X[:2], filtered[:, :2], geometry, LENGTH, 1)
    second = envelope_activation_statistics(
        {"": model}, X[2:], filtered[:, 2:], geometry, LENGTH, 3
    )
    for layer in LAYERS:
        second[layer].merge(first[layer])
        np.testing.assert_allclose(
            second[layer].correlation(), whole[layer].correlation(), atol=1e-7
        )


def test_envelope_class_correlation_has_the_planted_sign():
    rng = np.random.default_rng(3)
    labels = np.array([0, 1] * 10)
    t = np.arange(N_TIMES) / 100
    amplitude = np.where(labels == 1, 2.0, 0.5)[:, None, None]
    X = rng.normal(scale=0.1, size=(20, N_CHANS, N_TIMES))
    X[:, 0] += amplitude[:, 0] * np.sin(2 * np.pi * 10 * t)  # channel 0 louder in class 1
    filtered = X[None].astype(np.float32)
    prediction = dense(40)  # a classifier with receptive field 40: windows every 81 samples
    assert window_starts(N_TIMES, LENGTH, prediction).tolist() == [0, 30]
    statistics = envelope_class_statistics(filtered, labels, 2, prediction, LENGTH)
    correlation = as_channel_band_array(statistics, N_CHANS, 1)
    assert correlation[0, 0, 1] > 0.8 and correlation[0, 0, 0] < -0.8
    assert np.all(np.abs(correlation[1:]) < 0.3)


def test_wrong_filtered_shape_is_rejected(model, trials, geometry):
    X, filtered = trials
    with pytest.raises(ValueError, match="filtered must have shape"):
        envelope_activation_statistics({"": model}, X, filtered[:, :3], geometry, LENGTH)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_envelope_stage_on_cuda_matches_the_cpu(model, trials, geometry):
    X, filtered = trials
    on_cpu = envelope_activation_statistics({"": model}, X, filtered, geometry, LENGTH)
    on_gpu = envelope_activation_statistics(
        {"": copy.deepcopy(model).cuda()}, X, filtered, geometry, LENGTH
    )
    for layer in LAYERS:
        np.testing.assert_allclose(
            on_gpu[layer].correlation(), on_cpu[layer].correlation(), atol=1e-5
        )


def test_two_networks_share_one_accumulator_per_layer(model, trials, geometry):
    X, filtered = trials
    alone = envelope_activation_statistics({"a": model}, X, filtered, geometry, LENGTH)
    both = envelope_activation_statistics({"a": model, "b": model}, X, filtered, geometry, LENGTH)
    for layer in LAYERS:
        r = both[layer].correlation()
        n_units = r.shape[1] // 2
        np.testing.assert_allclose(r[:, :n_units], r[:, n_units:], atol=1e-12)
        np.testing.assert_allclose(r[:, :n_units], alone[layer].correlation(), atol=1e-12)
