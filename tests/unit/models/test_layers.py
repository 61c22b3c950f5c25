"""Receptive fields found by probing, against analytic values; layer outputs by hooks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import SMALL_DEEP4
from torch import nn

from eegvis.models import BLOCK_OUTPUTS, Deep4Net, ShallowFBCSPNet
from eegvis.models.dense import analytic_fields, output_lengths, to_dense_prediction_model
from eegvis.models.layers import (
    LayerGeometry,
    capture_outputs,
    default_layers,
    n_predictions,
    receptive_fields,
)

N_CHANS, N_TIMES = 4, 450
ALL_BLOCKS = ["conv_time", "conv_spat", *BLOCK_OUTPUTS]
# The tutorial's geometry with few filters: the same receptive fields, fast to probe.


@pytest.fixture(scope="module")
def strided() -> Deep4Net:
    return Deep4Net(N_CHANS, 2, N_TIMES, **SMALL_DEEP4, random_state=0).eval()


def analytic_strides(model: nn.Module) -> dict[str, int]:
    """Product of the time strides of the modules up to each layer."""
    jump, strides = 1, {}
    for name, module in model.named_children():
        stride = getattr(module, "stride", 1)
        jump *= stride if isinstance(stride, int) else stride[0]
        strides[name] = jump
    return strides


def test_probing_finds_the_analytic_geometry_of_the_strided_deep4net(strided):
    probed = receptive_fields(strided, N_CHANS, N_TIMES, ALL_BLOCKS, method="probe")
    fields, lengths = analytic_fields(strided), output_lengths(strided, N_TIMES)
    strides = analytic_strides(strided)
    for layer, shape in probed.items():
        assert shape.field == fields[layer], layer
        assert shape.stride == strides[layer], layer
        assert shape.n_outputs == lengths[layer] and shape.offset == 0, layer
        assert shape.valid == slice(0, lengths[layer])  # no padding: every output is valid
    assert probed["pool_nonlin_4"].stride == 16 and probed["conv_time"].time_axis == 2


def test_probing_finds_the_analytic_geometry_of_the_dense_deep4net(strided):
    dense = to_dense_prediction_model(Deep4Net(N_CHANS, 2, N_TIMES, **SMALL_DEEP4)).eval()
    probed = receptive_fields(dense, N_CHANS, N_TIMES, method="probe")  # BLOCK_OUTPUTS
    assert list(probed) == list(BLOCK_OUTPUTS)
    fields = analytic_fields(dense)
    for layer, shape in probed.items():
        assert (shape.field, shape.stride, shape.offset) == (fields[layer], 1, 0)
        assert shape.n_outputs == N_TIMES - fields[layer] + 1
    assert n_predictions(dense, N_CHANS, N_TIMES) == N_TIMES - fields["conv_classifier"] + 1
    assert n_predictions(strided, N_CHANS, N_TIMES) == output_lengths(strided, N_TIMES)["squeeze"]


def test_padding_leaves_edge_outputs_out():
    net = nn.Sequential(
        nn.Conv1d(2, 3, 5, padding=2), nn.ELU(), nn.Conv1d(3, 4, 3, stride=2, padding=1)
    ).double()
    probed = receptive_fields(net, 2, 40, ["0", "2"])
    first, second = probed["0"], probed["2"]
    # output i of the first conv sees inputs i-2 .. i+2; only outputs 2..37 see all five
    assert first == LayerGeometry(5, 1, -2, 40, slice(2, 38), 2)
    # output i of the second sees first-layer outputs 2i-1 .. 2i+1, i.e. inputs 2i-3 .. 2i+3
    assert (second.field, second.stride, second.offset, second.n_outputs) == (7, 2, -3, 20)
    assert second.valid == slice(2, 19)  # 2i-3 >= 0 and 2i+3 <= 39
    np.testing.assert_array_equal(second.starts(), 2 * np.arange(2, 19) - 3)


class TwoDimensionalNet(nn.Module):
    """EEGNet-like: (batch, chans, time) -> 2-D convs over (chans, time) -> flatten -> linear."""

    def __init__(self) -> None:
        super().__init__()
        self.temporal = nn.Conv2d(1, 3, (1, 7))
        self.spatial = nn.Conv2d(3, 5, (N_CHANS, 1))
        self.pool = nn.AvgPool2d((1, 4))
        self.classifier = nn.Linear(5 * ((60 - 6) // 4), 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.pool(self.spatial(self.temporal(x.unsqueeze(1))))
        return self.classifier(h.flatten(1))


def test_time_axis_and_outputs_without_time_axis_are_found():
    torch.manual_seed(0)
    net = TwoDimensionalNet()
    probed = receptive_fields(net, N_CHANS, 60)
    assert list(probed) == ["temporal", "spatial", "classifier"]  # every conv and linear layer
    assert probed["temporal"] == LayerGeometry(7, 1, 0, 54, slice(0, 54), 3)
    assert probed["spatial"].time_axis == 3 and probed["spatial"].field == 7
    # the linear layer has no time axis: its one output sees what the 13 pooling windows
    # (4 of the 54 temporal outputs each, 7 samples per output) cover: inputs 0-57
    assert probed["classifier"] == LayerGeometry(6 + 13 * 4, 1, 0, 1, slice(0, 1), None)
    outputs = capture_outputs(net, torch.randn(2, N_CHANS, 60), probed)
    assert outputs["temporal"].shape == (2, 3 * N_CHANS, 54)  # units: filters x channels
    assert outputs["classifier"].shape == (2, 2, 1)


def test_captured_outputs_are_the_layer_outputs(strided):
    x = torch.randn(3, N_CHANS, N_TIMES)
    probed = receptive_fields(strided, N_CHANS, N_TIMES, ["conv_time", "pool_nonlin_2"])
    captured = capture_outputs(strided, x, probed)
    with torch.no_grad():
        h = x
        for name, module in strided.named_children():
            h = module(h)
            if name == "conv_time":
                conv_time = h  # (batch, filters, time, chans)
            if name == "pool_nonlin_2":
                break
    torch.testing.assert_close(captured["pool_nonlin_2"], h)
    expected = conv_time.movedim(2, -1).reshape(3, -1, conv_time.shape[2])
    torch.testing.assert_close(captured["conv_time"], expected)
    assert strided.fuse_first_block  # switched off only while conv_time was captured
    assert not any(m._forward_hooks for m in strided.modules())


def test_default_layers_of_a_network_that_fuses_its_own_convolutions():
    class Fused(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = nn.Conv1d(2, 2, 3)
            self.outer = nn.Conv1d(2, 2, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:  # the two convs as one
            weight = torch.einsum(
                "oik,ij->ojk", self.outer.weight[..., :1], self.inner.weight[..., 0]
            )
            return nn.functional.conv1d(x, weight)

    net = nn.Sequential()
    net.add_module("block", Fused())
    net.add_module("head", nn.Conv1d(2, 1, 2))
    assert default_layers(net, 2, 20) == ["block", "head"]  # not block.inner / block.outer
    with pytest.raises(ValueError, match=r"\['block.inner'\] did not run"):
        receptive_fields(net, 2, 20, ["block.inner"])
    with pytest.raises(KeyError, match="no such layers"):
        receptive_fields(net, 2, 20, ["nope"])


@pytest.mark.parametrize("dense", [False, True])
@pytest.mark.parametrize("network", ["deep4", "shallow"])
def test_eegvis_networks_give_their_probed_geometry_analytically(network, dense):
    if network == "deep4":
        model = Deep4Net(N_CHANS, 2, N_TIMES, **SMALL_DEEP4, random_state=0)
    else:
        model = ShallowFBCSPNet(
            N_CHANS,
            2,
            N_TIMES,
            final_conv_length=12,
            n_filters_time=4,
            n_filters_spat=4,
            random_state=0,
        )
    if dense:
        to_dense_prediction_model(model)
    layers = [*model.analysed_layers, "conv_time", ""]
    probed = receptive_fields(model.eval(), N_CHANS, N_TIMES, layers, method="probe")
    assert receptive_fields(model, N_CHANS, N_TIMES, layers) == probed  # method="auto"
