"""What Deep4Net and ShallowFBCSPNet share (eegvis.models.base): analytic layer geometry,
the fused first block, slicing, seeding and braindecode's initialisation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import SMALL_DEEP4
from torch import nn

from eegvis.models import BLOCK_OUTPUTS, Deep4Net, ShallowFBCSPNet
from eegvis.models.base import SplitFirstLayerNet, _initialise, _seeded, layer_initialisation
from eegvis.models.dense import to_dense_prediction_model
from eegvis.models.layers import receptive_fields

N_CHANS, N_TIMES = 3, 450
SHALLOW = dict(n_filters_time=4, n_filters_spat=4, final_conv_length=2)


def networks():
    return {
        "deep4": Deep4Net(N_CHANS, 2, N_TIMES, **SMALL_DEEP4, random_state=0),
        "deep4-unsplit": Deep4Net(
            N_CHANS, 2, N_TIMES, **SMALL_DEEP4, split_first_layer=False, random_state=0
        ),
        "shallow": ShallowFBCSPNet(N_CHANS, 2, N_TIMES, **SHALLOW, random_state=0),
    }


LAYERS = {
    "deep4": ["conv_time", "conv_spat", *BLOCK_OUTPUTS, ""],
    "deep4-unsplit": ["conv_time", *BLOCK_OUTPUTS, ""],
    "shallow": ["conv_time", "conv_spat", "pool", "pool_nonlin", "conv_classifier", ""],
}


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("dense", [False, True])
def test_analytic_layer_geometry_equals_the_probed_one(name, dense):
    model = networks()[name].eval()
    if dense:
        to_dense_prediction_model(model)
    layers = LAYERS[name]
    analytic = model.layer_geometry(N_TIMES, layers)
    probed = receptive_fields(model, N_CHANS, N_TIMES, layers, method="probe")
    assert list(analytic) == layers
    assert analytic == probed
    assert receptive_fields(model, N_CHANS, N_TIMES, layers) == analytic  # "auto" uses it


def test_the_output_of_one_prediction_has_no_time_axis():
    model = networks()["deep4"]
    several = model.layer_geometry(N_TIMES, [""])[""]
    assert several.n_outputs == 20 and several.time_axis == 2
    (output,) = model.layer_geometry(several.field, [""]).values()  # one window: one output
    assert output.n_outputs == 1 and output.time_axis is None
    with torch.no_grad():
        assert model.eval()(torch.zeros(1, N_CHANS, several.field)).shape == (1, 2)
        assert model(torch.zeros(1, N_CHANS, N_TIMES)).shape == (1, 2, 20)
    dense = to_dense_prediction_model(model).layer_geometry(several.field + 5, [""])[""]
    assert dense.n_outputs == 6 and dense.time_axis == 2
    with pytest.raises(KeyError, match="no such layer: 'conv_9'"):
        model.layer_geometry(N_TIMES, ["conv_9"])


@pytest.mark.parametrize("name", ["deep4", "shallow"])
def test_fused_first_block_equals_the_children_in_turn(name):
    model = to_dense_prediction_model(networks()[name]).eval()
    assert model.fused_layers == ("conv_time", "conv_spat")
    assert networks()["deep4-unsplit"].fused_layers == ()
    x = torch.randn(2, N_CHANS, N_TIMES + 30, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        fused = model(x)
        model.fuse_first_block = False
        children = x
        for child in model.children():
            children = child(children)
        assert torch.equal(model(x), children)
    torch.testing.assert_close(fused, children, rtol=1e-5, atol=1e-6)
    assert not torch.equal(fused, children)  # really another computation


def test_slices_are_plain_sequentials_of_the_same_modules():
    model = networks()["deep4"]
    head = model[:3]
    assert type(head) is nn.Sequential
    assert list(head.named_children()) == list(model.named_children())[:3]
    assert model[0] is model.conv_time and model[-1] is model.squeeze
    assert isinstance(model, SplitFirstLayerNet)


def test_seeding_is_local_and_repeatable():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    with _seeded(7):
        first = torch.rand(5)
    assert torch.equal(torch.get_rng_state(), before)  # restored
    with _seeded(7):
        assert torch.equal(torch.rand(5), first)
    torch.manual_seed(7)
    assert torch.equal(torch.rand(5), first)  # the seed of the global generator
    torch.manual_seed(3)
    with _seeded(None):  # no seed: the global generator, advanced
        drawn = torch.rand(5)
    torch.manual_seed(3)
    assert torch.equal(torch.rand(5), drawn)


def test_initialisation_is_xavier_uniform_in_layer_order_with_zero_biases():
    def convs():
        return nn.Sequential(nn.Conv2d(2, 3, (4, 1)), nn.ELU(), nn.Conv2d(3, 5, (1, 2)))

    model = convs()
    torch.manual_seed(11)
    _initialise(model)
    reference = convs()
    torch.manual_seed(11)
    for conv in (reference[0], reference[2]):
        nn.init.xavier_uniform_(conv.weight)
    for ours, theirs in ((model[0], reference[0]), (model[2], reference[2])):
        assert torch.equal(ours.weight, theirs.weight)
        assert not ours.bias.any()
    fan_in, fan_out = 3 * 2, 5 * 2
    bound = np.sqrt(6 / (fan_in + fan_out))
    assert model[2].weight.abs().max() <= bound


def test_layer_initialisation_of_batch_norm_is_ones_zeros_and_fresh_statistics():
    norm = nn.BatchNorm1d(3)
    with torch.no_grad():
        for state in norm.state_dict().values():
            state.add_(2)
    initialise = layer_initialisation(norm)
    initialise(norm)
    for name, value in norm.state_dict().items():
        assert torch.equal(value, nn.BatchNorm1d(3).state_dict()[name]), name
    assert layer_initialisation(nn.Linear(2, 2)) is None
    assert layer_initialisation(nn.Conv1d(2, 2, 3)) is None  # eegvis's convolutions are 2-D
