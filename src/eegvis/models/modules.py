"""Building blocks of the paper's networks: braindecode 0.4's layers on 3-D tensors.

The input is ``(batch, n_chans, n_times)``. braindecode 0.4 works on 4-D
``(batch, filters, time, 1)`` tensors; here every layer after ``conv_spat``
works on 3-D ``(batch, filters, time)`` tensors (the same values without the
trailing singleton axis), which lets PyTorch use its faster 1-D convolution
kernels. ``conv_time`` keeps braindecode's ``(batch, n_filters_time, time,
n_chans)`` output. The weights keep braindecode's 4-D shapes, so a braindecode
0.4 ``state_dict`` loads with plain ``load_state_dict``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class Expression(nn.Module):
    """Apply a parameter-free function, e.g. a nonlinearity, as a module.

    Parameters
    ----------
    fn : callable
        Maps a tensor to a tensor.
    """

    def __init__(self, fn: Callable[[Tensor], Tensor]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: Tensor) -> Tensor:
        """Return ``fn(x)``."""
        return self.fn(x)

    def extra_repr(self) -> str:
        """Name the function in the module's repr."""
        return getattr(self.fn, "__name__", repr(self.fn))


class TimeConv(nn.Conv2d):
    """Convolution over time of ``(batch, in_channels, time)`` input.

    The weight has braindecode 0.4's shape ``(out_channels, in_channels,
    kernel_length, 1)``; stride and dilation along time are ``stride[0]`` and
    ``dilation[0]``.

    Parameters
    ----------
    in_channels, out_channels : int
        Input and output feature maps.
    kernel_length : int
        Kernel size in samples.
    stride : int
        Stride in samples.
    bias : bool
        Whether to add a learnable bias.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_length: int,
        stride: int = 1,
        bias: bool = True,
    ) -> None:
        super().__init__(in_channels, out_channels, (kernel_length, 1), (stride, 1), bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        """Map ``(batch, in_channels, time)`` to ``(batch, out_channels, time_out)``."""
        weight = self.weight.squeeze(3)
        return F.conv1d(x, weight, self.bias, self.stride[0], 0, self.dilation[0])


class ChannelwiseTimeConv(nn.Conv2d):
    """The same temporal filters applied to every EEG channel (braindecode's ``conv_time``).

    Weight shape ``(n_filters, 1, kernel_length, 1)``. The output has
    braindecode's shape ``(batch, n_filters, time_out, n_chans)`` but is
    stored channel-major, the layout :class:`SpatialConv` reads without a copy.

    Parameters
    ----------
    n_filters : int
        Number of temporal filters.
    kernel_length : int
        Filter length in samples.
    """

    def __init__(self, n_filters: int, kernel_length: int) -> None:
        super().__init__(1, n_filters, (kernel_length, 1))

    def forward(self, x: Tensor) -> Tensor:
        """Map ``(batch, n_chans, time)`` to ``(batch, n_filters, time_out, n_chans)``."""
        if x.ndim != 3:
            raise ValueError(
                f"expected input of shape (batch, n_chans, time), got {tuple(x.shape)}"
            )
        batch, n_chans, n_times = x.shape
        weight = self.weight.squeeze(3)
        out = F.conv1d(
            x.reshape(batch * n_chans, 1, n_times), weight, self.bias, 1, 0, self.dilation[0]
        )
        return out.view(batch, n_chans, self.out_channels, -1).permute(0, 2, 3, 1)


class SpatialConv(nn.Conv2d):
    """Convolution over all EEG channels and temporal filters at once (``conv_spat``).

    Weight shape ``(out_channels, in_channels, 1, n_chans)``.

    Parameters
    ----------
    in_channels, out_channels : int
        Temporal filters in, spatial filters out.
    n_chans : int
        Number of EEG channels.
    stride : int
        Stride in samples.
    bias : bool
        Whether to add a learnable bias.
    """

    def __init__(
        self, in_channels: int, out_channels: int, n_chans: int, stride: int = 1, bias: bool = True
    ) -> None:
        super().__init__(in_channels, out_channels, (1, n_chans), (stride, 1), bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        """Map ``(batch, in_channels, time, n_chans)`` to ``(batch, out_channels, time_out)``."""
        batch, n_filters, n_times, n_chans = x.shape
        features = x.permute(0, 3, 1, 2).reshape(batch, n_chans * n_filters, n_times)
        weight = self.weight.squeeze(2).transpose(1, 2).reshape(self.out_channels, -1, 1)
        return F.conv1d(features, weight, self.bias, self.stride[0], 0, self.dilation[0])


def _squeeze_time(x: Tensor) -> Tensor:
    """Drop the time axis of ``(batch, classes, time)`` when it has length 1."""
    return x[:, :, 0] if x.shape[2] == 1 else x


def fused_first_block(conv_time: ChannelwiseTimeConv, conv_spat: SpatialConv) -> TimeConv:
    """Return one :class:`TimeConv` computing ``conv_spat(conv_time(x))``.

    The two convolutions are one linear map; its weight is the product of
    theirs, so the result equals the two applied in turn up to float rounding.

    Parameters
    ----------
    conv_time : ChannelwiseTimeConv
        The temporal filters.
    conv_spat : SpatialConv
        The spatial filters that follow them.

    Returns
    -------
    TimeConv
        From ``n_chans`` to ``conv_spat.out_channels`` feature maps, with
        ``conv_spat``'s stride and ``conv_time``'s dilation, on their device
        and in their dtype; its parameters do not require gradients.
    """
    weight, bias = _fused_weights(conv_time, conv_spat)
    n_filters, n_chans, kernel_length = weight.shape
    with torch.device("meta"):  # no initialisation drawn from torch's generator
        fused = TimeConv(n_chans, n_filters, kernel_length, conv_spat.stride[0])
    fused.dilation = (conv_time.dilation[0], 1)
    fused.weight = nn.Parameter(weight.detach().unsqueeze(3), requires_grad=False)
    fused.bias = nn.Parameter(bias.detach(), requires_grad=False)
    return fused


def _fused_weights(conv_time: ChannelwiseTimeConv, conv_spat: SpatialConv) -> tuple[Tensor, Tensor]:
    """Weight ``(n_filters_spat, n_chans, kernel)`` and bias of ``conv_spat(conv_time(.))``."""
    time_weight = conv_time.weight[:, 0, :, 0]  # (n_filters_time, kernel)
    spat_weight = conv_spat.weight[:, :, 0, :]  # (n_filters_spat, n_filters_time, n_chans)
    weight = torch.einsum("fgc,gk->fck", spat_weight, time_weight)
    bias = torch.einsum("fgc,g->f", spat_weight, conv_time.bias)
    if conv_spat.bias is not None:
        bias = bias + conv_spat.bias
    return weight, bias


def _fused_first_block(conv_time: ChannelwiseTimeConv, conv_spat: SpatialConv, x: Tensor) -> Tensor:
    """Apply ``conv_spat(conv_time(x))`` as one convolution over channels and time."""
    if x.ndim != 3:
        raise ValueError(f"expected input of shape (batch, n_chans, time), got {tuple(x.shape)}")
    weight, bias = _fused_weights(conv_time, conv_spat)
    return F.conv1d(x, weight, bias, conv_spat.stride[0], 0, conv_time.dilation[0])


def square(x: Tensor) -> Tensor:
    """Return ``x * x`` (the Shallow ConvNet's nonlinearity)."""
    return x * x


def safe_log(x: Tensor, eps: float = 1e-6) -> Tensor:
    """Return ``log(max(x, eps))`` (the Shallow ConvNet's pooling nonlinearity)."""
    return torch.log(torch.clamp(x, min=eps))
