"""Adebayo et al.'s sanity checks: cascading randomisation, map similarity, the verdicts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr
from braindecode.models.deep4 import Deep4Net as BraindecodeDeep4Net
from conftest import SMALL_DEEP4
from scipy.stats import spearmanr
from torch import nn

from eegvis.analyses.gradients import amplitude_gradients
from eegvis.data.eegbci import CHANNELS
from eegvis.evaluation.sanity import (
    CASCADING_COLUMNS,
    FLAG_COLUMNS,
    SIMILARITY_METRICS,
    cascading_randomisation,
    cascading_similarity,
    label_randomisation_similarity,
    randomisation_flags,
    rank_similarity,
    ssim_similarity,
)
from eegvis.models import Deep4Net
from eegvis.viz.topomaps import eeg_info

SFREQ = 160.0
#: Deep4Net's layers from the output down: each convolution after its batch norm.
DEEP4_LAYERS = [
    "conv_classifier",
    "bnorm_4",
    "conv_4",
    "bnorm_3",
    "conv_3",
    "bnorm_2",
    "conv_2",
    "bnorm",
    "conv_spat",
    "conv_time",
]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def info():
    return eeg_info(CHANNELS)


def as_if_trained(model: nn.Module, seed: int = 1) -> nn.Module:
    """``model`` with every parameter and batch-norm statistic moved off its initial value."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, state in model.state_dict().items():
            if name.endswith("num_batches_tracked"):
                state.fill_(7)
            else:
                state.add_(0.1 * torch.rand(state.shape, generator=generator) + 0.05)
    return model


def deep4(seed: int = 0) -> Deep4Net:
    return as_if_trained(Deep4Net(len(CHANNELS), 2, 450, random_state=seed, **SMALL_DEEP4))


def layer_state(model: nn.Module, name: str) -> dict[str, torch.Tensor]:
    return model.get_submodule(name).state_dict()


def changed_layers(original: nn.Module, other: nn.Module) -> set[str]:
    """Layers (of DEEP4_LAYERS) whose parameters or buffers differ between the two networks."""
    return {
        name
        for name in DEEP4_LAYERS
        if any(
            not torch.equal(a, b)
            for a, b in zip(
                layer_state(original, name).values(), layer_state(other, name).values(), strict=True
            )
        )
    }


def states(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.clone() for name, value in model.state_dict().items()}


def assert_same_states(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    assert all(torch.equal(a[name], b[name]) for name in a)


# cascading_randomisation


def test_layers_are_randomised_from_the_output_down_one_more_at_a_time():
    model = deep4()
    steps = list(cascading_randomisation(model))
    assert [(n, name) for n, name, _ in steps] == list(enumerate(DEEP4_LAYERS, 1))
    for n, _, randomised in steps:
        assert changed_layers(model, randomised) == set(DEEP4_LAYERS[:n])


def test_the_model_is_unchanged_and_every_step_is_a_copy_of_its_own():
    model = deep4()
    before = states(model)
    steps = list(cascading_randomisation(model))
    assert_same_states(states(model), before)
    copies = [randomised for _, _, randomised in steps]
    assert len({id(randomised) for randomised in copies}) == len(copies)
    assert all(randomised is not model for randomised in copies)
    # the first copy kept its state while the cascade went on
    assert changed_layers(model, copies[0]) == {"conv_classifier"}


def test_the_same_seed_gives_identical_copies_and_leaves_the_callers_generator_alone():
    model = deep4()
    torch.manual_seed(5)
    before = torch.get_rng_state()
    first = [states(randomised) for *_, randomised in cascading_randomisation(model, seed=3)]
    assert torch.equal(torch.get_rng_state(), before)
    again = [states(randomised) for *_, randomised in cascading_randomisation(model, seed=3)]
    for a, b in zip(first, again, strict=True):
        assert_same_states(a, b)
    other = [states(randomised) for *_, randomised in cascading_randomisation(model, seed=4)]
    assert not torch.equal(other[-1]["conv_time.weight"], first[-1]["conv_time.weight"])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_network_on_the_gpu_gets_the_weights_it_gets_on_the_cpu():
    model = deep4()
    before = torch.cuda.get_rng_state()
    on_gpu = [states(randomised) for *_, randomised in cascading_randomisation(model.cuda())]
    assert torch.equal(torch.cuda.get_rng_state(), before)
    on_cpu = [states(randomised) for *_, randomised in cascading_randomisation(model.cpu())]
    for gpu, cpu in zip(on_gpu, on_cpu, strict=True):
        assert all(value.is_cuda for value in gpu.values())
        assert_same_states({name: value.cpu() for name, value in gpu.items()}, cpu)


def test_layers_get_the_networks_own_initialisation():
    model = deep4()
    *_, (_, _, randomised) = cascading_randomisation(model)
    fresh = Deep4Net(len(CHANNELS), 2, 450, random_state=0, **SMALL_DEEP4)
    for name in DEEP4_LAYERS:
        layer, new = randomised.get_submodule(name), fresh.get_submodule(name)
        if isinstance(layer, nn.BatchNorm1d):  # ones, zeros, reset running statistics
            assert_same_states(layer.state_dict(), new.state_dict())
            continue
        fan_in = layer.weight[0].numel()
        fan_out = layer.weight.shape[0] * layer.weight[0, 0].numel()
        xavier = math.sqrt(6 / (fan_in + fan_out))
        assert layer.weight.abs().max() <= xavier
        assert layer.weight.abs().max() > 1 / math.sqrt(fan_in)  # PyTorch's default's bound
        assert layer.bias is None or not layer.bias.any()


def test_other_layers_are_reset_with_their_reset_parameters():
    model = as_if_trained(nn.Sequential(nn.Linear(6, 4), nn.GELU(), nn.Linear(4, 2)))
    steps = list(cascading_randomisation(model, seed=2))
    assert [name for _, name, _ in steps] == ["2", "0"]
    last = steps[-1][2]
    for index in ("0", "2"):
        layer = last.get_submodule(index)
        bound = 1 / math.sqrt(layer.in_features)  # PyTorch's default for Linear
        assert layer.weight.abs().max() <= bound and layer.bias.abs().max() <= bound
        assert not torch.equal(layer.weight, model.get_submodule(index).weight)


def test_a_layer_that_cannot_be_initialised_is_named_before_anything_runs():
    class Scale(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.factor = nn.Parameter(torch.ones(3))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * self.factor

    model = nn.Sequential(nn.Linear(3, 3), Scale(), nn.Linear(3, 2))
    with pytest.raises(TypeError, match=r"layer '1' \(Scale\) holds parameters"):
        cascading_randomisation(model)


def test_any_network_braindecode_0_4_deep4net():
    network = BraindecodeDeep4Net(8, 2, 450, **SMALL_DEEP4).create_network()
    network = as_if_trained(network)
    names = [name for _, name, _ in cascading_randomisation(network)]
    layers = [
        name
        for name, module in network.named_modules()
        if isinstance(module, nn.Conv2d | nn.BatchNorm2d)
    ]
    assert names == layers[::-1]


# similarity of two maps


def test_rank_similarity_is_spearmans_rho_of_the_magnitudes():
    rng = np.random.default_rng(0)
    a = np.round(rng.standard_normal((8, 5, 2)), 1)  # ties
    b = a + rng.standard_normal(a.shape)
    expected = spearmanr(np.abs(a).ravel(), np.abs(b).ravel()).statistic
    assert rank_similarity(a, b) == pytest.approx(expected, abs=1e-12)
    assert rank_similarity(a, -a) == pytest.approx(1.0)
    assert math.isnan(rank_similarity(np.ones((3, 2)), b[:3, :2, 0]))


@pytest.mark.parametrize("metric", [rank_similarity, ssim_similarity])
def test_maps_of_different_shapes_or_not_finite_are_refused(metric, info):
    a = np.ones((len(CHANNELS), 3))
    extra = (info,) if metric is ssim_similarity else ()
    with pytest.raises(ValueError, match="same shape"):
        metric(a, a[:, :2], *extra)
    b = a.copy()
    b[0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        metric(a, b, *extra)


def test_ssim_of_equal_magnitudes_is_one_and_of_other_maps_less(info):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((len(CHANNELS), 4))
    assert ssim_similarity(a, a, info) == pytest.approx(1.0)
    assert ssim_similarity(a, -3 * a, info) == pytest.approx(1.0)
    # the extra axes are averaged after the absolute value
    means = np.repeat(np.abs(a).mean(axis=1, keepdims=True), a.shape[1], axis=1)
    assert ssim_similarity(a, means, info) == pytest.approx(1.0)
    assert ssim_similarity(a, rng.standard_normal(a.shape), info) < 0.9
    assert math.isnan(ssim_similarity(a, np.zeros_like(a), info))


def test_ssim_needs_the_channels_of_info_and_a_window_sized_image(info):
    a = np.ones(len(CHANNELS) - 1)
    with pytest.raises(ValueError, match="channels of info"):
        ssim_similarity(a, a, info)
    b = np.arange(len(CHANNELS), dtype=float)
    with pytest.raises(ValueError, match="resolution must be at least 7"):
        ssim_similarity(b, b, info, resolution=6)


def test_class_maps_are_compared_class_by_class_for_ssim(info):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((len(CHANNELS), 3, 2))
    b = rng.standard_normal(a.shape)
    per_class = [ssim_similarity(a[..., k], b[..., k], info) for k in range(2)]
    assert SIMILARITY_METRICS["ssim"](a, b, info) == pytest.approx(np.mean(per_class))
    assert SIMILARITY_METRICS["spearman"](a, b, info) == rank_similarity(a, b)


# the checks as tables


@pytest.fixture(scope="module")
def crops():
    return np.random.default_rng(3).standard_normal((8, len(CHANNELS), 450)).astype(np.float32)


@pytest.fixture(scope="module")
def amplitude_table(crops, info):
    """A map that does not depend on the weights: the crops' amplitude spectrum."""
    amplitude = np.abs(np.fft.rfft(crops, axis=-1)).mean(axis=0)[:, 1:40]
    return cascading_similarity(deep4(), lambda network: amplitude, info, method="amplitude")


@pytest.fixture(scope="module")
def gradient_table(crops, info):
    def explain(network: nn.Module) -> np.ndarray:
        return amplitude_gradients(network, crops, SFREQ)[0][:, 1:40]

    return cascading_similarity(deep4(), explain, info, method="gradient")


def test_cascading_table_has_a_row_per_metric_and_step(amplitude_table):
    table = amplitude_table
    assert list(table.columns) == ["method", *CASCADING_COLUMNS]
    assert len(table) == len(SIMILARITY_METRICS) * (len(DEEP4_LAYERS) + 1)
    for metric, rows in table.groupby("metric", sort=False):
        assert list(rows["layer"]) == ["none", *DEEP4_LAYERS]
        assert list(rows["layers_randomised"]) == list(range(len(DEEP4_LAYERS) + 1))
        assert rows["similarity"].iloc[0] == pytest.approx(1.0), metric
    assert list(dict.fromkeys(table["metric"])) == list(SIMILARITY_METRICS)


def test_a_map_independent_of_the_weights_stays_the_same_and_is_flagged(amplitude_table):
    np.testing.assert_allclose(amplitude_table["similarity"], 1.0)
    flags = randomisation_flags(amplitude_table)
    assert list(flags.columns) == ["method", *FLAG_COLUMNS]
    assert flags.to_dict("records") == [
        dict(
            method="amplitude",
            check="cascading randomisation",
            similarity=pytest.approx(1.0),
            threshold=0.5,
            passed=False,
        )
    ]


def test_a_gradient_map_decorrelates_when_all_layers_are_randomised(gradient_table):
    spearman = gradient_table[gradient_table["metric"] == "spearman"]
    assert spearman["similarity"].iloc[-1] < 0.2
    flags = randomisation_flags(gradient_table)
    steps = spearman[spearman["layers_randomised"] > 0]["similarity"]
    assert flags["similarity"].iloc[0] == pytest.approx(steps.mean())
    assert flags["passed"].tolist() == [steps.mean() < 0.5]


def test_label_randomisation_compares_both_metrics(info):
    rng = np.random.default_rng(4)
    trained = rng.standard_normal((len(CHANNELS), 6, 2))
    same = label_randomisation_similarity(trained, trained, info, method="input")
    assert list(same.columns) == ["method", "metric", "similarity"]
    assert same["metric"].tolist() == list(SIMILARITY_METRICS)
    np.testing.assert_allclose(same["similarity"], 1.0)
    other = label_randomisation_similarity(trained, rng.standard_normal(trained.shape), info)
    assert abs(other["similarity"].iloc[0]) < 0.2
    # a DataArray's dimensions are put in order: classes compared with classes
    dims = ("class", "channel", "frequency")
    labelled = xr.DataArray(trained, dims=("channel", "frequency", "class"))
    again = label_randomisation_similarity(trained, labelled.transpose(*dims), info)
    np.testing.assert_allclose(again["similarity"], 1.0)
    with pytest.raises(ValueError, match="subject means"):
        label_randomisation_similarity(labelled.expand_dims(subject=[1]), labelled, info)


def test_label_columns_must_not_replace_the_tables_own(info):
    a = np.ones((len(CHANNELS), 2))
    with pytest.raises(ValueError, match=r"label columns \['metric'\]"):
        label_randomisation_similarity(a, a, info, metric="x")


def test_flags_judge_each_method_and_check_by_the_threshold():
    cascading = pd.DataFrame(
        {
            "method": ["a"] * 4 + ["b"] * 4,
            "layers_randomised": [0, 1, 2, 2, 0, 1, 2, 2],
            "layer": ["none", "x", "y", "y"] * 2,
            "metric": ["spearman", "spearman", "spearman", "ssim"] * 2,
            "similarity": [1.0, 0.6, 0.4, 0.1, 1.0, 0.3, 0.1, 0.99],
        }
    )
    labels = pd.DataFrame(
        {
            "method": ["a", "a", "b", "b"],
            "metric": ["spearman", "ssim"] * 2,
            "similarity": [np.nan, 0.0, 0.1, 0.9],
        }
    )
    flags = randomisation_flags(cascading, labels)
    assert flags[["method", "check", "passed"]].values.tolist() == [
        ["a", "cascading randomisation", False],  # mean over the steps 0.5: at the threshold
        ["b", "cascading randomisation", True],  # 0.2 (SSIM is not judged)
        ["a", "label randomisation", False],  # NaN: not shown to change
        ["b", "label randomisation", True],
    ]
    assert flags["similarity"].iloc[:2].tolist() == pytest.approx([0.5, 0.2])
    strict = randomisation_flags(cascading, threshold=0.2)
    assert strict["passed"].tolist() == [False, False]
