"""Dense (cropped) prediction and the time geometry of sequential ConvNets.

:func:`to_dense_prediction_model` turns strides into dilations so that a network
emits one prediction per window of :func:`analytic_field` samples at stride 1;
:func:`output_lengths`, :func:`analytic_fields` and :func:`analytic_field`
derive the time geometry from the modules' kernel sizes, strides and dilations
(for networks whose modules are registered in forward order, without padding;
:func:`eegvis.models.layers.receptive_fields` finds it for any network by probing).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence

import torch.nn.functional as F
from torch import Tensor, nn

_CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_MAX_POOLS = {nn.MaxPool1d: 1, nn.MaxPool2d: 2, nn.MaxPool3d: 3}
_AVG_POOLS = {nn.AvgPool1d: 1, nn.AvgPool2d: 2, nn.AvgPool3d: 3}


class DilatedAvgPool(nn.Module):
    """Average pooling with dilation (as a grouped convolution with constant weights).

    Parameters
    ----------
    kernel_size, stride, dilation : tuple of int
        One entry per spatial axis (1 to 3 axes).
    """

    def __init__(
        self, kernel_size: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]
    ) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.dilation = kernel_size, stride, dilation

    def forward(self, x: Tensor) -> Tensor:
        """Average ``(batch, channels, *spatial)`` over each (dilated) window."""
        n_channels = x.shape[1]
        weight = x.new_full((n_channels, 1, *self.kernel_size), 1 / math.prod(self.kernel_size))
        conv = (F.conv1d, F.conv2d, F.conv3d)[len(self.kernel_size) - 1]
        return conv(x, weight, None, self.stride, 0, self.dilation, n_channels)

    def extra_repr(self) -> str:
        """Show the pooling geometry in the module's repr."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, dilation={self.dilation}"


def _as_tuple(value: int | Sequence[int], n: int) -> tuple[int, ...]:
    return (value,) * n if isinstance(value, int) else tuple(value)


def _n_spatial_axes(module: nn.Module) -> int | None:
    """Spatial axes of a convolution or pooling module; ``None`` for other modules."""
    if isinstance(module, (*_CONVS, DilatedAvgPool)):
        return len(module.kernel_size)
    for pool_class, n in (_MAX_POOLS | _AVG_POOLS).items():
        if isinstance(module, pool_class):
            return n
    return None


def _time_geometry(module: nn.Module, axis: int) -> tuple[int, int, int] | None:
    """``(kernel, stride, dilation)`` of a conv or pooling module along tensor axis ``axis``."""
    n = _n_spatial_axes(module)
    if n is None or axis - 2 >= n:
        return None
    i = axis - 2
    padding = getattr(module, "padding", 0)
    if padding != "valid" and _as_tuple(padding, n)[i] != 0:
        raise ValueError(f"padded module {module} is not supported.")
    return (
        _as_tuple(module.kernel_size, n)[i],
        _as_tuple(module.stride, n)[i],
        _as_tuple(getattr(module, "dilation", 1), n)[i],
    )


def _leaves(model: nn.Module) -> Iterator[tuple[str, nn.Module]]:
    """Named modules without children, in registration order (assumed to be forward order)."""
    return ((name, m) for name, m in model.named_modules() if next(m.children(), None) is None)


def to_dense_prediction_model(model: nn.Module, axis: int | Iterable[int] = (2, 3)) -> nn.Module:
    """Convert a sequential ConvNet to a dense prediction model, in place.

    Walking the modules in registration order, every convolution and pooling
    stride along ``axis`` becomes 1 and the module's dilation is multiplied
    by the product of the strides before it. The converted network maps an
    input of ``n`` samples to ``n - receptive_field + 1`` outputs; output
    ``i`` equals the original network applied to samples ``i .. i +
    receptive_field - 1``. ``nn.AvgPool1d/2d/3d`` (which cannot dilate) are
    replaced by equivalent :class:`DilatedAvgPool` modules. Converting twice
    changes nothing.

    Parameters
    ----------
    model : nn.Module
        Network whose modules are registered in the order they are applied
        (e.g. nested ``nn.Sequential``), with ``Conv1d/2d/3d``,
        ``MaxPool1d/2d/3d``, ``AvgPool1d/2d/3d`` or :class:`DilatedAvgPool`
        as strided layers, without padding.
    axis : int | iterable of int
        Tensor axes to convert (2 is the first spatial axis: time in
        :class:`Deep4Net`). Axes a module does not have are skipped.

    Returns
    -------
    model : nn.Module
        The same object, converted.
    """
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if any(ax < 2 for ax in axes):
        raise ValueError(f"axis must be spatial tensor axes (>= 2), got {axis}.")
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            n = _AVG_POOLS.get(type(child))
            if n is None:
                continue
            padding = _as_tuple(child.padding, n)
            if any(padding) or child.ceil_mode or getattr(child, "divisor_override", None):
                raise ValueError(f"{child} has padding, ceil_mode or divisor_override.")
            pool = DilatedAvgPool(
                _as_tuple(child.kernel_size, n), _as_tuple(child.stride, n), (1,) * n
            )
            setattr(parent, name, pool)
    accumulated = dict.fromkeys(axes, 1)
    for module in model.modules():
        n = _n_spatial_axes(module)
        if n is None:
            continue
        stride, dilation = list(_as_tuple(module.stride, n)), list(_as_tuple(module.dilation, n))
        for ax in axes:
            if ax - 2 < n:
                dilation[ax - 2] *= accumulated[ax]
                accumulated[ax] *= stride[ax - 2]
                stride[ax - 2] = 1
        module.stride, module.dilation = tuple(stride), tuple(dilation)
    return model


def analytic_fields(model: nn.Module, axis: int = 2) -> dict[str, int]:
    """Return the receptive field, in input samples along ``axis``, of every layer's output.

    Computed from the kernel sizes, strides and dilations of the
    convolution and pooling modules (``rf += (kernel - 1) * dilation *
    jump``, ``jump *= stride``), so it holds for dense and strided models.

    Parameters
    ----------
    model : nn.Module
        Network whose modules are registered in forward order, without padding.
    axis : int
        Tensor axis (2: time in :class:`Deep4Net`).

    Returns
    -------
    analytic_fields : dict of str to int
        For each leaf module name (e.g. ``"pool_nonlin_2"``), in order.
    """
    rf, jump, fields = 1, 1, {}
    for name, module in _leaves(model):
        geometry = _time_geometry(module, axis)
        if geometry is not None:
            kernel, stride, dilation = geometry
            rf += (kernel - 1) * dilation * jump
            jump *= stride
        fields[name] = rf
    return fields


def output_strides(model: nn.Module, axis: int = 2) -> dict[str, int]:
    """Return how many input samples apart consecutive outputs of every layer are.

    The product of the strides along ``axis`` of the convolution and pooling
    modules up to and including each layer (1 everywhere in a dense model).

    Parameters
    ----------
    model : nn.Module
        Network whose modules are registered in forward order, without padding.
    axis : int
        Tensor axis (2: time in :class:`eegvis.models.Deep4Net`).

    Returns
    -------
    strides : dict of str to int
        For each leaf module name, in order.
    """
    jump, strides = 1, {}
    for name, module in _leaves(model):
        geometry = _time_geometry(module, axis)
        if geometry is not None:
            jump *= geometry[1]
        strides[name] = jump
    return strides


def analytic_field(model: nn.Module, layer: str | None = None, axis: int = 2) -> int:
    """Return the receptive field of ``layer``'s output (default: the model's), in samples.

    See :func:`analytic_fields`.
    """
    fields = analytic_fields(model, axis)
    return fields[layer] if layer is not None else list(fields.values())[-1]


def output_lengths(model: nn.Module, n_times: int, axis: int = 2) -> dict[str, int]:
    """Return the length along ``axis`` of every layer's output for ``n_times`` input samples.

    Parameters
    ----------
    model : nn.Module
        Network whose modules are registered in forward order, without padding.
    n_times : int
        Input length.
    axis : int
        Tensor axis (2: time in :class:`Deep4Net`).

    Returns
    -------
    lengths : dict of str to int
        For each leaf module name, in order. In a dense model, ``n_times -
        receptive_field + 1``.

    Raises
    ------
    ValueError
        If the input is shorter than a layer's receptive field.
    """
    lengths = {}
    for name, module in _leaves(model):
        geometry = _time_geometry(module, axis)
        if geometry is not None:
            kernel, stride, dilation = geometry
            n_times = (n_times - dilation * (kernel - 1) - 1) // stride + 1
            if n_times < 1:
                raise ValueError(f"input too short: layer {name!r} would have no output.")
        lengths[name] = n_times
    return lengths
