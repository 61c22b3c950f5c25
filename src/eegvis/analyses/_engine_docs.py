"""Docs that the spectral analysis engines share, as :data:`eegvis.utils.docs.docdict` entries.

:mod:`~eegvis.analyses.gradients` and :mod:`~eegvis.analyses.perturbation`
take the same network and return the same frequency axis; importing
:func:`fill_doc` from here adds their entries to the docdict first.

Private to :mod:`eegvis.analyses`.
"""

from __future__ import annotations

from eegvis.utils.docs import docdict, fill_doc

__all__ = ["fill_doc"]

docdict["crops_model"] = """model : torch.nn.Module
    Maps crops of shape (batch, n_chans, n_times) to outputs of shape
    (batch, n_classes) or (batch, n_classes, n_preds, ...); trailing axes
    (dense predictions over time) are averaged. The outputs should be the
    predictions before the softmax: pass the network without its final
    ``LogSoftmax``, or set ``strip_log_softmax``."""
docdict["rfft_freqs"] = """freqs : numpy.ndarray, shape (n_freqs,)
    Frequency of each bin in Hz (``numpy.fft.rfftfreq(n_times, 1 /
    sfreq)``)."""
