"""The networks' building blocks on 3-D tensors equal braindecode 0.4's 4-D convolutions."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from test_dense import randn
from torch import nn

from eegvis.models.modules import (
    ChannelwiseTimeConv,
    Expression,
    SpatialConv,
    TimeConv,
    _squeeze_time,
    fused_first_block,
    safe_log,
    square,
)


def randomized(module: nn.Module, seed: int = 0) -> nn.Module:
    """The module in float64 with random weights and biases."""
    module = module.double()
    with torch.no_grad():
        for i, parameter in enumerate(module.parameters()):
            parameter.copy_(randn(*parameter.shape, seed=seed + i))
    return module


def test_time_conv_is_a_4d_convolution_without_the_trailing_axis():
    conv = randomized(TimeConv(3, 5, 4, stride=2))
    assert conv.weight.shape == (5, 3, 4, 1)
    x = randn(2, 3, 40)
    with torch.no_grad():
        expected = F.conv2d(x[..., None], conv.weight, conv.bias, (2, 1))[..., 0]
        torch.testing.assert_close(conv(x), expected)
        conv.stride, conv.dilation = (1, 1), (3, 1)  # as a dense model sets them
        expected = F.conv2d(x[..., None], conv.weight, conv.bias, 1, 0, (3, 1))[..., 0]
        torch.testing.assert_close(conv(x), expected)
    assert TimeConv(3, 5, 4, bias=False).bias is None


def test_channelwise_time_conv_is_braindecodes_conv_time():
    conv = randomized(ChannelwiseTimeConv(4, 5))
    assert conv.weight.shape == (4, 1, 5, 1)
    x = randn(2, 3, 30)
    with torch.no_grad():
        # braindecode: (batch, chans, time, 1) -> (batch, 1, time, chans), then a 2-D conv.
        expected = F.conv2d(x[..., None].permute(0, 3, 2, 1), conv.weight, conv.bias)
        out = conv(x)
        assert out.shape == (2, 4, 26, 3)
        torch.testing.assert_close(out, expected)
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, n_chans, time\)"):
        conv(x[..., None])


def test_spatial_conv_is_braindecodes_conv_spat():
    conv = randomized(SpatialConv(4, 6, 3, stride=2))
    assert conv.weight.shape == (6, 4, 1, 3)
    x = randn(2, 4, 21, 3)  # (batch, filters, time, chans) as conv_time gives it
    with torch.no_grad():
        expected = F.conv2d(x, conv.weight, conv.bias, (2, 1))[..., 0]
        torch.testing.assert_close(conv(x), expected)
    assert conv(x).shape == (2, 6, 11)


def test_fused_first_block_is_the_two_convolutions_in_one():
    conv_time, conv_spat = randomized(ChannelwiseTimeConv(4, 5)), randomized(SpatialConv(4, 6, 3))
    conv_time.dilation = (2, 1)
    x = randn(2, 3, 40)
    state = torch.get_rng_state()
    fused = fused_first_block(conv_time, conv_spat)
    assert torch.equal(torch.get_rng_state(), state)  # no initialisation drawn
    assert isinstance(fused, TimeConv) and fused.weight.dtype == torch.float64
    assert not any(p.requires_grad for p in fused.parameters())
    with torch.no_grad():
        torch.testing.assert_close(fused(x), conv_spat(conv_time(x)), rtol=1e-12, atol=1e-12)
    no_bias = randomized(SpatialConv(4, 6, 3, bias=False), seed=5)
    with torch.no_grad():
        torch.testing.assert_close(
            fused_first_block(conv_time, no_bias)(x), no_bias(conv_time(x)), rtol=1e-12, atol=1e-12
        )


def test_expression_square_safe_log_and_squeeze():
    x = torch.tensor([[-2.0, 0.0, 3.0]])
    module = Expression(square)
    assert torch.equal(module(x), torch.tensor([[4.0, 0.0, 9.0]]))
    assert "square" in repr(module)
    torch.testing.assert_close(
        safe_log(torch.tensor([0.0, 1e-9, 1.0, 4.0])),
        torch.log(torch.tensor([1e-6, 1e-6, 1.0, 4.0])),
    )
    assert safe_log(torch.tensor([0.0]), eps=1e-2) == torch.log(torch.tensor([1e-2]))
    assert _squeeze_time(torch.zeros(2, 3, 1)).shape == (2, 3)
    assert _squeeze_time(torch.zeros(2, 3, 4)).shape == (2, 3, 4)
