"""Tests of eegvis.models.inference: the inference copy computes what the eval network does."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from test_folding import (
    N_CHANS,
    N_TIMES,
    assert_equals_eval_network,
    batch_norms,
    network,
    with_statistics,
)
from torch import nn

from eegvis.models import Expression, TimeConv, fused_first_block
from eegvis.models.inference import (
    ChannelsLastConv1d,
    StridedMaxPool1d,
    attribution_copy,
    inference_copy,
)


def kinds(model: nn.Module) -> list[str]:
    return [type(m).__name__ for m in model.modules()]


def time_major(x: torch.Tensor) -> bool:
    """Whether a (batch, channels, time) tensor is stored with channels fastest."""
    return x.stride(1) == 1 and x.stride(2) == x.shape[1]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("dense", [False, True], ids=["strided", "dense"])
@pytest.mark.parametrize("name", ["deep4", "shallow"])
def test_inference_copy_equals_eval_network(name, dense, dtype):
    _, copy, input_unchanged = assert_equals_eval_network(name, dense, dtype, inference_copy)
    assert input_unchanged  # nothing runs in place on the input
    assert not batch_norms(copy) and "SpatialConv" not in kinds(copy)


def test_deep4_copy_runs_time_major_on_the_cpu():
    model = network("deep4", dense=True).eval()
    copy = inference_copy(model)
    found = kinds(copy)
    assert found.count("ChannelsLastConv1d") == 5  # fused first block, conv_2-4, classifier
    assert found.count("StridedMaxPool1d") == 4 and "MaxPool1d" not in found
    assert found.count("ELU") == 4 and all(m.inplace for m in copy.modules() if type(m) is nn.ELU)
    assert isinstance(copy.conv_spat, nn.Identity)  # layer names survive
    assert [n for n, _ in copy.named_children()] == [n for n, _ in model.named_children()]
    x = torch.randn(2, N_CHANS, N_TIMES)
    with torch.no_grad():
        assert time_major(copy[:5](x))  # up to the first pooling


def test_inference_copy_leaves_the_model_and_the_random_generator_alone():
    model = network("deep4", dense=False).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    state = torch.random.get_rng_state()
    copy = inference_copy(model)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert model.training and not copy.training
    assert "ChannelwiseTimeConv" in kinds(model) and len(batch_norms(model)) == 4
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_any_network_of_torch_layers():
    model = nn.Sequential(
        nn.ELU(),  # acts on the caller's input: stays out of place
        nn.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2),
        nn.BatchNorm1d(6),
        nn.ELU(alpha=0.5),
        nn.MaxPool1d(3, stride=2, dilation=2),
        nn.Conv1d(6, 6, 5, groups=3, bias=False),
        nn.ReLU(),
        nn.ELU(),  # after a ReLU: stays out of place
        nn.MaxPool1d(2, ceil_mode=True),  # no strided equivalent: kept
        nn.Conv1d(6, 2, 1, padding="same"),  # kept
    )
    model = with_statistics(model).eval()
    copy = inference_copy(model)
    found = kinds(copy)
    assert found.count("ChannelsLastConv1d") == 2 and found.count("Conv1d") == 1
    assert found.count("StridedMaxPool1d") == 1 and found.count("MaxPool1d") == 1
    assert [getattr(m, "inplace", None) for m in copy if isinstance(m, nn.ELU)] == [
        False,
        True,
        False,
    ]
    assert copy[3].alpha == 0.5
    x = torch.randn(3, 4, 101, generator=torch.Generator().manual_seed(4))
    before = x.clone()
    with torch.no_grad():
        torch.testing.assert_close(copy(x), model(x), rtol=1e-5, atol=1e-5)
    assert torch.equal(x, before)


def test_channels_last_convolution_matches_conv1d():
    generator = torch.Generator().manual_seed(5)
    conv = nn.Conv1d(6, 8, 4, stride=3, padding=2, dilation=2, groups=2)
    x = torch.randn(2, 6, 50, generator=generator)
    channels_last = ChannelsLastConv1d.from_module(conv)
    with torch.no_grad():
        out = channels_last(x)
        torch.testing.assert_close(out, conv(x), rtol=1e-5, atol=1e-6)
        assert time_major(out)
        x_time_major = x.transpose(1, 2).contiguous().transpose(1, 2)
        assert torch.equal(channels_last(x_time_major), out)
    assert not any(p.requires_grad for p in channels_last.parameters())
    assert "kernel_size=4, stride=3, padding=2, dilation=2, groups=2" in repr(channels_last)


def test_channels_last_time_convolution_and_fused_first_block():
    model = network("deep4", dense=True).eval()
    fused = fused_first_block(model.conv_time, model.conv_spat)
    assert isinstance(fused, TimeConv) and not fused.weight.requires_grad
    x = torch.randn(2, N_CHANS, 80, generator=torch.Generator().manual_seed(6))
    with torch.no_grad():
        two_steps = model.conv_spat(model.conv_time(x))
        torch.testing.assert_close(fused(x), two_steps, rtol=1e-5, atol=1e-5)
        time_conv = model.conv_2
        y = torch.randn(2, time_conv.in_channels, 120, generator=torch.Generator().manual_seed(7))
        torch.testing.assert_close(
            ChannelsLastConv1d.from_module(time_conv)(y), time_conv(y), rtol=1e-5, atol=1e-5
        )


@settings(max_examples=80, deadline=None)
@given(
    kernel=st.integers(1, 4),
    stride=st.integers(1, 3),
    dilation=st.integers(1, 3),
    n_times=st.integers(1, 30),
    time_major_input=st.booleans(),
    backward=st.booleans(),
)
def test_strided_max_pooling_equals_max_pool1d(
    kernel, stride, dilation, n_times, time_major_input, backward
):
    """The values of ``F.max_pool1d`` in the input's layout and, under autograd, its gradient.

    Inputs from {-1, 0, 1} make ties common, and each window's gradient must go to its
    first maximum; integer output gradients make the sums over overlapping windows
    exact, so the gradients must be equal bit for bit.
    """
    generator = torch.Generator().manual_seed(n_times + 31 * dilation)
    x = torch.randint(-1, 2, (2, 3, n_times), generator=generator).float()
    if time_major_input:
        x = x.transpose(1, 2).contiguous().transpose(1, 2)
    x.requires_grad_(backward)
    pool = StridedMaxPool1d(kernel, stride, dilation)
    if n_times < dilation * (kernel - 1) + 1:
        with pytest.raises(ValueError, match="shorter than the pooling window"):
            pool(x)
        return
    out, expected = pool(x), F.max_pool1d(x, kernel, stride, 0, dilation)
    assert torch.equal(out, expected)
    assert time_major(out) == time_major_input or out.shape[1] == 1 or out.shape[2] == 1
    if backward:
        upstream = torch.randint(-3, 4, expected.shape, generator=generator).float()
        (expected_gradient,) = torch.autograd.grad(expected, x, upstream)
        (gradient,) = torch.autograd.grad(out, x, upstream)
        assert torch.equal(gradient, expected_gradient)


@pytest.mark.parametrize("dense", [False, True], ids=["strided", "dense"])
@pytest.mark.parametrize("name", ["deep4", "shallow"])
def test_differentiable_copy_has_the_input_gradients_of_the_eval_network(name, dense):
    model = network(name, dense).double().eval()
    copy = inference_copy(model, differentiable=True)
    assert not any(p.requires_grad for p in copy.parameters())
    assert not any(getattr(m, "inplace", False) for m in copy.modules())
    if name == "deep4":
        assert kinds(copy).count("StridedMaxPool1d") == 4
    x = 10 * torch.randn(3, N_CHANS, N_TIMES, generator=torch.Generator().manual_seed(8))
    x = x.double().requires_grad_(True)
    upstream = torch.randn(model(x).shape, generator=torch.Generator().manual_seed(9)).double()
    (expected,) = torch.autograd.grad(model(x), x, upstream)
    (actual,) = torch.autograd.grad(copy(x), x, upstream)
    torch.testing.assert_close(actual, expected, rtol=1e-9, atol=1e-9 * expected.abs().max())
    assert all(p.grad is None for p in model.parameters())


def test_elu_after_a_convolution_only_overwrites_that_output():
    conv = nn.Conv1d(2, 2, 1)
    model = nn.Sequential(conv, nn.Identity(), Expression(F.elu))
    copy = inference_copy(model)
    assert isinstance(copy[2], nn.ELU) and copy[2].inplace
    x = -torch.rand(1, 2, 5)
    with torch.no_grad():
        torch.testing.assert_close(copy(x), F.elu(conv(x)))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_inference_copy_on_cuda_only_folds_and_fuses():
    model = network("deep4", dense=True).eval().cuda()
    copy = inference_copy(model)
    found = kinds(copy)
    assert "ChannelsLastConv1d" not in found and "StridedMaxPool1d" not in found
    assert not batch_norms(copy) and found.count("TimeConv") == 5
    x = torch.randn(3, N_CHANS, N_TIMES, device="cuda")
    with torch.no_grad():
        torch.testing.assert_close(copy(x), model(x), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("rule_layers", [False, True], ids=["cpu-layout", "rule-layers"])
@pytest.mark.parametrize("dense", [False, True], ids=["strided", "dense"])
def test_attribution_copy_computes_the_eval_network_with_layers_the_methods_know(
    dense, rule_layers
):
    def copy_for_attribution(model):
        return attribution_copy(model, rule_layers=rule_layers)

    model, copy, _ = assert_equals_eval_network("deep4", dense, torch.float64, copy_for_attribution)
    found = kinds(copy)
    assert found.count("ELU") == 4 and "Expression" in found  # only the squeeze stays
    assert not any(isinstance(m, Expression) and m.fn is F.elu for m in copy.modules())
    assert found.count("StridedMaxPool1d") == 4 and "MaxPool1d" not in found
    assert not batch_norms(copy)
    if rule_layers:  # convolutions Zennit's rules know by type
        assert "ChannelsLastConv1d" not in found
        assert sum(isinstance(m, nn.Conv2d) for m in copy.modules()) == 5
    stripped = attribution_copy(model, strip_log_softmax=True, rule_layers=rule_layers)
    assert "LogSoftmax" not in kinds(stripped) and "LogSoftmax" in kinds(model)
    with pytest.raises(ValueError, match="no nn.LogSoftmax"):
        attribution_copy(stripped, strip_log_softmax=True)
