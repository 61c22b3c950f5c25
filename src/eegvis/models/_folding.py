"""Batch norm folded into the preceding convolution: the same network in eval mode, faster.

In eval mode a batch norm layer is a fixed affine map per channel,
``y = (x - mean) * weight / sqrt(var + eps) + bias``. When it directly follows
a convolution, scaling the convolution's weights and shifting its bias per
output channel gives the same outputs with one layer less to run.
:func:`fold_batch_norm` returns such a copy; the analyses that only evaluate a
network (:mod:`eegvis.analyses.perturbation`) run it.
"""

from __future__ import annotations

import copy
from itertools import pairwise

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

#: The convolution types whose following batch norm is folded into them.
CONVOLUTIONS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


def fold_batch_norm(model: nn.Module) -> nn.Module:
    """Return a copy of ``model`` with batch norms folded into the convolutions before them.

    In every ``nn.Sequential`` of ``model`` (at any depth, including
    :class:`eegvis.models.Deep4Net` and :class:`eegvis.models.ShallowFBCSPNet`),
    a batch norm layer that tracks running statistics and directly follows a
    convolution (``nn.Conv1d``, ``nn.Conv2d``, ``nn.Conv3d`` or a subclass that
    adds ``bias`` per output channel, as eegvis's layers do) is replaced by
    ``nn.Identity`` and its eval-mode affine map is moved into the
    convolution's weight and bias (computed in float64, stored in the
    parameters' dtype). Other modules are copied unchanged; ``model`` itself is
    not modified.

    Parameters
    ----------
    model : torch.nn.Module
        Any network.

    Returns
    -------
    torch.nn.Module
        The folded copy, in eval mode. Its outputs equal those of ``model`` in
        eval mode up to float rounding; in training mode they differ (batch
        statistics are no longer used).
    """
    folded = copy.deepcopy(model).eval()
    for module in folded.modules():
        if isinstance(module, nn.Sequential):
            _fold_children(module)
    return folded


def _fold_children(sequence: nn.Sequential) -> None:
    """Fold every (convolution, batch norm) pair of consecutive children of ``sequence``."""
    for (_, conv), (name, norm) in pairwise(list(sequence.named_children())):
        if (
            isinstance(conv, CONVOLUTIONS)
            and isinstance(norm, _BatchNorm)
            and norm.track_running_stats
            and norm.num_features == conv.out_channels
        ):
            _fold(conv, norm)
            setattr(sequence, name, nn.Identity())


@torch.no_grad()
def _fold(conv: nn.Module, norm: _BatchNorm) -> None:
    """Move the eval-mode affine map of ``norm`` into ``conv``'s weight and bias."""
    scale = (norm.running_var.double() + norm.eps).rsqrt()
    shift = -norm.running_mean.double() * scale
    if norm.affine:
        scale = scale * norm.weight.double()
        shift = shift * norm.weight.double() + norm.bias.double()
    weight = conv.weight.double() * scale.reshape(-1, *([1] * (conv.weight.ndim - 1)))
    bias = shift if conv.bias is None else conv.bias.double() * scale + shift
    conv.weight.copy_(weight)
    conv.bias = nn.Parameter(bias.to(conv.weight.dtype), requires_grad=conv.weight.requires_grad)
