"""Tests of eegvis.models._folding: the folded network computes what the original does in eval."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from eegvis.models import SEED_000_OPTIONS, Deep4Net, ShallowFBCSPNet
from eegvis.models._folding import fold_batch_norm
from eegvis.models.dense import to_dense_prediction_model

N_CHANS, N_TIMES = 8, 450
TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-10}


def with_statistics(model: nn.Module, seed: int = 0) -> nn.Module:
    """Give every batch norm random running statistics and affine parameters, as after training."""
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            n = module.num_features
            if module.track_running_stats:
                module.running_mean.copy_(torch.randn(n, generator=generator))
                module.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
            if module.affine:
                module.weight.data.copy_(torch.rand(n, generator=generator) + 0.5)
                module.bias.data.copy_(torch.randn(n, generator=generator))
    return model


def network(name: str, dense: bool, split_first_layer: bool = True) -> nn.Module:
    if name == "deep4":
        model = Deep4Net(
            N_CHANS, 2, N_TIMES, **SEED_000_OPTIONS, split_first_layer=split_first_layer
        )
    else:
        model = ShallowFBCSPNet(
            N_CHANS, 3, N_TIMES, final_conv_length=4, split_first_layer=split_first_layer
        )
    model = with_statistics(model)
    return to_dense_prediction_model(model) if dense else model


def batch_norms(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


def assert_equals_eval_network(name: str, dense: bool, dtype: torch.dtype, transform):
    """Assert that ``transform`` of :func:`network` (eval mode, ``dtype``) computes what the
    network does on five random trials, to :data:`TOLERANCE` of the outputs' scale.

    Returns
    -------
    model, transformed : nn.Module
    input_unchanged : bool
        Whether the two networks left their input as it was.
    """
    model = network(name, dense).to(dtype).eval()
    transformed = transform(model)
    x = 10 * torch.randn(5, N_CHANS, N_TIMES, generator=torch.Generator().manual_seed(1))
    x = x.to(dtype)
    before = x.clone()
    with torch.no_grad():
        expected, actual = model(x), transformed(x)
    assert actual.shape == expected.shape and actual.dtype == dtype
    scale = expected.abs().max()
    assert (actual - expected).abs().max() <= TOLERANCE[dtype] * max(scale, 1)
    return model, transformed, torch.equal(x, before)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("dense", [False, True], ids=["strided", "dense"])
@pytest.mark.parametrize("name", ["deep4", "shallow"])
def test_folded_network_equals_eval_network(name, dense, dtype):
    model, folded, _ = assert_equals_eval_network(name, dense, dtype, fold_batch_norm)
    assert batch_norms(model) and not batch_norms(folded)


@pytest.mark.parametrize("name", ["deep4", "shallow"])
def test_folding_without_split_first_layer(name):
    model = network(name, dense=True, split_first_layer=False).eval()
    folded = fold_batch_norm(model)
    x = torch.randn(3, N_CHANS, N_TIMES, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        torch.testing.assert_close(folded(x), model(x), rtol=1e-5, atol=1e-5)
    assert not batch_norms(folded)


def test_folding_leaves_the_model_alone():
    model = network("deep4", dense=False).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    folded = fold_batch_norm(model)
    assert model.training and not folded.training
    assert len(batch_norms(model)) == 4
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key
    # Layer names survive: analyses may still name "bnorm" (now the identity).
    assert [n for n, _ in folded.named_children()] == [n for n, _ in model.named_children()]


def test_only_a_batch_norm_right_after_a_convolution_is_folded():
    model = nn.Sequential(
        nn.Conv1d(2, 3, 3),
        nn.BatchNorm1d(3),
        nn.ELU(),
        nn.BatchNorm1d(3),
        nn.Sequential(nn.Conv1d(3, 4, 1, bias=False), nn.BatchNorm1d(4, affine=False)),
        nn.Conv1d(4, 4, 1),
        nn.BatchNorm1d(4, track_running_stats=False),
    )
    model = with_statistics(model).eval()
    folded = fold_batch_norm(model)
    kinds = [type(m).__name__ for m in folded.modules()]
    assert kinds.count("BatchNorm1d") == 2  # after the ELU, and the one using batch statistics
    x = torch.randn(6, 2, 20, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        torch.testing.assert_close(folded(x), model(x), rtol=1e-5, atol=1e-5)
