"""The paper's networks: Deep4Net ("Deep ConvNet") and ShallowFBCSPNet ("Shallow ConvNet").

Both are braindecode 0.4's networks layer for layer: the same children with the
same names in the same order, the same parameter shapes (a braindecode 0.4
``state_dict`` loads with plain ``load_state_dict``) and the same
initialisation, drawn from torch's generator in the same order.

Tensor layout. The input is ``(batch, n_chans, n_times)``. braindecode 0.4
works on 4-D ``(batch, filters, time, 1)`` tensors; here every layer after
``conv_spat`` works on 3-D ``(batch, filters, time)`` tensors (the same
values without the trailing singleton axis), which lets PyTorch use its
faster 1-D convolution kernels. ``conv_time`` keeps braindecode's
``(batch, n_filters_time, time, n_chans)`` output.

Dense prediction: :func:`eegvis.dense.to_dense_prediction_model`; layer
outputs and receptive fields of any network: :mod:`eegvis.layers`.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import Tensor, nn

if TYPE_CHECKING:
    from eegvis.layers import LayerGeometry

from eegvis.dense import output_lengths, output_strides, receptive_fields

#: Layers analysed in the paper: outputs of conv-pool blocks 1-4 and the classifier (pre-softmax).
BLOCK_OUTPUTS = (
    "pool_nonlin",
    "pool_nonlin_2",
    "pool_nonlin_3",
    "pool_nonlin_4",
    "conv_classifier",
)

#: Layers of the Shallow ConvNet analysed by default: the spatial filters, their log
#: band power after pooling, and the classifier (pre-softmax).
SHALLOW_OUTPUTS = ("conv_spat", "pool_nonlin", "conv_classifier")

#: Deep4Net options of the braindecode 0.4 amplitude-perturbation tutorial
#: (64 channels, 2 classes, 450-sample crops): 178,927 parameters.
SEED_000_OPTIONS = dict(
    final_conv_length=1,
    pool_time_stride=2,
    stride_before_pool=True,
    filter_length_3=5,
    filter_length_4=5,
)


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


@contextlib.contextmanager
def _seeded(random_state: int | None) -> Iterator[None]:
    """Seed torch's CPU generator for the block, then restore its previous state."""
    if random_state is None:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(random_state)
        yield


class SplitFirstLayerNet(nn.Sequential):
    """A sequential EEG ConvNet whose first block may be a temporal then a spatial convolution.

    Shared by :class:`Deep4Net` and :class:`ShallowFBCSPNet`: slicing returns a
    plain ``nn.Sequential``, and ``conv_time`` followed by ``conv_spat`` may run
    as one convolution (:attr:`fuse_first_block`).
    """

    def _add_first_block(
        self,
        n_chans: int,
        n_filters_time: int,
        filter_time_length: int,
        n_filters_spat: int | None,
        stride: int = 1,
        bias: bool = True,
    ) -> int:
        """Add ``conv_time`` (and ``conv_spat`` unless ``n_filters_spat`` is None).

        ``bias`` applies to the last convolution of the block (``conv_time``
        always has one when followed by ``conv_spat``). Returns the number of
        output filters.
        """
        if n_filters_spat is None:
            self.add_module(
                "conv_time", TimeConv(n_chans, n_filters_time, filter_time_length, stride, bias)
            )
            return n_filters_time
        self.add_module("conv_time", ChannelwiseTimeConv(n_filters_time, filter_time_length))
        self.add_module(
            "conv_spat", SpatialConv(n_filters_time, n_filters_spat, n_chans, stride, bias)
        )
        return n_filters_spat

    def layer_geometry(self, n_times: int, layers: Sequence[str]) -> dict[str, LayerGeometry]:
        """Return the geometry of named layers for ``n_times`` input samples, analytically.

        The same values :func:`eegvis.layers.receptive_fields` finds by probing
        (tested), from the kernel sizes, strides and dilations: the network has
        no padding, so every output is valid and its field starts at
        ``i * stride``. ``""`` names the network's output.

        Parameters
        ----------
        n_times : int
            Input window in samples.
        layers : sequence of str
            Child names, or ``""``.

        Returns
        -------
        geometry : dict of str to eegvis.layers.LayerGeometry
        """
        from eegvis.layers import LayerGeometry

        fields, strides = receptive_fields(self), output_strides(self)
        lengths = output_lengths(self, n_times)
        last = list(fields)[-1]
        geometry = {}
        for layer in layers:
            name = layer or last
            if name not in fields:
                raise KeyError(f"no such layer: {layer!r}; layers are {list(fields)}")
            n = lengths[name]
            squeezed = not layer and n == 1  # the output drops a time axis of length 1
            geometry[layer] = LayerGeometry(
                fields[name], strides[name], 0, n, slice(0, n), None if squeezed else 2
            )
        return geometry

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


class Deep4Net(SplitFirstLayerNet):
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

    #: Layers the analyses use when none are named.
    analysed_layers = BLOCK_OUTPUTS

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
            n_filters = self._add_first_block(
                n_chans,
                n_filters_time,
                filter_time_length,
                n_filters_spat if split_first_layer else None,
                conv_stride,
                bias=not batch_norm,
            )
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
            _initialise(self)


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


class ShallowFBCSPNet(SplitFirstLayerNet):
    """Shallow ConvNet of Schirrmeister et al. (2017), equivalent to braindecode 0.4's.

    A temporal and a spatial convolution (filter bank and CSP-like spatial
    filters), squaring, mean pooling, log and a convolutional classifier.
    Children, in order: ``conv_time``, ``conv_spat`` (only with
    ``split_first_layer``), ``bnorm`` (only with ``batch_norm``),
    ``conv_nonlin``, ``pool``, ``pool_nonlin``, ``drop``, ``conv_classifier``,
    ``softmax``, ``squeeze``. Layout and initialisation as :class:`Deep4Net`.

    Parameters
    ----------
    n_chans, n_classes, n_times : int
        EEG channels, classes and input length in samples.
    final_conv_length : int | "auto"
        Classifier kernel length; ``"auto"`` spans the whole pooled output for
        ``n_times`` samples.
    n_filters_time, filter_time_length : int
        Temporal filters and their length.
    n_filters_spat : int
        Spatial filters.
    pool_time_length, pool_time_stride : int
        Mean-pooling window and stride.
    pool_mode : "mean" | "max"
        Pooling.
    split_first_layer, batch_norm : bool
        As for :class:`Deep4Net`.
    batch_norm_alpha : float
        Batch norm momentum.
    drop_prob : float
        Dropout probability before the classifier.
    random_state : int | None
        As for :class:`Deep4Net`.
    """

    #: Layers the analyses use when none are named.
    analysed_layers = SHALLOW_OUTPUTS

    def __init__(
        self,
        n_chans: int,
        n_classes: int,
        n_times: int,
        final_conv_length: int | str = 30,
        n_filters_time: int = 40,
        filter_time_length: int = 25,
        n_filters_spat: int = 40,
        pool_time_length: int = 75,
        pool_time_stride: int = 15,
        pool_mode: str = "mean",
        split_first_layer: bool = True,
        batch_norm: bool = True,
        batch_norm_alpha: float = 0.1,
        drop_prob: float = 0.5,
        random_state: int | None = None,
    ) -> None:
        super().__init__()
        pools = {"max": nn.MaxPool1d, "mean": nn.AvgPool1d}
        if pool_mode not in pools:
            raise ValueError(f"pool_mode must be 'max' or 'mean', got {pool_mode!r}.")
        self.n_chans, self.n_classes, self.n_times = n_chans, n_classes, n_times
        with _seeded(random_state):
            n_filters = self._add_first_block(
                n_chans,
                n_filters_time,
                filter_time_length,
                n_filters_spat if split_first_layer else None,
                bias=not batch_norm,
            )
            if batch_norm:
                self.add_module("bnorm", nn.BatchNorm1d(n_filters, momentum=batch_norm_alpha))
            self.add_module("conv_nonlin", Expression(square))
            self.add_module("pool", pools[pool_mode](pool_time_length, pool_time_stride))
            self.add_module("pool_nonlin", Expression(safe_log))
            self.add_module("drop", nn.Dropout(drop_prob))
            if final_conv_length == "auto":
                final_conv_length = output_lengths(self, n_times)["drop"]
            self.add_module("conv_classifier", TimeConv(n_filters, n_classes, final_conv_length))
            self.add_module("softmax", nn.LogSoftmax(dim=1))
            self.add_module("squeeze", Expression(_squeeze_time))
            _initialise(self)


def _initialise(model: nn.Module) -> None:
    """Initialise as braindecode 0.4: Xavier conv weights in layer order, zero conv biases."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.xavier_uniform_(module.weight, gain=1)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
