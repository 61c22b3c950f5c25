"""Deep4Net, the "Deep ConvNet" of Schirrmeister et al. (2017), as braindecode 0.4 builds it.

The same children with the same names in the same order, the same parameter
shapes and the same initialisation, drawn from torch's generator in the same
order (tested against braindecode 0.4.85). Dense prediction:
:func:`eegvis.models.dense.to_dense_prediction_model`; layer outputs and
receptive fields of any network: :mod:`eegvis.models.layers`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch.nn.functional as F
from torch import Tensor, nn

from eegvis.models.base import SplitFirstLayerNet, _initialise, _seeded
from eegvis.models.modules import Expression, TimeConv

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
                n_filters_time,
                filter_time_length,
                n_filters_spat if split_first_layer else None,
                conv_stride,
                batch_norm,
                batch_norm_alpha,
            )
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
            self._add_classifier(n_filters, final_conv_length, "pool_nonlin_4")
            _initialise(self)
