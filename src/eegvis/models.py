"""Deep4Net ("Deep ConvNet") and tools for dense (cropped) prediction.

:class:`Deep4Net` is braindecode 0.4's Deep4Net layer for layer: the same
children with the same names in the same order, the same parameter shapes
(a braindecode 0.4 ``state_dict`` loads with plain ``load_state_dict``) and
the same initialisation, drawn from torch's generator in the same order.

Tensor layout. The input is ``(batch, n_chans, n_times)``. braindecode 0.4
works on 4-D ``(batch, filters, time, 1)`` tensors; here every layer after
``conv_spat`` works on 3-D ``(batch, filters, time)`` tensors (the same
values without the trailing singleton axis), which lets PyTorch use its
faster 1-D convolution kernels. ``conv_time`` keeps braindecode's
``(batch, n_filters_time, time, n_chans)`` output.

Dense prediction. :func:`to_dense_prediction_model` turns strides into
dilations so that the network emits one prediction per window of
:func:`receptive_field` samples at stride 1; :func:`output_lengths`,
:func:`receptive_fields` derive time geometry from the modules' kernel sizes,
strides and dilations (:mod:`eegvis.layers` finds it for any network by
probing, and captures the outputs of named layers such as :data:`BLOCK_OUTPUTS`).
"""

from __future__ import annotations

import contextlib
import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

#: Layers analysed in the paper: outputs of conv-pool blocks 1-4 and the classifier (pre-softmax).
BLOCK_OUTPUTS = (
    "pool_nonlin",
    "pool_nonlin_2",
    "pool_nonlin_3",
    "pool_nonlin_4",
    "conv_classifier",
)

#: Deep4Net options of the braindecode 0.4 amplitude-perturbation tutorial
#: (64 channels, 2 classes, 450-sample crops): 178,927 parameters.
SEED_000_OPTIONS = dict(
    final_conv_length=1,
    pool_time_stride=2,
    stride_before_pool=True,
    filter_length_3=5,
    filter_length_4=5,
)

_CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_MAX_POOLS = {nn.MaxPool1d: 1, nn.MaxPool2d: 2, nn.MaxPool3d: 3}
_AVG_POOLS = {nn.AvgPool1d: 1, nn.AvgPool2d: 2, nn.AvgPool3d: 3}


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


def _squeeze_time(x: Tensor) -> Tensor:
    """Drop the time axis of ``(batch, classes, time)`` when it has length 1."""
    return x[:, :, 0] if x.shape[2] == 1 else x


@contextlib.contextmanager
def _seeded(random_state: int | None) -> Iterator[None]:
    """Seed torch's CPU generator for the block, then restore its previous state."""
    if random_state is None:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(random_state)
        yield


class Deep4Net(nn.Sequential):
    """Deep ConvNet of Schirrmeister et al. (2017), equivalent to braindecode 0.4's Deep4Net.

    Four conv-pool blocks and a convolutional classifier. Children, in order:
    ``conv_time``, ``conv_spat`` (only with ``split_first_layer``), ``bnorm``,
    ``conv_nonlin``, ``pool``, ``pool_nonlin``; for ``i`` = 2, 3, 4: ``drop_i``,
    ``conv_i``, ``bnorm_i``, ``nonlin_i``, ``pool_i``, ``pool_nonlin_i``; then
    ``conv_classifier``, ``softmax``, ``squeeze`` (``bnorm*`` only with
    ``batch_norm``). braindecode 0.4 also has a parameter-free ``dimshuffle``
    first; here ``conv_time`` reads ``(batch, n_chans, time)`` directly.

    Parameters
    ----------
    n_chans : int
        Number of EEG channels.
    n_classes : int
        Number of classes.
    n_times : int
        Input length in samples; determines ``final_conv_length="auto"``.
    final_conv_length : int | "auto"
        Classifier kernel length; ``"auto"`` makes it span the whole output of
        block 4 for ``n_times`` samples (one prediction per input).
    n_filters_time, n_filters_spat : int
        Temporal and spatial filters of block 1.
    filter_time_length : int
        Temporal filter length of block 1.
    pool_time_length, pool_time_stride : int
        Pooling window and stride of every block.
    n_filters_2, n_filters_3, n_filters_4 : int
        Filters of blocks 2-4.
    filter_length_2, filter_length_3, filter_length_4 : int
        Filter lengths of blocks 2-4.
    first_nonlin, later_nonlin : callable
        Nonlinearity after the convolution of block 1 and of blocks 2-4.
    first_pool_mode, later_pool_mode : "max" | "mean"
        Pooling of block 1 and of blocks 2-4.
    drop_prob : float
        Dropout probability before the convolutions of blocks 2-4.
    double_time_convs : bool
        Accepted for signature compatibility; braindecode 0.4 ignores it, and
        ``True`` raises ``ValueError`` here.
    split_first_layer : bool
        Whether block 1 is a temporal convolution applied to each channel
        followed by a spatial convolution (``True``), or a single temporal
        convolution across channels.
    batch_norm : bool
        Whether to use batch normalisation (then convolutions before it have
        no bias).
    batch_norm_alpha : float
        Batch norm momentum (eps is 1e-5).
    stride_before_pool : bool
        Put the stride ``pool_time_stride`` in the convolutions and pool with
        stride 1, instead of the other way round.
    random_state : int | None
        ``None`` draws the initial weights from torch's global generator, in
        braindecode 0.4's order (so ``torch.manual_seed(s)`` before building
        gives braindecode's weights for seed ``s``). An int gives the same
        weights as ``torch.manual_seed(random_state)`` would, without changing
        the global generator's state.

    Notes
    -----
    Output: log-probabilities of shape ``(batch, n_classes)`` when the
    network emits one time step, else ``(batch, n_classes, n_preds)``
    (braindecode 0.4's convention), e.g. after
    :func:`to_dense_prediction_model` with ``n_preds = n_times -
    receptive_field + 1``.

    Initialisation: Xavier-uniform (gain 1) conv weights in layer order, conv
    biases 0, batch norm weights 1 and biases 0. Like every ``nn.Module``,
    the network starts in training mode (braindecode 0.4 starts in eval mode).
    """

    def __init__(
        self,
        n_chans: int,
        n_classes: int,
        n_times: int,
        final_conv_length: int | str = "auto",
        n_filters_time: int = 25,
        n_filters_spat: int = 25,
        filter_time_length: int = 10,
        pool_time_length: int = 3,
        pool_time_stride: int = 3,
        n_filters_2: int = 50,
        filter_length_2: int = 10,
        n_filters_3: int = 100,
        filter_length_3: int = 10,
        n_filters_4: int = 200,
        filter_length_4: int = 10,
        first_nonlin: Callable[[Tensor], Tensor] = F.elu,
        first_pool_mode: str = "max",
        later_nonlin: Callable[[Tensor], Tensor] = F.elu,
        later_pool_mode: str = "max",
        drop_prob: float = 0.5,
        double_time_convs: bool = False,
        split_first_layer: bool = True,
        batch_norm: bool = True,
        batch_norm_alpha: float = 0.1,
        stride_before_pool: bool = False,
        random_state: int | None = None,
    ) -> None:
        super().__init__()
        pools = {"max": nn.MaxPool1d, "mean": nn.AvgPool1d}
        for name, mode in (
            ("first_pool_mode", first_pool_mode),
            ("later_pool_mode", later_pool_mode),
        ):
            if mode not in pools:
                raise ValueError(f"{name} must be 'max' or 'mean', got {mode!r}.")
        if double_time_convs:
            raise ValueError(
                "double_time_convs=True is not implemented (braindecode 0.4 ignores it)."
            )
        self.n_chans, self.n_classes, self.n_times = n_chans, n_classes, n_times
        conv_stride, pool_stride = (
            (pool_time_stride, 1) if stride_before_pool else (1, pool_time_stride)
        )

        with _seeded(random_state):
            if split_first_layer:
                self.add_module(
                    "conv_time", ChannelwiseTimeConv(n_filters_time, filter_time_length)
                )
                self.add_module(
                    "conv_spat",
                    SpatialConv(
                        n_filters_time, n_filters_spat, n_chans, conv_stride, bias=not batch_norm
                    ),
                )
                n_filters = n_filters_spat
            else:
                self.add_module(
                    "conv_time",
                    TimeConv(
                        n_chans,
                        n_filters_time,
                        filter_time_length,
                        conv_stride,
                        bias=not batch_norm,
                    ),
                )
                n_filters = n_filters_time
            if batch_norm:
                self.add_module("bnorm", nn.BatchNorm1d(n_filters, momentum=batch_norm_alpha))
            self.add_module("conv_nonlin", Expression(first_nonlin))
            self.add_module("pool", pools[first_pool_mode](pool_time_length, pool_stride))
            self.add_module("pool_nonlin", nn.Identity())
            blocks = ((n_filters_2, filter_length_2), (n_filters_3, filter_length_3))
            for i, (n_out, length) in enumerate((*blocks, (n_filters_4, filter_length_4)), 2):
                self.add_module(f"drop_{i}", nn.Dropout(drop_prob))
                self.add_module(
                    f"conv_{i}",
                    TimeConv(n_filters, n_out, length, conv_stride, bias=not batch_norm),
                )
                if batch_norm:
                    self.add_module(f"bnorm_{i}", nn.BatchNorm1d(n_out, momentum=batch_norm_alpha))
                self.add_module(f"nonlin_{i}", Expression(later_nonlin))
                self.add_module(f"pool_{i}", pools[later_pool_mode](pool_time_length, pool_stride))
                self.add_module(f"pool_nonlin_{i}", nn.Identity())
                n_filters = n_out
            if final_conv_length == "auto":
                final_conv_length = output_lengths(self, n_times)["pool_nonlin_4"]
            self.add_module("conv_classifier", TimeConv(n_filters, n_classes, final_conv_length))
            self.add_module("softmax", nn.LogSoftmax(dim=1))
            self.add_module("squeeze", Expression(_squeeze_time))
            for module in self.modules():
                if isinstance(module, nn.Conv2d):
                    nn.init.xavier_uniform_(module.weight, gain=1)
                    if module.bias is not None:
                        nn.init.zeros_(module.bias)

    #: Whether :meth:`forward` runs ``conv_time`` and ``conv_spat`` as one convolution.
    fuse_first_block: bool = True

    @property
    def fused_layers(self) -> tuple[str, ...]:
        """Children that :meth:`forward` skips while :attr:`fuse_first_block` is true.

        ``("conv_time", "conv_spat")`` with ``split_first_layer``, else ``()``.
        """
        first, second = list(self)[:2]
        if isinstance(first, ChannelwiseTimeConv) and isinstance(second, SpatialConv):
            return ("conv_time", "conv_spat")
        return ()

    def __getitem__(self, index: int | slice) -> nn.Module:
        """Return a child, or a plain :class:`nn.Sequential` of a slice of them.

        ``model[:-2]`` is the network without its softmax and squeeze, as with
        any ``nn.Sequential``.
        """
        if isinstance(index, slice):
            return nn.Sequential(OrderedDict(list(self._modules.items())[index]))
        return super().__getitem__(index)

    def forward(self, x: Tensor) -> Tensor:
        """Return log-probabilities for ``(batch, n_chans, n_times)`` input.

        ``conv_time`` followed by ``conv_spat`` is one linear map. While
        :attr:`fuse_first_block` is true (the default), it runs as a single
        convolution with the product of their weights (the same result up to
        float rounding, about twice as fast on a CPU), and neither module runs
        on its own (hooks on them do not fire); set it to ``False`` to run every
        child in turn. :func:`eegvis.layers.receptive_fields` and the analyses do
        so themselves while they capture either layer (see :attr:`fused_layers`).
        """
        children = list(self)
        if self.fuse_first_block and self.fused_layers:
            x = _fused_first_block(children[0], children[1], x)
            children = children[2:]
        for module in children:
            x = module(x)
        return x


def _fused_first_block(conv_time: ChannelwiseTimeConv, conv_spat: SpatialConv, x: Tensor) -> Tensor:
    """Apply ``conv_spat(conv_time(x))`` as one convolution over channels and time."""
    if x.ndim != 3:
        raise ValueError(f"expected input of shape (batch, n_chans, time), got {tuple(x.shape)}")
    time_weight = conv_time.weight[:, 0, :, 0]  # (n_filters_time, kernel)
    spat_weight = conv_spat.weight[:, :, 0, :]  # (n_filters_spat, n_filters_time, n_chans)
    weight = torch.einsum("fgc,gk->fck", spat_weight, time_weight)
    bias = torch.einsum("fgc,g->f", spat_weight, conv_time.bias)
    if conv_spat.bias is not None:
        bias = bias + conv_spat.bias
    return F.conv1d(x, weight, bias, conv_spat.stride[0], 0, conv_time.dilation[0])


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


def receptive_fields(model: nn.Module, axis: int = 2) -> dict[str, int]:
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
    receptive_fields : dict of str to int
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


def receptive_field(model: nn.Module, layer: str | None = None, axis: int = 2) -> int:
    """Return the receptive field of ``layer``'s output (default: the model's), in samples.

    See :func:`receptive_fields`.
    """
    fields = receptive_fields(model, axis)
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
