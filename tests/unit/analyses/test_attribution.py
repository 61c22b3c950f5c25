"""Tests of eegvis.analyses.attribution and attribution_maps.

References: the axioms the methods satisfy (completeness of integrated gradients and
DeepLIFT, conservation of LRP), eegvis's amplitude gradient (itself checked against
braindecode 0.8.1) for saliency and input x gradient, numpy's covariance for the Haufe
pattern, and braindecode 1.8.1's Captum wrappers on the same model and inputs.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from captum.attr import LRP
from conftest import lateralized_mu_epochs

from eegvis.analyses.attribution import (
    attribute,
    class_attribution_means,
    explained_model,
    haufe_patterns,
    method_inputs,
)
from eegvis.analyses.attribution_maps import attribution_maps, sample_crops
from eegvis.analyses.gradients import amplitude_gradients
from eegvis.analyses.methods import CROP_METHODS, METHODS, method_options
from eegvis.data.trials import iter_epochs_subjects
from eegvis.models import SEED_000_OPTIONS
from eegvis.models.io import build_dense_network

N_CHANS, N_TIMES, SFREQ = 6, 160, 100.0
SMALL = dict(
    SEED_000_OPTIONS,
    n_filters_time=6,
    n_filters_spat=6,
    n_filters_2=6,
    n_filters_3=6,
    n_filters_4=6,
)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def model():
    """A small dense Deep4Net (ELU, max pooling, batch norm) with trained-looking statistics."""
    net = build_dense_network(N_CHANS, 2, N_TIMES, deep4=SMALL, seed=3)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():  # non-trivial batch-norm statistics, so folding matters
        for module in net.modules():
            if isinstance(module, torch.nn.BatchNorm1d):
                module.running_mean.uniform_(-0.5, 0.5, generator=generator)
                module.running_var.uniform_(0.5, 2.0, generator=generator)
    return net.eval()


@pytest.fixture(scope="module")
def crops():
    rng = np.random.default_rng(0)
    X = rng.normal(scale=5.0, size=(10, N_CHANS, N_TIMES)).astype(np.float32)
    return X, np.array([0, 1] * 5)


def scores_and_inputs(model, X, target, rule_layers=False):
    explained = explained_model(
        model, N_TIMES, "spectrum", strip_log_softmax=True, rule_layers=rule_layers
    )
    amplitude, phase = method_inputs(torch.as_tensor(X), "spectrum")
    with torch.no_grad():
        chosen = explained(amplitude, phase).gather(1, target[:, None])[:, 0]
        at_zero = explained(torch.zeros_like(amplitude), phase).gather(1, target[:, None])[:, 0]
    return explained, amplitude, phase, chosen, at_zero


@pytest.mark.parametrize("method", ["integrated_gradients", "deeplift"])
def test_attributions_sum_to_the_score_difference_from_the_zero_input(model, crops, method):
    """Completeness of IG and DeepLIFT, per crop: the sum is f(a) - f(0)."""
    X, _ = crops
    target = torch.tensor([0, 1, 1, 0])
    explained, amplitude, phase, chosen, at_zero = scores_and_inputs(model, X[:4], target)
    options = {"n_steps": 64} if method == "integrated_gradients" else {}
    relevance = attribute(explained, amplitude, phase, target, method, **options)
    totals = relevance.sum(dim=(1, 2)).detach().double()
    expected = (chosen - at_zero).double().numpy()
    # IG: a 64-point quadrature of a path with ELU and max-pooling kinks
    assert totals.numpy() == pytest.approx(expected, rel=5e-3, abs=1e-4)
    assert np.abs(expected).min() > 1e-3  # the scores are not trivially zero


def test_lrp_conserves_the_score_of_a_network_without_biases(crops):
    """LRP's rules conserve relevance layer by layer; only biases absorb some of it.

    A freshly initialised Deep4Net has zero biases (also after folding its batch norms,
    whose statistics are the initial ones), so the relevance of the amplitudes sums to
    the class score itself.
    """
    X, _ = crops
    net = build_dense_network(N_CHANS, 2, N_TIMES, deep4=SMALL, seed=5).eval()
    target = torch.tensor([0, 1, 1, 0])
    explained, amplitude, phase, chosen, _ = scores_and_inputs(net, X[:4], target, True)
    relevance = attribute(explained, amplitude, phase, target, "lrp")
    totals = relevance.sum(dim=(1, 2)).detach().double().numpy()
    assert totals == pytest.approx(chosen.double().numpy(), rel=1e-3, abs=1e-6)
    assert chosen.abs().min() > 1e-4
    other = attribute(explained, amplitude, phase, target, "lrp", composite="epsilon_plus")
    assert torch.isfinite(other).all() and not torch.allclose(other, relevance)
    with pytest.raises(ValueError, match="composite must be one of"):
        attribute(explained, amplitude, phase, target, "lrp", composite="gamma")


def test_saliency_and_input_x_gradient_are_the_amplitude_gradient(model, crops):
    """Per crop, |g| and a * g with g from eegvis.analyses.gradients (braindecode-checked)."""
    X, y = crops
    per_crop = [
        amplitude_gradients(model, X[i : i + 1], SFREQ, strip_log_softmax=True)[0]
        for i in range(len(X))
    ]
    gradients = np.stack(per_crop)  # (crop, chan, freq, class)
    amplitudes = np.abs(np.fft.rfft(X.astype(np.float64), axis=-1))[..., None]
    for method, per_crop_map in (
        ("saliency", np.abs(gradients)),
        ("input_x_gradient", amplitudes * gradients),
    ):
        own, other = class_attribution_means(
            model, X, y, 2, method, batch_size=3, strip_log_softmax=True
        )
        for k in range(2):
            scale = np.abs(per_crop_map).max()  # float32 rounding, relative to the map
            np.testing.assert_allclose(
                own[..., k], per_crop_map[y == k, ..., k].mean(0), rtol=1e-4, atol=1e-5 * scale
            )
            np.testing.assert_allclose(
                other[..., k], per_crop_map[y != k, ..., k].mean(0), rtol=1e-4, atol=1e-5 * scale
            )


@pytest.mark.parametrize("method", CROP_METHODS)
def test_results_do_not_depend_on_the_batch_size_and_repeat_exactly(model, crops, method):
    X, y = crops
    options = {"window": 20} if method == "occlusion" else {}
    first = class_attribution_means(model, X, y, 2, method, batch_size=10, **options)
    again = class_attribution_means(model, X, y, 2, method, batch_size=10, **options)
    np.testing.assert_array_equal(first[0], again[0])
    if method != "gradient_shap":  # its baselines are drawn from each batch
        split = class_attribution_means(model, X, y, 2, method, batch_size=4, **options)
        np.testing.assert_allclose(split[0], first[0], rtol=1e-4, atol=1e-7)
    assert first[0].shape == (N_CHANS, N_TIMES // 2 + 1, 2)
    assert np.isfinite(first[0]).all() and np.abs(first[0]).max() > 0


def test_gradient_shap_seed_changes_its_draws(model, crops):
    X, y = crops
    one = class_attribution_means(model, X, y, 2, "gradient_shap", seed=1)[0]
    two = class_attribution_means(model, X, y, 2, "gradient_shap", seed=2)[0]
    assert not np.array_equal(one, two)


def test_haufe_pattern_is_the_covariance_times_the_centred_gradient():
    rng = np.random.default_rng(1)
    amplitudes = rng.gamma(2.0, size=(40, 3, 5))
    gradients = rng.normal(size=(3, 5, 2))
    centred = gradients - gradients.mean(axis=-1, keepdims=True)
    covariance = np.cov(amplitudes.reshape(40, -1), rowvar=False)
    expected = (covariance @ centred.reshape(15, 2)).reshape(3, 5, 2)
    np.testing.assert_allclose(haufe_patterns(gradients, amplitudes), expected, rtol=1e-12)


def test_haufe_pattern_recovers_the_source_a_suppressor_hides():
    """Haufe et al. 2014: the filter weights a noise-only channel; the pattern does not."""
    rng = np.random.default_rng(2)
    signal, noise = rng.normal(size=5000), rng.normal(size=5000)
    features = np.stack([signal + noise, noise], axis=1)[:, :, None]  # channel 1: noise only
    weights = np.array([[1.0], [-1.0]])[:, :, None] * np.array([0.5, -0.5])  # w = x0 - x1
    pattern = haufe_patterns(weights, features)[:, 0, 0]
    assert abs(weights[1, 0, 0]) == abs(weights[0, 0, 0])  # the filter weighs both alike
    assert abs(pattern[1]) < 0.05 * abs(pattern[0])  # the pattern: the signal channel only


def test_options_and_domains_are_checked(model, crops):
    X, y = crops
    with pytest.raises(ValueError, match="unknown options for method 'deeplift'"):
        class_attribution_means(model, X, y, 2, "deeplift", n_steps=3)
    with pytest.raises(ValueError, match="method must be one of"):
        method_options("gradcam", {})
    with pytest.raises(ValueError, match="domain must be one of"):
        class_attribution_means(model, X, y, 2, "saliency", domain="wavelet")
    with pytest.raises(ValueError, match="labels must lie in"):
        class_attribution_means(model, X, y + 1, 2, "saliency")
    assert set(CROP_METHODS) == set(METHODS) - {"haufe"}


def test_captum_lrp_has_no_rule_for_elu_where_the_zennit_path_explains(model, crops):
    """Captum's LRP raises on ELU (and on eegvis's convolution subclasses) networks."""
    X, _ = crops
    elu_net = torch.nn.Sequential(
        torch.nn.Linear(N_TIMES, 4), torch.nn.ELU(), torch.nn.Linear(4, 2)
    )
    x = torch.as_tensor(X[:2])
    with pytest.raises(TypeError, match="ELU"):
        LRP(elu_net).attribute(x[:, 0].clone().requires_grad_(), target=0)
    explained = explained_model(model, N_TIMES, "time", strip_log_softmax=True, rule_layers=True)
    with pytest.raises(TypeError, match="no rule defined"):
        LRP(explained).attribute(x.clone().requires_grad_(), target=0)
    relevance = attribute(explained, x, None, torch.tensor([0, 1]), "lrp")
    faster = explained_model(model, N_TIMES, "time", strip_log_softmax=True)
    with pytest.raises(ValueError, match="rule_layers=True"):
        attribute(faster, x, None, torch.tensor([0, 1]), "lrp")
    assert relevance.shape == x.shape and torch.isfinite(relevance).all()


@pytest.mark.parametrize(
    ("method", "wrapper", "options"),
    [
        ("saliency", "saliency", {}),
        ("input_x_gradient", "input_x_gradient", {}),
        ("integrated_gradients", "integrated_gradients", {"steps": 16}),
        ("deeplift", "deep_lift", {}),
    ],
)
def test_time_domain_attributions_equal_braindecode_181(
    braindecode181, model, crops, method, wrapper, options
):
    """braindecode.visualization.attribution (1.8.1) on the same explained model and crops."""
    reference = getattr(braindecode181("attribution"), wrapper)
    X, _ = crops
    x, target = torch.as_tensor(X[:4]), torch.tensor([0, 1, 0, 1])
    explained = explained_model(model, N_TIMES, "time", strip_log_softmax=True)
    ours = attribute(explained, x, None, target, method)
    theirs = reference(explained, x, target, **options)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.numpy(), rtol=1e-5, atol=1e-8)


def test_attribution_maps_on_epochs():
    """Per-subject maps with the class contrast as the tested map; the planted C3 effect."""
    channels = ["C3", "Cz", "C4", "FC3", "CP3", "Pz"]
    epochs = lateralized_mu_epochs(channels, N_TIMES, seed=4, n_subjects=3, n_trials=8)
    net = build_dense_network(len(channels), 2, N_TIMES, deep4=SMALL, seed=1)
    maps = attribution_maps(net, epochs, method="input_x_gradient", input_length=N_TIMES)
    assert maps.attrs["map"] == "contrast" and maps.attrs["analysis"] == "input_x_gradient"
    assert maps["contrast"].dims == ("subject", "channel", "frequency", "class")
    assert list(maps["subject"].values) == [1, 2, 3]
    weights = maps["n_crops"].values
    expected = np.average(maps["contrast"].values, axis=0, weights=weights)
    np.testing.assert_allclose(maps["pooled"].values, expected)
    haufe = attribution_maps(net, epochs, method="haufe", input_length=N_TIMES)
    assert haufe.attrs["map"] == "attribution" and "contrast" not in haufe
    with pytest.raises(ValueError, match="spectral amplitudes only"):
        attribution_maps(net, epochs, method="haufe", domain="time", input_length=N_TIMES)
    timed = attribution_maps(net, epochs, method="saliency", domain="time", input_length=N_TIMES)
    assert timed["attribution"].sizes["time"] == N_TIMES


def test_sample_crops_spreads_the_sample_over_subjects_and_keeps_labels():
    channels = ["C3", "Cz", "C4", "FC3", "CP3", "Pz"]
    epochs = lateralized_mu_epochs(channels, N_TIMES, seed=4, n_subjects=3, n_trials=8)
    net = build_dense_network(len(channels), 2, N_TIMES, deep4=SMALL, seed=1)
    subjects = list(iter_epochs_subjects(epochs, ["left", "right"], "uV"))
    crops, labels = sample_crops(iter(subjects), net, epochs.info, 7, 3, input_length=N_TIMES)
    assert crops.shape == (7, len(channels), N_TIMES) and labels.shape == (7,)
    # three per subject (ceil(7 / 3)), evenly spaced: trials 0, 3 (or 4) and 7 of the first
    first = subjects[0]
    np.testing.assert_array_equal(crops[0], first.X[0])
    np.testing.assert_array_equal(crops[2], first.X[-1])
    assert labels[:3].tolist() == [first.y[0], first.y[3], first.y[-1]]
    with pytest.raises(ValueError, match="no subject"):
        sample_crops(iter([]), net, epochs.info, 4, 1, input_length=N_TIMES)
