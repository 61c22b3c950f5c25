"""What every analysis engine shares: the network's device and dtype, its predictions, crop checks.

Private to :mod:`eegvis.analyses`; the gradient and perturbation engines call it.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from eegvis.models.layers import evaluating

#: Most crops per forward pass on a CPU: small enough that the layers' outputs stay in
#: the caches (the measurements are in ``benchmarks/README.md``).
CPU_FORWARD_CHUNK = 32


def check_crops(X: torch.Tensor, sfreq: float, batch_size: int, min_examples: int) -> None:
    """Validate the crops, sampling rate and batch size an analysis engine is given.

    Parameters
    ----------
    X : torch.Tensor
        Crops; must be real, of shape (n_examples, n_chans, n_times) with at
        least ``min_examples`` examples, 1 channel and 2 samples.
    sfreq : float
        Sampling rate; must be a positive finite number.
    batch_size : int
        Crops per batch; must be an integer of at least 1.
    min_examples : int
        Fewest crops the analysis can use (2 for a correlation across crops).
    """
    if X.ndim != 3 or X.shape[0] < min_examples or X.shape[1] < 1 or X.shape[2] < 2:
        examples = f"{min_examples} example{'s' if min_examples > 1 else ''}"
        raise ValueError(
            f"X must have shape (n_examples, n_chans, n_times) with at least {examples}, "
            f"1 channel and 2 samples, got {tuple(X.shape)}"
        )
    if X.is_complex():
        raise ValueError(f"X must be real, got dtype {X.dtype}")
    if not (math.isfinite(sfreq) and sfreq > 0):
        raise ValueError(f"sfreq must be a positive finite number, got {sfreq!r}")
    if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer of at least 1, got {batch_size!r}")


def device_and_dtype(model: nn.Module) -> tuple[torch.device, torch.dtype]:
    """Device and dtype of the model's first floating-point parameter (or buffer)."""
    tensors = itertools.chain(model.parameters(), model.buffers())
    first = next((t for t in tensors if t.is_floating_point()), None)
    if first is None:
        return torch.device("cpu"), torch.get_default_dtype()
    return first.device, first.dtype


@contextmanager
def predicting(model: nn.Module, strip_log_softmax: bool) -> Iterator[None]:
    """Run ``model`` in eval mode without gradients, optionally bypassing its LogSoftmax."""
    hook = None
    if strip_log_softmax:
        log_softmaxes = [m for m in model.modules() if isinstance(m, nn.LogSoftmax)]
        if not log_softmaxes:
            raise ValueError("strip_log_softmax=True but the model has no nn.LogSoftmax")
        hook = log_softmaxes[-1].register_forward_hook(lambda module, inputs, output: inputs[0])
    try:
        with evaluating(model):
            yield
    finally:
        if hook is not None:
            hook.remove()


def predict(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Class predictions of shape (batch, n_classes), float64, averaged over dense outputs.

    On a CPU the batch runs in chunks of at most :data:`CPU_FORWARD_CHUNK` crops.
    """
    if x.device.type == "cpu" and len(x) > CPU_FORWARD_CHUNK:
        out = torch.cat([model(chunk) for chunk in x.split(CPU_FORWARD_CHUNK)])
    else:
        out = model(x)
    if out.ndim < 2 or out.shape[0] != x.shape[0]:
        raise ValueError(
            f"model output must have shape (batch, n_classes, ...), got {tuple(out.shape)} "
            f"for input {tuple(x.shape)}"
        )
    return out.reshape(out.shape[0], out.shape[1], -1).mean(dim=2).double()


def spectral_amplitude(spectrum: torch.Tensor) -> torch.Tensor:
    """Return ``spectrum.abs()``, computed as ``sqrt(re**2 + im**2)`` (faster on a CPU).

    Without ``hypot``'s rescaling; equal to within one unit in the last place for
    spectra far from the float range's limits, as EEG spectra are.
    """
    return torch.addcmul(spectrum.real.square(), spectrum.imag, spectrum.imag).sqrt_()


def amplitude_and_phase(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the real-FFT amplitudes of crops and their phases as unit complex numbers.

    ``irfft(amplitude * phase, n=x.shape[-1])`` rebuilds ``x``; the phase is
    ``spectrum / amplitude``, 1 where the amplitude is 0 (the phase of
    ``numpy.angle(0)`` is 0), in half the time of ``angle()`` and ``polar()``.
    """
    spectrum = torch.fft.rfft(x)
    amplitude = spectral_amplitude(spectrum)
    return amplitude, torch.where(amplitude == 0, 1, spectrum / amplitude)


def check_labelled_crops(X: np.ndarray, y: np.ndarray, n_classes: int) -> None:
    """Check labelled crops: X (n_examples, n_chans, n_times), y (n_examples,) in 0..n-1.

    Raises
    ------
    ValueError
        If the shapes disagree or a label lies outside ``0 .. n_classes - 1``.
    """
    if X.ndim != 3 or y.shape != (X.shape[0],):
        raise ValueError(
            f"X must have shape (n_examples, n_chans, n_times) and y (n_examples,), "
            f"got {X.shape} and {y.shape}"
        )
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, got {np.unique(y)}")


def has_log_softmax(model: nn.Module) -> bool:
    return any(isinstance(module, nn.LogSoftmax) for module in model.modules())
