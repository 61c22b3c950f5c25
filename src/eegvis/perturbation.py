"""Spectral perturbation correlations: which input frequencies drive a ConvNet's predictions.

Analysis B of Schirrmeister et al. (2017), section A.5.2 ("amplitude
perturbation"): the input crops are taken apart with a real FFT along time,
their spectral amplitudes are perturbed with random noise, the crops are put
back together with the original phases and pushed through the network, and the
amplitude change at every (channel, frequency) is correlated, across examples,
with the change of every class's prediction. A map with large positive values
at (channel, frequency) says: more amplitude there, more evidence for the
class.

:func:`amplitude_perturbation_correlation` computes these maps for any torch
module; :func:`band_mean` averages them over a frequency band for a scalp
map. The perturbations follow braindecode 0.4
(``braindecode.visualization.perturbation``), whose results this module
reproduces: to about 1e-6 when both draw the same noise, statistically
otherwise (same estimator, different random streams):

``"additive"`` (default)
    ``amplitude + N(0, noise_std**2)`` clipped at zero; the correlated value is
    the actual amplitude change after clipping. ``noise_std`` defaults to 1.0,
    in the units of the spectrum (``numpy.fft.rfft`` of the crops: input
    units, unnormalized).
``"multiplicative"``
    ``amplitude * f`` with ``f ~ N(1, noise_std**2)`` (``noise_std`` defaults
    to 0.02), ``f`` clipped at zero; the correlated value is the relative
    change ``f - 1``, which has the same Pearson correlation as braindecode's
    ``f``.
``"phase"``
    Every phase is shifted by ``theta ~ U(-pi, pi)``, drawn per example and
    frequency and shared by all channels (so the phase relations between
    channels survive); the correlated value is ``|theta|``. The map therefore
    has a single channel row: shape ``(1, n_freqs, n_classes)``.

All heavy work runs batched in torch on the model's device; the memory needed
is set by ``batch_size``, not by the number of examples.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import numpy as np
import torch
from torch import nn

log = logging.getLogger(__name__)

Perturbation = Literal["additive", "multiplicative", "phase"]
PERTURBATIONS: tuple[str, ...] = ("additive", "multiplicative", "phase")
DEFAULT_NOISE_STD = {"additive": 1.0, "multiplicative": 0.02}


def amplitude_perturbation_correlation(
    model: nn.Module,
    X: np.ndarray | torch.Tensor,
    sfreq: float,
    *,
    n_iterations: int = 12,
    perturbation: Perturbation = "additive",
    noise_std: float | None = None,
    batch_size: int = 64,
    seed: int = 0,
    strip_log_softmax: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Correlate random spectral perturbations of the inputs with prediction changes.

    For each of ``n_iterations`` iterations, every example gets a fresh random
    perturbation of its spectrum (see the module docstring for the three
    kinds); the change of each class's prediction (mean over dense outputs)
    relative to the unperturbed input is correlated (Pearson, across
    examples) with the perturbation at each (channel, frequency). The result
    is the mean of the per-iteration correlations.

    The model runs in eval mode under ``torch.no_grad`` on the device of its
    parameters; the training flags of all its modules are restored afterwards.
    The correlation is accumulated over batches from float64 sums (of ``a``,
    ``a**2``, ``p``, ``p**2`` and ``a * p`` for perturbation ``a`` and
    prediction change ``p``), so no array of size ``n_examples * n_chans *
    n_freqs`` is ever held.

    Parameters
    ----------
    model : torch.nn.Module
        Maps crops of shape (batch, n_chans, n_times) to outputs of shape
        (batch, n_classes) or (batch, n_classes, n_preds, ...); trailing axes
        (dense predictions over time) are averaged. The outputs should be the
        predictions before the softmax: pass the network without its final
        ``LogSoftmax``, or set ``strip_log_softmax``.
    X : numpy.ndarray or torch.Tensor, shape (n_examples, n_chans, n_times)
        The input crops, at least two. They are moved to the model's device
        and dtype one batch at a time (spectra are computed in at least
        float32).
    sfreq : float
        Sampling frequency of ``X`` in Hz; only used for the returned
        frequency axis.
    n_iterations : int
        Number of independent perturbation rounds to average (the paper and
        braindecode's tutorial use 12 for 64 channels).
    perturbation : {"additive", "multiplicative", "phase"}
        What to perturb; see the module docstring.
    noise_std : float or None
        Standard deviation of the Gaussian noise: absolute spectral amplitude
        for ``"additive"`` (default 1.0), relative for ``"multiplicative"``
        (default 0.02). Must be None for ``"phase"``.
    batch_size : int
        Number of crops per forward pass; bounds the memory used.
    seed : int
        Seed of the ``torch.Generator`` (on the CPU) that draws all noise,
        example by example in input order and iteration after iteration, so
        the result depends neither on ``batch_size`` nor on the device (up to
        floating-point rounding). On the CPU, equal seeds give equal results.
    strip_log_softmax : bool
        If True, the last ``torch.nn.LogSoftmax`` submodule of ``model`` (in
        ``model.modules()`` order, e.g. braindecode's Deep4Net ``softmax``
        layer) is bypassed with a forward hook while this function runs, so
        that its input, the raw class scores, is used as the prediction. The
        model itself is not changed.

    Returns
    -------
    correlations : numpy.ndarray, shape (n_chans, n_freqs, n_classes)
        Mean correlation over iterations, float64; ``n_freqs = n_times // 2 +
        1`` rFFT bins. For ``"phase"`` the shape is (1, n_freqs, n_classes).
        NaN where the perturbation or the prediction change has zero variance.
    freqs : numpy.ndarray, shape (n_freqs,)
        Frequency of each bin in Hz (``numpy.fft.rfftfreq(n_times, 1 /
        sfreq)``).

    Raises
    ------
    ValueError
        If an argument is out of range, ``X`` does not have three axes, the
        model output does not have a class axis, or ``strip_log_softmax`` is
        set and the model has no ``LogSoftmax``.
    """
    X = torch.as_tensor(X)
    noise_std = _check_arguments(X, sfreq, n_iterations, perturbation, noise_std, batch_size)
    device, dtype = _device_and_dtype(model)
    fft_dtype = torch.promote_types(dtype, torch.float32)  # no half-precision FFTs
    n_examples, n_chans, n_times = X.shape
    n_freqs = n_times // 2 + 1
    n_rows = 1 if perturbation == "phase" else n_chans
    batches = [slice(i, min(i + batch_size, n_examples)) for i in range(0, n_examples, batch_size)]
    generator = torch.Generator().manual_seed(seed)

    with _inference(model, strip_log_softmax):
        start = time.perf_counter()
        original = torch.cat([_predict(model, X[b].to(device, dtype)) for b in batches])
        log.info(
            "Unperturbed predictions of %d crops (%d classes) in %.1f s",
            n_examples,
            original.shape[1],
            time.perf_counter() - start,
        )
        correlation_sum = torch.zeros(n_rows * n_freqs, original.shape[1], dtype=torch.float64)
        for i_iteration in range(n_iterations):
            start = time.perf_counter()
            stats = _CorrelationSums(n_rows * n_freqs, original.shape[1], device)
            for b in batches:
                noise = _draw_noise(generator, perturbation, b.stop - b.start, n_rows, n_freqs)
                values, perturbed = _perturb(
                    X[b].to(device, fft_dtype), perturbation, noise.to(device, fft_dtype), noise_std
                )
                stats.add(values, _predict(model, perturbed.to(dtype)) - original[b])
            correlation_sum += stats.correlation().cpu()
            log.info(
                "Iteration %d/%d (%s perturbation) done in %.1f s",
                i_iteration + 1,
                n_iterations,
                perturbation,
                time.perf_counter() - start,
            )
    correlations = (correlation_sum / n_iterations).reshape(n_rows, n_freqs, -1).numpy()
    return correlations, np.fft.rfftfreq(n_times, d=1.0 / sfreq)


def band_mean(correlations: np.ndarray, freqs: np.ndarray, low: float, high: float) -> np.ndarray:
    """Average a correlation map over the frequency bins in ``[low, high]`` Hz.

    Parameters
    ----------
    correlations : numpy.ndarray, shape (n_chans, n_freqs, n_classes)
        As returned by :func:`amplitude_perturbation_correlation`.
    freqs : numpy.ndarray, shape (n_freqs,)
        Frequency of each bin in Hz.
    low, high : float
        Band edges in Hz, both included.

    Returns
    -------
    numpy.ndarray, shape (n_chans, n_classes)
        Mean over the bins with ``low <= freq <= high``.

    Raises
    ------
    ValueError
        If the shapes disagree or no bin lies in the band.
    """
    if correlations.ndim != 3 or correlations.shape[1] != len(freqs):
        raise ValueError(
            f"correlations must have shape (n_chans, {len(freqs)}, n_classes) to match freqs, "
            f"got {correlations.shape}"
        )
    in_band = (freqs >= low) & (freqs <= high)
    if not in_band.any():
        raise ValueError(
            f"no frequency bin in [{low}, {high}] Hz (bins span {freqs[0]}-{freqs[-1]})"
        )
    return correlations[:, in_band].mean(axis=1)


def _check_arguments(
    X: torch.Tensor,
    sfreq: float,
    n_iterations: int,
    perturbation: str,
    noise_std: float | None,
    batch_size: int,
) -> float:
    """Validate the arguments; return the noise standard deviation to use (NaN for phase)."""
    if X.ndim != 3 or X.shape[0] < 2 or X.shape[2] < 2:
        raise ValueError(
            "X must have shape (n_examples, n_chans, n_times) with at least 2 examples and "
            f"2 samples, got {tuple(X.shape)}"
        )
    if not sfreq > 0:
        raise ValueError(f"sfreq must be positive, got {sfreq}")
    if n_iterations < 1:
        raise ValueError(f"n_iterations must be at least 1, got {n_iterations}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if perturbation not in PERTURBATIONS:
        raise ValueError(f"perturbation must be one of {PERTURBATIONS}, got {perturbation!r}")
    if perturbation == "phase":
        if noise_std is not None:
            raise ValueError("noise_std must be None for perturbation='phase'")
        return math.nan
    if noise_std is None:
        return DEFAULT_NOISE_STD[perturbation]
    if not noise_std > 0:
        raise ValueError(f"noise_std must be positive, got {noise_std}")
    return noise_std


def _device_and_dtype(model: nn.Module) -> tuple[torch.device, torch.dtype]:
    """Device and dtype of the model's first floating-point parameter (or buffer)."""
    tensors = itertools.chain(model.parameters(), model.buffers())
    first = next((t for t in tensors if t.is_floating_point()), None)
    if first is None:
        return torch.device("cpu"), torch.get_default_dtype()
    return first.device, first.dtype


@contextmanager
def _inference(model: nn.Module, strip_log_softmax: bool) -> Iterator[None]:
    """Run ``model`` in eval mode without gradients, optionally bypassing its LogSoftmax."""
    hook = None
    if strip_log_softmax:
        log_softmaxes = [m for m in model.modules() if isinstance(m, nn.LogSoftmax)]
        if not log_softmaxes:
            raise ValueError("strip_log_softmax=True but the model has no nn.LogSoftmax")
        hook = log_softmaxes[-1].register_forward_hook(lambda module, inputs, output: inputs[0])
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for module, training in modes:
            module.training = training
        if hook is not None:
            hook.remove()


def _predict(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Class predictions of shape (batch, n_classes), float64, averaged over dense outputs."""
    out = model(x)
    if out.ndim < 2 or out.shape[0] != x.shape[0]:
        raise ValueError(
            f"model output must have shape (batch, n_classes, ...), got {tuple(out.shape)} "
            f"for input {tuple(x.shape)}"
        )
    return out.reshape(out.shape[0], out.shape[1], -1).mean(dim=2).double()


def _draw_noise(
    generator: torch.Generator, perturbation: str, n_examples: int, n_rows: int, n_freqs: int
) -> torch.Tensor:
    """Draw noise of shape (n_examples, n_rows, n_freqs): N(0, 1), or U(-pi, pi) for phase.

    One draw per example keeps the stream independent of how examples are batched.
    """
    if perturbation == "phase":
        draws = [
            (2 * torch.rand(n_rows, n_freqs, generator=generator) - 1) * math.pi
            for _ in range(n_examples)
        ]
    else:
        draws = [torch.randn(n_rows, n_freqs, generator=generator) for _ in range(n_examples)]
    return torch.stack(draws)


def _perturb(
    x: torch.Tensor, perturbation: str, noise: torch.Tensor, noise_std: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Perturb the spectra of a batch of crops.

    Parameters
    ----------
    x : torch.Tensor, shape (batch, n_chans, n_times)
        Crops.
    perturbation : str
        One of :data:`PERTURBATIONS`.
    noise : torch.Tensor, shape (batch, n_rows, n_freqs)
        Standard noise from :func:`_draw_noise` (``n_rows`` is 1 for phase).
    noise_std : float
        Scale of Gaussian noise (unused for phase).

    Returns
    -------
    values : torch.Tensor, shape (batch, n_rows, n_freqs)
        The perturbation to correlate with the prediction change.
    perturbed : torch.Tensor, shape (batch, n_chans, n_times)
        The perturbed crops, ``x + irfft(spectrum change)``.
    """
    n_times = x.shape[-1]
    spectrum = torch.fft.rfft(x)
    if perturbation == "additive":
        amplitude = spectrum.abs()
        values = (amplitude + noise_std * noise).clamp_min(0) - amplitude
        # values * exp(i * phase), with phase 0 where the amplitude is 0 (as numpy.angle);
        # real arithmetic only, which is several times faster than complex torch.where.
        is_zero = amplitude == 0
        change = spectrum * (values / amplitude.masked_fill(is_zero, 1))
        change.real.add_(values * is_zero)
    elif perturbation == "multiplicative":
        values = (1 + noise_std * noise).clamp_min(0) - 1
        change = values * spectrum
    else:
        values = noise.abs()
        change = spectrum * (torch.polar(torch.ones_like(noise), noise) - 1)
    # The DC bin (and the Nyquist bin for even n_times) of a real signal is real; drop any
    # imaginary part explicitly, as numpy's irfft does, whatever the FFT backend.
    change[..., 0].imag.zero_()
    if n_times % 2 == 0:
        change[..., -1].imag.zero_()
    return values, x + torch.fft.irfft(change, n=n_times)


class _CorrelationSums:
    """Float64 sums over examples for Pearson correlations between perturbations and predictions.

    Parameters
    ----------
    n_cells : int
        Number of perturbed cells (rows times frequencies).
    n_classes : int
        Number of prediction outputs.
    device : torch.device
        Where the sums live.
    """

    def __init__(self, n_cells: int, n_classes: int, device: torch.device) -> None:
        zeros = {"dtype": torch.float64, "device": device}
        self.n = 0
        self.sum_a = torch.zeros(n_cells, **zeros)
        self.sum_aa = torch.zeros(n_cells, **zeros)
        self.sum_p = torch.zeros(n_classes, **zeros)
        self.sum_pp = torch.zeros(n_classes, **zeros)
        self.sum_ap = torch.zeros(n_cells, n_classes, **zeros)

    def add(self, values: torch.Tensor, changes: torch.Tensor) -> None:
        """Add a batch: ``values`` (batch, ...) perturbations, ``changes`` (batch, n_classes)."""
        a = values.reshape(values.shape[0], -1).double()
        self.n += a.shape[0]
        self.sum_a += a.sum(dim=0)
        self.sum_aa += (a * a).sum(dim=0)
        self.sum_p += changes.sum(dim=0)
        self.sum_pp += (changes * changes).sum(dim=0)
        self.sum_ap += a.T @ changes

    def correlation(self) -> torch.Tensor:
        """Pearson correlations of shape (n_cells, n_classes); NaN where a variance is zero."""
        cov = self.sum_ap - torch.outer(self.sum_a, self.sum_p) / self.n
        var_a = self.sum_aa - self.sum_a**2 / self.n
        var_p = self.sum_pp - self.sum_p**2 / self.n
        scale = torch.outer(var_a, var_p).clamp_min(0).sqrt()
        return torch.where(scale > 0, cov / scale, torch.full_like(cov, math.nan))
