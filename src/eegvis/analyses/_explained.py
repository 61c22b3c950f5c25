"""What attribution methods differentiate: a network's class scores of crops or amplitudes.

Private to :mod:`eegvis.analyses`; :mod:`~eegvis.analyses.attribution` builds these
with :func:`~eegvis.analyses.attribution.explained_model`.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class SpectralSynthesis(nn.Module):
    """Rebuild crops from their real-FFT amplitudes and fixed phases: ``irfft(a * phase)``.

    Parameters
    ----------
    n_times : int
        Samples per crop.

    Attributes
    ----------
    phase : torch.Tensor | None
        ``exp(i phi)`` of the crops, complex, shape (batch, n_chans, n_freqs);
        used when :meth:`forward` gets none (the LRP path, whose rules call a
        layer with one input).
    """

    def __init__(self, n_times: int) -> None:
        super().__init__()
        self.n_times = n_times
        self.phase: Tensor | None = None

    def forward(self, amplitude: Tensor, phase: Tensor | None = None) -> Tensor:
        """Return the crops, (batch, n_chans, n_times), in the amplitudes' dtype."""
        phase = self.phase if phase is None else phase
        return torch.fft.irfft(amplitude * phase, n=self.n_times)


class ClassScores(nn.Module):
    """A network whose output is averaged over its dense outputs: (batch, n_classes).

    Parameters
    ----------
    network : torch.nn.Module
        Its output has shape (batch, n_classes, ...).
    synthesis : SpectralSynthesis | None
        If given, the input is amplitudes, rebuilt into crops first.
    rule_layers : bool
        Whether ``network``'s layers are the standard modules LRP's rules need
        (see :func:`~eegvis.models.attribution_copy`).
    """

    def __init__(
        self,
        network: nn.Module,
        synthesis: SpectralSynthesis | None = None,
        *,
        rule_layers: bool = False,
    ) -> None:
        super().__init__()
        self.synthesis, self.network, self.rule_layers = synthesis, network, rule_layers

    def forward(self, inputs: Tensor, phase: Tensor | None = None) -> Tensor:
        """Class scores of crops (``synthesis`` None) or amplitudes with phases."""
        if self.synthesis is None:
            x = inputs
        elif phase is None:  # the LRP path: one input, the phases set on the synthesis
            x = self.synthesis(inputs)
        else:
            x = self.synthesis(inputs, phase)
        out = self.network(x)
        return out.reshape(out.shape[0], out.shape[1], -1).mean(dim=2)
