"""Deep4Net against braindecode 0.4.85 and the fact sheet; its dense version and receptive
fields (hand-built networks: test_dense.py)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from braindecode.models.deep4 import Deep4Net as BraindecodeDeep4Net
from braindecode.models.util import to_dense_prediction_model as braindecode_dense
from braindecode.torch_ext.util import set_random_seeds
from torch import nn

from eegvis.models import BLOCK_OUTPUTS, SEED_000_OPTIONS, Deep4Net
from eegvis.models.dense import (
    analytic_field,
    analytic_fields,
    output_lengths,
    to_dense_prediction_model,
)
from eegvis.models.layers import LayerGeometry, capture_outputs, n_predictions

SEED_000 = SEED_000_OPTIONS
# (n_chans, n_classes, n_times, options)
CONFIGS = {
    "paper": (22, 4, 1000, {}),
    "seed000": (64, 2, 450, SEED_000),
    "unsplit-mean": (
        5,
        3,
        500,
        dict(split_first_layer=False, first_pool_mode="mean", later_pool_mode="mean"),
    ),
    "no-batch-norm": (5, 3, 500, dict(batch_norm=False, later_pool_mode="mean")),
    "unsplit-no-batch-norm": (5, 2, 520, dict(split_first_layer=False, batch_norm=False)),
}


def braindecode_network(seed, n_chans, n_classes, n_times, final_conv_length="auto", **options):
    set_random_seeds(seed, cuda=False)
    network = BraindecodeDeep4Net(n_chans, n_classes, n_times, final_conv_length, **options)
    return network.create_network()


def randomize_batch_norm_stats(network, seed=0):
    generator = torch.Generator().manual_seed(seed)
    for module in network.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.running_mean.normal_(0, 0.5, generator=generator)
            module.running_var.uniform_(0.5, 2.0, generator=generator)
            module.weight.data.uniform_(0.5, 1.5, generator=generator)
            module.bias.data.normal_(0, 0.2, generator=generator)


def randn(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def children_outputs(model, x):
    """Every child's output, running the children one after another (eval, no gradients)."""
    outputs = {}
    with torch.no_grad():
        for name, module in model.eval().named_children():
            x = outputs[name] = module(x)
    return outputs


def dense_geometry(model, n_times, layers):
    """Geometry of dense layers (stride 1, no padding) from their receptive fields."""
    fields = analytic_fields(model)
    return {
        layer: LayerGeometry(
            fields[layer],
            1,
            0,
            n_times - fields[layer] + 1,
            slice(0, n_times - fields[layer] + 1),
            2,
        )
        for layer in layers
    }


def assert_state_dicts_equal(a, b):
    assert list(a) == list(b)
    for key in a:
        assert a[key].shape == b[key].shape, key
        assert torch.equal(a[key], b[key]), key


def test_parameter_counts():
    paper = Deep4Net(22, 4, 1000)
    seed = Deep4Net(64, 2, 450, **SEED_000)
    assert sum(p.numel() for p in paper.parameters()) == 282_879
    assert sum(p.numel() for p in seed.parameters()) == 178_927


def test_layer_output_shapes_match_fact_sheet():
    model = Deep4Net(22, 4, 1000)
    names = [name for name, _ in model.named_children()]
    outputs = children_outputs(model, randn(2, 22, 1000))
    assert list(outputs) == names
    expected = {
        "conv_time": (25, 991, 22),
        "conv_spat": (25, 991),  # braindecode 0.4: 25 x 991 x 1
        "pool": (25, 330),
        "conv_2": (50, 321),
        "pool_2": (50, 107),
        "conv_3": (100, 98),
        "pool_3": (100, 32),
        "conv_4": (200, 23),
        "pool_4": (200, 7),
        "conv_classifier": (4, 1),
        "squeeze": (4,),
    }
    for name, shape in expected.items():
        assert tuple(outputs[name].shape) == (2, *shape), name
    # The geometry helpers agree with the actual time axis of every layer.
    lengths = output_lengths(model, 1000)
    assert list(lengths) == names
    for name in names[:-1]:
        assert outputs[name].shape[2] == lengths[name], name


def test_children_match_braindecode():
    ours = [name for name, _ in Deep4Net(22, 4, 1000).named_children()]
    theirs = [name for name, _ in braindecode_network(0, 22, 4, 1000).named_children()]
    assert theirs[0] == "dimshuffle"  # done inside conv_time here
    assert ours == theirs[1:]
    assert ours[-3:] == ["conv_classifier", "softmax", "squeeze"]
    assert set(BLOCK_OUTPUTS) <= set(ours)


def assert_seeded_like_braindecode(network_class, braindecode_network, config):
    """Assert that our ``network_class`` with ``random_state=123`` has, bit for bit, the
    initial weights of braindecode's network seeded with 123; return braindecode's."""
    n_chans, n_classes, n_times, options = config
    theirs = braindecode_network(123, n_chans, n_classes, n_times, **options)
    seeded = network_class(n_chans, n_classes, n_times, random_state=123, **options)
    assert_state_dicts_equal(seeded.state_dict(), theirs.state_dict())
    return theirs


@pytest.mark.parametrize("config", CONFIGS)
def test_initialisation_equals_braindecode_bit_for_bit(config):
    n_chans, n_classes, n_times, options = CONFIGS[config]
    theirs = assert_seeded_like_braindecode(Deep4Net, braindecode_network, CONFIGS[config])
    torch.manual_seed(123)  # random_state=None: global generator, braindecode's draw order
    global_rng = Deep4Net(n_chans, n_classes, n_times, **options)
    assert_state_dicts_equal(global_rng.state_dict(), theirs.state_dict())


def test_initialisation_scheme():
    model = Deep4Net(22, 4, 1000, random_state=0)
    for name, module in model.named_children():
        if isinstance(module, nn.Conv2d):
            fan_in = module.weight[0].numel()
            fan_out = module.weight.shape[0] * module.weight[0, 0].numel()
            bound = np.sqrt(6 / (fan_in + fan_out))
            assert module.weight.abs().max() <= bound, name
            assert module.weight.abs().max() > 0.9 * bound, name  # uniform over the full range
            if module.bias is not None:
                assert not module.bias.any(), name
        if isinstance(module, nn.BatchNorm1d):
            assert (module.weight == 1).all() and not module.bias.any(), name
            assert module.momentum == 0.1 and module.eps == 1e-5


def test_random_state_is_deterministic_and_local():
    state = torch.get_rng_state()
    a = Deep4Net(22, 4, 1000, random_state=5).state_dict()
    assert torch.equal(torch.get_rng_state(), state)  # global generator untouched
    b = Deep4Net(22, 4, 1000, random_state=5).state_dict()
    c = Deep4Net(22, 4, 1000, random_state=6).state_dict()
    assert_state_dicts_equal(a, b)
    assert not torch.equal(a["conv_2.weight"], c["conv_2.weight"])


def outputs_with_braindecode_weights(network_class, braindecode_network, config):
    """Our ``network_class`` with the weights of braindecode's (batch norm statistics made
    random), both in eval mode; their outputs (ours, braindecode's) on three random trials
    and, both made dense, on two trials 40 samples longer.

    Returns
    -------
    ours, strided, dense : nn.Module, (Tensor, Tensor), (Tensor, Tensor)
    """
    n_chans, n_classes, n_times, options = config
    theirs = braindecode_network(1, n_chans, n_classes, n_times, **options)
    randomize_batch_norm_stats(theirs)
    ours = network_class(n_chans, n_classes, n_times, random_state=2, **options)
    ours.load_state_dict(theirs.state_dict())
    ours.eval(), theirs.eval()
    x = randn(3, n_chans, n_times)
    with torch.no_grad():
        strided = ours(x), theirs(x[..., None])
        braindecode_dense(theirs)
        to_dense_prediction_model(ours)
        x = randn(2, n_chans, n_times + 40, seed=1)
        dense = ours(x), theirs(x[..., None])
    return ours, strided, dense


@pytest.mark.parametrize("config", CONFIGS)
def test_braindecode_state_dict_gives_same_outputs(config):
    n_chans, n_classes, n_times, _ = CONFIGS[config]
    ours, (actual, expected), dense = outputs_with_braindecode_weights(
        Deep4Net, braindecode_network, CONFIGS[config]
    )
    assert actual.shape == expected.shape
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5)
    # Dense versions: (batch, classes, n_preds) on a longer input.
    actual, expected = dense
    n_preds = n_predictions(ours, n_chans, n_times + 40)
    assert n_preds == list(output_lengths(ours, n_times + 40).values())[-1]
    assert actual.shape == expected.shape == (2, n_classes, n_preds)
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("config", "dtype"),
    [
        ("paper", torch.float64),
        ("seed000", torch.float64),
        ("unsplit-no-batch-norm", torch.float64),
        ("unsplit-mean", torch.float32),
    ],
)
def test_training_step_gradients_equal_braindecode(config, dtype):
    """Same gradients and batch norm updates for one dense training step.

    With max pooling in float64: in float32, rounding can flip the argmax of near-tied
    max-pool inputs and reroute a gradient. braindecode's dilated average pooling is very
    slow in float64, so the average-pooling net is compared in float32.
    """
    n_chans, n_classes, n_times, options = CONFIGS[config]
    options = dict(options, drop_prob=0.0)
    theirs = braindecode_network(3, n_chans, n_classes, n_times, **options).to(dtype)
    ours = Deep4Net(n_chans, n_classes, n_times, random_state=3, **options).to(dtype)
    braindecode_dense(theirs)
    to_dense_prediction_model(ours)
    x = randn(3, n_chans, analytic_field(ours) + 15).to(dtype)
    y = torch.tensor([0, 1, 1])
    for network, inputs in ((theirs.train(), x[..., None]), (ours.train(), x)):
        F.nll_loss(network(inputs).mean(dim=2), y).backward()
    grads = {name: p.grad for name, p in theirs.named_parameters()}
    tolerance = 1e-9 if dtype == torch.float64 else 1e-4
    scale = max(g.abs().max() for g in grads.values())  # conv_time.bias has zero gradient
    for name, p in ours.named_parameters():
        torch.testing.assert_close(p.grad, grads[name], rtol=tolerance, atol=tolerance * scale)
    torch.testing.assert_close(ours.state_dict(), theirs.state_dict(), rtol=tolerance, atol=1e-9)


def test_receptive_fields_match_fact_sheet():
    model = to_dense_prediction_model(Deep4Net(22, 4, 1000, final_conv_length=2))
    fields = analytic_fields(model)
    expected = {
        "conv_time": 10,
        "pool": 12,
        "conv_2": 39,
        "pool_2": 45,
        "conv_3": 126,
        "pool_3": 144,
        "conv_4": 387,
        "pool_4": 441,
        "conv_classifier": 522,
    }
    assert {name: fields[name] for name in expected} == expected
    assert analytic_field(model) == 522
    assert n_predictions(model, 22, 1000) == 479 == 1000 - 522 + 1
    with torch.no_grad():
        assert model.eval()(randn(1, 22, 1000)).shape == (1, 4, 479)

    seed = to_dense_prediction_model(Deep4Net(64, 2, 450, **SEED_000))
    assert [analytic_field(seed, name) for name in BLOCK_OUTPUTS] == [14, 40, 72, 136, 136]
    assert n_predictions(seed, 64, 450) == 315
    # The strided network has the same receptive fields.
    assert analytic_fields(Deep4Net(64, 2, 450, **SEED_000)) == analytic_fields(seed)


def test_receptive_fields_by_perturbation():
    """Output 0 of each block depends on input sample rf - 1 and on nothing after it."""
    model = to_dense_prediction_model(Deep4Net(64, 2, 450, random_state=0, **SEED_000))
    x = randn(1, 64, 200)
    geometry = dense_geometry(model, 200, BLOCK_OUTPUTS)
    reference = capture_outputs(model, x, geometry)
    for name in BLOCK_OUTPUTS:
        rf = analytic_field(model, name)
        last = x.clone()
        last[..., rf - 1] += 50 * randn(64, seed=rf)
        after = x.clone()
        after[..., rf:] = 50 * randn(64, 200 - rf, seed=rf)
        one = {name: geometry[name]}
        assert not torch.equal(
            capture_outputs(model, last, one)[name][..., 0], reference[name][..., 0]
        )
        assert torch.equal(
            capture_outputs(model, after, one)[name][..., 0], reference[name][..., 0]
        )


def sliding_window_outputs(network, x, window):
    """Apply ``network`` to every window of ``window`` samples at stride 1."""
    windows = x.unfold(-1, window, 1)  # (batch, ..., n_windows, window)
    windows = windows.movedim(-2, 1).reshape(-1, *x.shape[1:-1], window)
    with torch.no_grad():
        out = network.eval()(windows)
    return out.reshape(x.shape[0], -1, out.shape[1]).transpose(1, 2)


@pytest.mark.parametrize("config", ["paper", "seed000", "unsplit-mean"])
def test_dense_predictions_equal_network_on_shifted_windows(config):
    n_chans, n_classes, n_times, options = CONFIGS[config]
    options = dict(options, final_conv_length=2)
    rf = analytic_field(Deep4Net(n_chans, n_classes, n_times, **options))
    # The strided network on exactly rf samples makes one prediction.
    strided = Deep4Net(n_chans, n_classes, rf, random_state=0, **options)
    randomize_batch_norm_stats(strided)
    assert n_predictions(strided, n_chans, rf) == 1
    with pytest.raises(ValueError, match="input too short"):
        output_lengths(strided, rf - 1)
    with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input size"):
        n_predictions(strided, n_chans, rf - 1)
    dense = to_dense_prediction_model(copy.deepcopy(strided))
    x = randn(2, n_chans, rf + 11)
    with torch.no_grad():
        out = dense.eval()(x)
    assert out.shape == (2, n_classes, 12)
    torch.testing.assert_close(out, sliding_window_outputs(strided, x, rf), rtol=1e-5, atol=1e-5)


def test_output_convention():
    model = Deep4Net(22, 4, 1000, random_state=0).eval()
    x = randn(3, 22, 1000)
    with torch.no_grad():
        trialwise = model(x)
        assert trialwise.shape == (3, 4)
        torch.testing.assert_close(trialwise.exp().sum(dim=1), torch.ones(3))
        dense = to_dense_prediction_model(model)(randn(3, 22, 1100))
    assert dense.shape == (3, 4, 1100 - 927 + 1)
    torch.testing.assert_close(dense.exp().sum(dim=1), torch.ones(3, 174))


def test_capture_outputs():
    """The analysed layers' valid outputs as (batch, units, time), from one eval-mode pass."""
    model = to_dense_prediction_model(Deep4Net(64, 2, 450, random_state=0, **SEED_000)).train()
    x = randn(2, 64, 450)
    geometry = dense_geometry(model, 450, BLOCK_OUTPUTS)
    outputs = capture_outputs(model, x, geometry)
    assert list(outputs) == list(BLOCK_OUTPUTS)
    assert [tuple(o.shape) for o in outputs.values()] == [
        (2, 25, 437),
        (2, 50, 411),
        (2, 100, 379),
        (2, 200, 315),
        (2, 2, 315),
    ]
    assert model.training and all(m.training for m in model.modules())  # restored
    assert not any(m._forward_hooks for m in model.modules())  # hooks removed
    assert model.fuse_first_block
    order = ["conv_classifier", "pool_nonlin"]
    again = capture_outputs(model, x, {name: geometry[name] for name in order})  # no dropout
    assert list(again) == order
    assert torch.equal(again["pool_nonlin"], outputs["pool_nonlin"])
    by_children = children_outputs(model, x)
    torch.testing.assert_close(outputs["pool_nonlin_2"], by_children["pool_nonlin_2"])
    with torch.no_grad():
        predictions = model.eval()(x)
    torch.testing.assert_close(F.log_softmax(outputs["conv_classifier"], dim=1), predictions)
    # A fused layer is captured from a layer-by-layer pass; conv_time's filters and
    # channels are its units.
    model.train()
    field = analytic_field(model, "conv_time")
    fused = {"conv_time": LayerGeometry(field, 1, 0, 441, slice(0, 441), 2)}
    conv_time = capture_outputs(model, x, fused)["conv_time"]
    assert conv_time.shape == (2, 25 * 64, 441) and model.fuse_first_block
    torch.testing.assert_close(conv_time, by_children["conv_time"].movedim(2, 3).flatten(1, 2))
    with pytest.raises(KeyError, match="conv_9"):
        capture_outputs(model, x, {"conv_9": geometry["pool_nonlin"]})


def test_invalid_arguments():
    with pytest.raises(ValueError, match="later_pool_mode"):
        Deep4Net(22, 4, 1000, later_pool_mode="median")
    with pytest.raises(ValueError, match="double_time_convs"):
        Deep4Net(22, 4, 1000, double_time_convs=True)
    with pytest.raises(ValueError, match="input too short"):
        Deep4Net(22, 4, 300)
    with pytest.raises(ValueError, match="shape"):
        Deep4Net(22, 4, 1000)(randn(1, 22, 1000, 1))


def test_fused_first_block_equals_layer_by_layer():
    model = Deep4Net(8, 3, 600, final_conv_length=2, random_state=3).eval()
    to_dense_prediction_model(model)
    x = torch.randn(4, 8, 600)
    with torch.no_grad():
        fused = model(x)
        hooked = model.conv_time.register_forward_hook(lambda *args: None)
        assert torch.equal(model(x), fused)  # a hook does not change the numbers
        hooked.remove()
        model.fuse_first_block = False
        layer_by_layer = model(x)
    assert not torch.equal(fused, layer_by_layer)  # really two code paths
    torch.testing.assert_close(fused, layer_by_layer, rtol=1e-5, atol=1e-5)
    assert fused.shape == (4, 3, 600 - analytic_field(model) + 1)
    assert model.fused_layers == ("conv_time", "conv_spat")
    assert Deep4Net(8, 3, 600, split_first_layer=False).fused_layers == ()


def test_slicing_gives_a_plain_sequential_without_softmax():
    model = Deep4Net(8, 3, 600, random_state=1).eval()
    head = model[:-2]
    assert isinstance(head, nn.Sequential) and list(dict(head.named_children()))[-1] == (
        "conv_classifier"
    )
    x = torch.randn(2, 8, 600)
    with torch.no_grad():
        torch.testing.assert_close(torch.log_softmax(head(x), dim=1).squeeze(-1), model(x))
