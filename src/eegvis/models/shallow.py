"""ShallowFBCSPNet, the "Shallow ConvNet" of Schirrmeister et al. (2017), as in braindecode 0.4.

Layer for layer braindecode 0.4's network (tested against braindecode 0.4.85),
with the layout and initialisation of :class:`eegvis.models.deep4.Deep4Net`.
"""

from __future__ import annotations

from torch import nn

from eegvis.models.base import SplitFirstLayerNet, _initialise, _seeded
from eegvis.models.modules import Expression, safe_log, square

#: Layers of the Shallow ConvNet analysed by default: the spatial filters, their log
#: band power after pooling, and the classifier (pre-softmax).
SHALLOW_OUTPUTS = ("conv_spat", "pool_nonlin", "conv_classifier")


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
                n_filters_time,
                filter_time_length,
                n_filters_spat if split_first_layer else None,
                batch_norm=batch_norm,
                batch_norm_alpha=batch_norm_alpha,
            )
            self.add_module("conv_nonlin", Expression(square))
            self.add_module("pool", pools[pool_mode](pool_time_length, pool_time_stride))
            self.add_module("pool_nonlin", Expression(safe_log))
            self.add_module("drop", nn.Dropout(drop_prob))
            self._add_classifier(n_filters, final_conv_length, "drop")
            _initialise(self)
