"""Amplitude gradients: the noise-free limit of the amplitude perturbation.

Analysis C: for a crop ``x`` with real-FFT amplitudes ``a`` (channel x
frequency) and phases ``phi``, let ``p_k`` be class ``k``'s prediction before
the softmax, averaged over the dense outputs. The amplitude gradient is
``d p_k / d a`` with the phases held fixed: the crop is rebuilt as
``irfft(a * exp(i phi))`` in torch and the prediction is backpropagated to
``a``. Its mean over crops is, up to one constant per class, what the additive
amplitude perturbation of :mod:`eegvis.analyses.perturbation` estimates by Monte Carlo
(for small noise, ``cov(noise, prediction change)`` is ``noise_std**2`` times
the mean gradient), computed exactly with one forward and one backward pass
per class and batch. :func:`eegvis.analyses.perturbation.band_mean` averages the map
over a frequency band.

The definition is braindecode's (0.8.1 ``compute_amplitude_gradients``),
which returns the gradients per crop divided by the batch size; see
:func:`amplitude_gradients` for the exact rescaling.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from eegvis.analyses._shared import (
    amplitude_and_phase,
    check_crops,
    check_labelled_crops,
    device_and_dtype,
    predict,
    predicting,
)
from eegvis.models.inference import inference_copy
from eegvis.utils.docs import fill_doc


@fill_doc
def amplitude_gradients(
    model: nn.Module,
    X: np.ndarray | torch.Tensor,
    sfreq: float,
    *,
    batch_size: int = 64,
    strip_log_softmax: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean gradient of each class's prediction with respect to the spectral amplitudes.

    For every crop, ``spectrum = rfft(x)`` along time (``torch.fft.rfft``,
    unnormalized, in the units of the input), ``a = |spectrum|`` and ``phi =
    angle(spectrum)`` (0 where ``a`` is 0, as ``numpy.angle``). The crop is
    rebuilt as ``irfft(a * exp(i phi), n=n_times)`` with ``a`` requiring
    gradients, and ``p_k`` (the model output for class ``k``, averaged over
    all axes after the class axis) is backpropagated to ``a``. The result is
    the mean over crops of ``d p_k / d a``. Note the irfft convention:
    ``d x[t] / d a_f = c_f / n_times * cos(phi_f + 2 pi f t / n_times)`` with
    ``c_f = 2``, except ``c_f = 1`` for the DC bin and, for even
    ``n_times``, the Nyquist bin.

    Relation to braindecode 0.8.1: ``compute_amplitude_gradients(model,
    dataset, batch_size)`` returns a float32 array of shape (n_classes,
    n_examples, n_chans, n_freqs) whose entry for class ``k`` and crop ``i``
    is the gradient of the mean of output ``k`` over the crop's batch and the
    dense outputs, i.e. ``d p_k(x_i) / d a_i`` divided by ``B_i``, the number
    of crops in the batch of crop ``i``. It uses the model as it is (its
    training mode, its softmax if it has one). So, for the same model in eval
    mode, ``amplitude_gradients`` equals ``mean_i(B_i * g[:, i])`` moved to
    axes (n_chans, n_freqs, n_classes); with all crops in one batch that is
    ``g.sum(axis=1).transpose(1, 2, 0)``.

    The model runs in eval mode (so that the crops of a batch do not interact
    through batch norm and the gradients of ``sum_i p_k(x_i)`` are the
    per-crop gradients) on the device of its parameters, as its
    differentiable inference copy (:func:`eegvis.models.inference.inference_copy`:
    batch norms folded into the convolutions, and on a CPU time-major
    convolutions and pooling); ``model`` itself is not changed, and no
    gradient is accumulated in its parameters. Gradients are summed over
    batches in float64; the memory needed is set by ``batch_size``.

    Parameters
    ----------
    %(crops_model)s
    X : numpy.ndarray or torch.Tensor, shape (n_examples, n_chans, n_times)
        The input crops, real. They are moved to the model's device one batch
        at a time; spectra and gradients are computed in the model's dtype,
        at least float32.
    sfreq : float
        Sampling frequency of ``X`` in Hz; only used for the returned
        frequency axis.
    batch_size : int
        Number of crops per forward and backward pass; bounds the memory used.
        The result does not depend on it (up to floating-point rounding).
    strip_log_softmax : bool
        If True, the last ``torch.nn.LogSoftmax`` submodule of ``model`` (in
        ``model.modules()`` order) is bypassed with a forward hook while this
        function runs, so that the raw class scores are differentiated. The
        model itself is not changed.

    Returns
    -------
    gradients : numpy.ndarray, shape (n_chans, n_freqs, n_classes)
        Mean amplitude gradient over crops, float64; ``n_freqs = n_times // 2
        + 1`` rFFT bins. Units: output units per input unit (the spectrum is
        unnormalized). On the CPU, equal inputs give bit-identical results.
    %(rfft_freqs)s

    Raises
    ------
    ValueError
        If an argument is out of range, ``X`` is complex or does not have
        three axes, the model output does not have a class axis, or
        ``strip_log_softmax`` is set and the model has no ``LogSoftmax``.
    """
    X = torch.as_tensor(X).detach()
    check_crops(X, sfreq, batch_size, min_examples=1)
    device, dtype = device_and_dtype(model)
    fft_dtype = torch.promote_types(dtype, torch.float32)  # no half-precision FFTs
    n_examples, n_chans, n_times = X.shape
    total = None
    model = inference_copy(model, differentiable=True)
    with predicting(model, strip_log_softmax), torch.enable_grad():
        for first in range(0, n_examples, batch_size):
            x = X[first : first + batch_size].to(device, fft_dtype)
            gradients = _batch_gradients(model, x, dtype)
            if total is None:
                total = torch.zeros(gradients.shape[1:], dtype=torch.float64, device=device)
            total += gradients.sum(dim=0)
    mean = (total / n_examples).cpu().numpy()
    return mean, np.fft.rfftfreq(n_times, d=1.0 / sfreq)


def _batch_gradients(model: nn.Module, x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Per-crop amplitude gradients of shape (batch, n_chans, n_freqs, n_classes), float64.

    ``x`` (batch, n_chans, n_times) is already on the model's device, in the FFT
    dtype; the rebuilt crops are cast to the model's ``dtype``.
    """
    amplitude, phase = amplitude_and_phase(x)
    amplitude.requires_grad_(True)
    crops = torch.fft.irfft(amplitude * phase, n=x.shape[-1])
    predictions = predict(model, crops.to(dtype))
    n_classes = predictions.shape[1]
    # The crops do not interact (eval mode), so the gradient of the sum over the batch
    # holds every crop's own gradient.
    per_class = []
    for k in range(n_classes):
        (gradient,) = torch.autograd.grad(
            predictions[:, k].sum(), amplitude, retain_graph=k < n_classes - 1
        )
        per_class.append(gradient.double())
    return torch.stack(per_class, dim=-1)


def class_amplitude_difference(X: np.ndarray, y: np.ndarray, n_classes: int) -> np.ndarray:
    """Mean spectral amplitude of each class's crops minus that of the other classes' crops.

    Multiplied by the mean amplitude gradient of class ``k``, this is the
    first-order change of class ``k``'s prediction that the class difference
    in amplitude at each (channel, frequency) produces: the gradient
    *attribution* of the workflow, a map that is zero in expectation wherever
    the data hold no class difference, whatever the network.

    Parameters
    ----------
    X : numpy.ndarray, shape (n_examples, n_chans, n_times)
        Crops.
    y : numpy.ndarray of int, shape (n_examples,)
        Class of each crop, in ``0 .. n_classes - 1``.
    n_classes : int
        Number of classes.

    Returns
    -------
    difference : numpy.ndarray, shape (n_chans, n_freqs, n_classes)
        ``mean |rfft(x)|`` over the crops of class ``k`` minus the mean over
        all other crops, float64 (``numpy.fft.rfft``, unnormalized); NaN for a
        class without crops (or when all crops are of one class).

    Raises
    ------
    ValueError
        If the shapes disagree or a label is out of range.
    """
    X, y = np.asarray(X), np.asarray(y)
    check_labelled_crops(X, y, n_classes)
    amplitudes = np.abs(np.fft.rfft(X.astype(np.float64), axis=-1))
    difference = np.full((*amplitudes.shape[1:], n_classes), np.nan)
    for k in range(n_classes):
        inside = y == k
        if inside.any() and not inside.all():
            difference[..., k] = amplitudes[inside].mean(axis=0) - amplitudes[~inside].mean(axis=0)
    return difference
