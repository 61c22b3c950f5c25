"""What the paper's two networks share: the split first block, slicing, seeding, initialisation."""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence

import torch
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm

from eegvis.models.dense import analytic_fields, output_lengths, output_strides
from eegvis.models.layers import LayerGeometry
from eegvis.models.modules import (
    ChannelwiseTimeConv,
    Expression,
    SpatialConv,
    TimeConv,
    _fused_first_block,
    _squeeze_time,
)


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
        n_filters_time: int,
        filter_time_length: int,
        n_filters_spat: int | None,
        stride: int = 1,
        batch_norm: bool = False,
        batch_norm_alpha: float = 0.1,
    ) -> int:
        """Add ``conv_time`` (and ``conv_spat`` unless ``n_filters_spat`` is None), then ``bnorm``.

        The block reads the network's ``n_chans`` channels. With ``batch_norm``,
        a batch norm ``bnorm`` (momentum ``batch_norm_alpha``) follows and the
        last convolution of the block has no bias; without, it has one
        (``conv_time`` always has one when followed by ``conv_spat``). Returns
        the number of output filters.
        """
        n_chans, bias = self.n_chans, not batch_norm
        if n_filters_spat is None:
            self.add_module(
                "conv_time", TimeConv(n_chans, n_filters_time, filter_time_length, stride, bias)
            )
            n_filters = n_filters_time
        else:
            self.add_module("conv_time", ChannelwiseTimeConv(n_filters_time, filter_time_length))
            self.add_module(
                "conv_spat", SpatialConv(n_filters_time, n_filters_spat, n_chans, stride, bias)
            )
            n_filters = n_filters_spat
        if batch_norm:
            self.add_module("bnorm", nn.BatchNorm1d(n_filters, momentum=batch_norm_alpha))
        return n_filters

    def _add_classifier(self, n_filters: int, final_conv_length: int | str, last: str) -> None:
        """Add ``conv_classifier``, ``softmax`` and ``squeeze``.

        ``final_conv_length="auto"`` makes the classifier's kernel span the
        whole output of the child ``last`` for the network's ``n_times`` samples.
        """
        if final_conv_length == "auto":
            final_conv_length = output_lengths(self, self.n_times)[last]
        self.add_module("conv_classifier", TimeConv(n_filters, self.n_classes, final_conv_length))
        self.add_module("softmax", nn.LogSoftmax(dim=1))
        self.add_module("squeeze", Expression(_squeeze_time))

    def layer_geometry(self, n_times: int, layers: Sequence[str]) -> dict[str, LayerGeometry]:
        """Return the geometry of named layers for ``n_times`` input samples, analytically.

        The same values :func:`eegvis.models.layers.receptive_fields` finds by probing
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
        geometry : dict of str to eegvis.models.layers.LayerGeometry
        """
        fields, strides = analytic_fields(self), output_strides(self)
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
        child in turn. :func:`eegvis.models.layers.receptive_fields` and the analyses do
        so themselves while they capture either layer (see :attr:`fused_layers`).
        """
        children = list(self)
        if self.fuse_first_block and self.fused_layers:
            x = _fused_first_block(children[0], children[1], x)
            children = children[2:]
        for module in children:
            x = module(x)
        return x


def layer_initialisation(module: nn.Module) -> Callable[[nn.Module], None] | None:
    """Return how eegvis's networks initialise a layer of the type of ``module``, if they do.

    As braindecode 0.4: a convolution (``nn.Conv2d``, the type of every eegvis
    convolution) gets Xavier-uniform weights (gain 1) and a zero bias; a batch
    norm (``nn.BatchNorm1d``/``2d``/``3d``) a weight of one, a zero bias and
    reset running statistics (its ``reset_parameters()``: how a new batch norm
    starts).

    Parameters
    ----------
    module : torch.nn.Module
        A layer.

    Returns
    -------
    initialise : callable | None
        ``initialise(module)`` initialises ``module`` in place, drawing from
        torch's global generator; None for other types.
    """
    if isinstance(module, nn.Conv2d):
        return _xavier_uniform
    if isinstance(module, _BatchNorm):
        return _BatchNorm.reset_parameters
    return None


def _xavier_uniform(conv: nn.Conv2d) -> None:
    """Xavier-uniform weights (gain 1) and a zero bias."""
    nn.init.xavier_uniform_(conv.weight, gain=1)
    if conv.bias is not None:
        nn.init.zeros_(conv.bias)


def _initialise(model: nn.Module) -> None:
    """Initialise as braindecode 0.4: Xavier conv weights in layer order, zero conv biases."""
    for module in model.modules():
        initialise = layer_initialisation(module)
        if initialise is not None:
            initialise(module)
