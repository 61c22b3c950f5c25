"""A network's inference copy: the same outputs in eval mode, computed faster.

:func:`inference_copy` returns a copy of a network for analyses that only run
it forward (:mod:`eegvis.analyses.perturbation`). In the copy:

- batch norms are folded into the convolutions before them
  (:func:`eegvis.models._folding.fold_batch_norm`);
- eegvis's split first block, ``conv_time`` then ``conv_spat``, is one
  convolution (:func:`eegvis.models.fused_first_block`).

On a CPU, in addition:

- convolutions over time (:class:`eegvis.models.TimeConv`, ``nn.Conv1d``) run
  as channels-last (time-major) 2-D convolutions, for which oneDNN's kernels
  are faster than its channels-first ones;
- max pooling over time (``nn.MaxPool1d``) keeps that layout. It is computed
  as the elementwise maximum of strided slices, so the values are identical;
  under autograd, as ``F.max_pool2d`` on the time-major layout, whose
  backward pass keeps the indices of the maxima;
- an ELU right after a convolution overwrites the convolution's output instead
  of allocating a new tensor (not in a ``differentiable`` copy).

:mod:`eegvis.analyses.gradients` backpropagates through a ``differentiable``
copy, which spares it ``nn.MaxPool1d`` with indices on the channels-first
layout, a large part of the time of a backward pass through the network itself.

The networks themselves keep the channels-first layout, because channels-last
makes a training step slower (batch norm and the pooling backward pass on the
time-major layout). On other devices the copy only folds and fuses: the
channels-last layout is a choice for CPUs, where it was benchmarked. The
timings are in ``benchmarks/README.md``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from eegvis.models._folding import CONVOLUTIONS, fold_batch_norm
from eegvis.models.base import SplitFirstLayerNet
from eegvis.models.modules import Expression, TimeConv, fused_first_block


class ChannelsLastConv1d(nn.Module):
    """A 1-D convolution of ``(batch, channels, time)`` input, computed channels-last.

    The output has the shape and values of ``F.conv1d`` (up to float rounding)
    but is stored time-major, with strides ``(time * channels, 1, channels)``.
    A time-major input is read without a copy. Use ``reshape``, not ``view``,
    on the output.

    Parameters
    ----------
    weight : torch.Tensor, shape (out_channels, in_channels // groups, kernel_length)
        Convolution weights.
    bias : torch.Tensor or None, shape (out_channels,)
        Bias, if any.
    stride, padding, dilation, groups : int
        As in ``torch.nn.functional.conv1d`` (zero padding on both sides).
    """

    def __init__(
        self,
        weight: Tensor,
        bias: Tensor | None,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        groups: int = 1,
    ) -> None:
        super().__init__()
        weight = weight.detach().unsqueeze(2).contiguous(memory_format=torch.channels_last)
        self.weight = nn.Parameter(weight, requires_grad=False)
        self.bias = None if bias is None else nn.Parameter(bias.detach(), requires_grad=False)
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups

    @classmethod
    def from_module(cls, conv: nn.Module) -> ChannelsLastConv1d:
        """Return the channels-last equivalent of a ``TimeConv`` or an ``nn.Conv1d``.

        Parameters
        ----------
        conv : eegvis.models.TimeConv or torch.nn.Conv1d
            ``nn.Conv1d`` with zero padding given as a number (not ``"same"``).

        Returns
        -------
        ChannelsLastConv1d
        """
        if isinstance(conv, TimeConv):
            return cls(conv.weight.squeeze(3), conv.bias, conv.stride[0], 0, conv.dilation[0])
        return cls(
            conv.weight, conv.bias, conv.stride[0], conv.padding[0], conv.dilation[0], conv.groups
        )

    def forward(self, x: Tensor) -> Tensor:
        """Map ``(batch, in_channels, time)`` to ``(batch, out_channels, time_out)``."""
        x = x.unsqueeze(2).contiguous(memory_format=torch.channels_last)
        out = F.conv2d(
            x,
            self.weight,
            self.bias,
            (1, self.stride),
            (0, self.padding),
            (1, self.dilation),
            self.groups,
        )
        return out.squeeze(2)

    def extra_repr(self) -> str:
        """Shapes and geometry, as ``nn.Conv1d`` shows them."""
        out_channels, in_channels, _, kernel = self.weight.shape
        return (
            f"{in_channels * self.groups}, {out_channels}, kernel_size={kernel}, "
            f"stride={self.stride}, padding={self.padding}, dilation={self.dilation}, "
            f"groups={self.groups}, bias={self.bias is not None}"
        )


class StridedMaxPool1d(nn.Module):
    """Max pooling over time that keeps its input's memory layout.

    The same windows and values as ``nn.MaxPool1d`` without padding or
    ``ceil_mode``, computed as the elementwise maximum of ``kernel_size``
    strided slices, so a time-major input stays time-major.

    Parameters
    ----------
    kernel_size, stride, dilation : int
        As in ``nn.MaxPool1d``.
    """

    def __init__(self, kernel_size: int, stride: int, dilation: int = 1) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.dilation = kernel_size, stride, dilation

    def forward(self, x: Tensor) -> Tensor:
        """Map ``(batch, channels, time)`` to ``(batch, channels, time_out)``.

        Under autograd (``x`` requires a gradient), ``F.max_pool2d`` on the
        ``(batch, channels, 1, time)`` view computes the same values and, in
        the backward pass, routes each window's gradient to its first
        maximum, as ``nn.MaxPool1d`` does.
        """
        span = x.shape[-1] - self.dilation * (self.kernel_size - 1)  # where windows may start
        if span < 1:
            raise ValueError(
                f"input of {x.shape[-1]} samples is shorter than the pooling window "
                f"({self.kernel_size} samples, dilation {self.dilation})"
            )
        if torch.is_grad_enabled() and x.requires_grad:
            pooled = F.max_pool2d(
                x.unsqueeze(2), (1, self.kernel_size), (1, self.stride), 0, (1, self.dilation)
            )
            return pooled.squeeze(2)
        starts = [k * self.dilation for k in range(self.kernel_size)]
        slices = [x[..., s : s + span : self.stride] for s in starts]
        if len(slices) == 1:
            return slices[0].clone()
        out = torch.maximum(slices[0], slices[1])
        for other in slices[2:]:
            torch.maximum(out, other, out=out)
        return out

    @classmethod
    def from_module(cls, pool: nn.MaxPool1d) -> StridedMaxPool1d:
        """Return the equivalent of ``pool`` (no padding, ``ceil_mode`` or indices)."""
        kernel, stride, dilation = (
            value if isinstance(value, int) else value[0]
            for value in (pool.kernel_size, pool.stride, pool.dilation)
        )
        return cls(kernel, stride, dilation)

    def extra_repr(self) -> str:
        """Show the pooling geometry in the module's repr."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, dilation={self.dilation}"


def inference_copy(model: nn.Module, *, differentiable: bool = False) -> nn.Module:
    """Return a copy of ``model`` for analyses: folded, fused and, on CPU, channels-last.

    See the module docstring for what changes. Modules that are not named
    there are copied unchanged, so any network works; only the named ones get
    faster. ``model`` itself is not modified. Forward hooks on the replaced
    modules of the copy do not see the original layers' outputs, and an ELU
    that runs in place overwrites the output of the convolution before it.
    The copy's parameters do not require gradients.

    Parameters
    ----------
    model : torch.nn.Module
        Any network. The device of its first parameter decides whether the
        CPU layout applies.
    differentiable : bool
        If True, no ELU runs in place, so that gradients with respect to the
        input flow through the copy without autograd copying in-place views
        back (for :mod:`eegvis.analyses.gradients`).

    Returns
    -------
    torch.nn.Module
        The copy, in eval mode, with the parameters' device and dtype. Its
        outputs equal those of ``model`` in eval mode up to float rounding
        (tested to 1e-5 relative in float32 and 1e-10 in float64).
    """
    copy = _folded(model)
    parameter = next(copy.parameters(), None)
    if parameter is None or parameter.device.type != "cpu":
        return copy
    for module in list(copy.modules()):
        if isinstance(module, nn.Sequential):
            _channels_last_children(module, in_place=not differentiable)
    return copy


def attribution_copy(
    model: nn.Module, *, strip_log_softmax: bool = False, rule_layers: bool = False
) -> nn.Module:
    """Return a copy of ``model`` that attribution methods recognise, layer by layer.

    The :func:`inference_copy` (``differentiable``: batch norms folded,
    eegvis's split first block fused, on a CPU the channels-last layout), or,
    with ``rule_layers``, only folded and fused, so that the convolutions stay
    the standard PyTorch modules Zennit's LRP rules know by type
    (``nn.Conv2d``). In both, an ELU applied through
    :class:`eegvis.models.Expression` becomes an ``nn.ELU`` (the same
    function), so that DeepLIFT applies its rescale rule to it instead of the
    plain gradient, and max pooling over time becomes :class:`StridedMaxPool1d`
    (the same windows and values), which both pass backwards as the gradient
    does, to each window's maximum: Captum's own DeepLIFT rule for
    ``nn.MaxPool1d`` fails on the dilated pooling of dense networks. ``model``
    itself is not changed.

    Parameters
    ----------
    model : torch.nn.Module
        Any network.
    strip_log_softmax : bool
        If True, the last ``nn.LogSoftmax`` becomes an ``nn.Identity``, so that the
        methods explain the raw class scores.
    rule_layers : bool
        Keep the convolutions channels-first PyTorch modules (for LRP rules).

    Returns
    -------
    torch.nn.Module
        The copy, in eval mode, with the parameters' device and dtype; its
        parameters do not require gradients.

    Raises
    ------
    ValueError
        If ``strip_log_softmax`` is set and the model has no ``nn.LogSoftmax``.
    """
    copy = _folded(model) if rule_layers else inference_copy(model, differentiable=True)
    for module in list(copy.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, Expression) and child.fn is F.elu:
                setattr(module, name, nn.ELU())
            elif type(child) is nn.MaxPool1d and _channels_last(child) is not child:
                setattr(module, name, StridedMaxPool1d.from_module(child))
    if strip_log_softmax:
        owners = [
            (module, name)
            for module in copy.modules()
            for name, child in module.named_children()
            if isinstance(child, nn.LogSoftmax)
        ]
        if not owners:
            raise ValueError("strip_log_softmax=True but the model has no nn.LogSoftmax")
        setattr(*owners[-1], nn.Identity())
    return copy


def _folded(model: nn.Module) -> nn.Module:
    """Return a copy of ``model`` in eval mode, batch norms folded, split first block fused."""
    copy = fold_batch_norm(model).requires_grad_(False)
    for module in list(copy.modules()):
        if isinstance(module, SplitFirstLayerNet) and module.fused_layers:
            module.conv_time = fused_first_block(module.conv_time, module.conv_spat)
            module.conv_spat = nn.Identity()
    return copy


def _channels_last_children(sequence: nn.Sequential, in_place: bool) -> None:
    """Replace the children of ``sequence`` that have a channels-last (or in-place) equivalent."""
    after_convolution = False
    for name, child in list(sequence.named_children()):
        replacement = _channels_last(child)
        if replacement is not child:
            setattr(sequence, name, replacement)
        elif in_place and after_convolution and _is_elu(child):
            setattr(sequence, name, nn.ELU(getattr(child, "alpha", 1.0), inplace=True))
        if not isinstance(child, nn.Identity):
            after_convolution = isinstance(replacement, (ChannelsLastConv1d, *CONVOLUTIONS))


def _channels_last(module: nn.Module) -> nn.Module:
    """Return the channels-last equivalent of ``module``, or ``module`` if it has none."""
    if type(module) in (TimeConv, nn.Conv1d) and _zero_padded(module):
        return ChannelsLastConv1d.from_module(module)
    if (
        type(module) is nn.MaxPool1d
        and module.padding in (0, (0,))
        and not module.ceil_mode
        and not module.return_indices
    ):
        return StridedMaxPool1d.from_module(module)
    return module


def _zero_padded(conv: nn.Module) -> bool:
    """Whether ``conv`` pads with zeros by a fixed number of samples (not ``"same"``)."""
    return conv.padding_mode == "zeros" and not isinstance(conv.padding, str)


def _is_elu(module: nn.Module) -> bool:
    """Whether ``module`` applies an ELU out of place (``Expression(F.elu)`` or ``nn.ELU``)."""
    if isinstance(module, Expression):
        return module.fn is F.elu
    return type(module) is nn.ELU and not module.inplace
