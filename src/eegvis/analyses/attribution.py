"""Attribution methods on crops: Captum's, Zennit's LRP and Haufe's patterns, on one footing.

Every method explains ``p_k``, class ``k``'s score before the softmax averaged
over the dense outputs (the quantity of :mod:`eegvis.analyses.gradients`), for
every crop and every class, with respect to

- the crop's real-FFT amplitudes with its phases held fixed
  (``domain="spectrum"``): the crop is rebuilt from them by
  :class:`SpectralSynthesis` (``irfft(a * exp(i phi))``, the construction of
  the amplitude gradient), so every method gives channel x frequency maps; or
- its time samples (``domain="time"``): channel x time maps, what Captum and
  braindecode's wrappers (``braindecode.visualization``) return.

The methods (:data:`METHODS`):

- ``saliency``: ``|d p_k / d a|`` (Captum ``Saliency``).
- ``input_x_gradient``: ``a * d p_k / d a`` (Captum ``InputXGradient``).
- ``integrated_gradients``: the path integral of the gradient from the zero
  input (no signal) to ``a`` times ``a`` (Captum ``IntegratedGradients``,
  ``n_steps`` Gauss-Legendre points); sums to ``p_k(a) - p_k(0)``.
- ``deeplift``: DeepLIFT's rescale rule against the zero input (Captum
  ``DeepLift``); ELUs and max pooling get their DeepLIFT rules, which is why
  the network runs as its :func:`eegvis.models.attribution_copy`.
- ``gradient_shap``: expected gradients (Captum ``GradientShap``), baselines
  drawn from the other crops of the same batch (the data's distribution),
  ``n_samples`` draws per crop, seeded.
- ``occlusion``: the change of ``p_k`` when a window of ``window`` features
  (frequency bins or samples) of one channel is set to zero (Captum
  ``Occlusion``); one forward pass per window and channel, so slow.
- ``lrp``: layer-wise relevance propagation with Zennit's rules (Captum's LRP
  rejects ELU). Default composite ``epsilon``: the epsilon rule for every
  convolution and dense layer, activations passed, which conserves the class
  score up to what biases absorb and suits the signed inputs of EEG; Zennit's
  named composites (e.g. ``epsilon_alpha2_beta1``, alpha-beta for
  convolutions, which does not conserve where a neuron's inputs all push one
  way) are options. In the spectral domain the synthesis itself is
  an epsilon-rule layer, so relevance flows from the crop back to its
  amplitudes as through any linear layer. The relevance of the output is the
  class score.
- ``haufe``: not a per-crop method. :func:`haufe_patterns` turns a subject's
  mean amplitude gradient (a backward model's filter) into an activation
  pattern: the class-centred gradient times the covariance of the crops'
  amplitudes (Haufe et al. 2014; braindecode's interpretability tutorial).
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor, nn

from eegvis.analyses._explained import ClassScores, SpectralSynthesis
from eegvis.analyses._method_calls import CAPTUM_CALLS, lrp
from eegvis.analyses._shared import amplitude_and_phase, check_labelled_crops, device_and_dtype
from eegvis.analyses.methods import CROP_METHODS, method_options
from eegvis.models.inference import attribution_copy

Domain = Literal["spectrum", "time"]
DOMAINS = ("spectrum", "time")


def explained_model(
    model: nn.Module,
    n_times: int,
    domain: Domain,
    *,
    strip_log_softmax: bool = False,
    rule_layers: bool = False,
) -> ClassScores:
    """Return what the methods differentiate: the network's class scores of the inputs.

    Parameters
    ----------
    model : torch.nn.Module
        Any network with output (batch, n_classes, ...); its
        :func:`~eegvis.models.attribution_copy` is used, so ``model`` is not changed.
    n_times : int
        Samples per crop.
    domain : {"spectrum", "time"}
        What the inputs are: amplitudes (with phases) or samples.
    strip_log_softmax : bool
        Explain the scores before the network's last ``nn.LogSoftmax``.
    rule_layers : bool
        Standard PyTorch convolutions (for LRP's rules) instead of the faster CPU
        layout (see :func:`~eegvis.models.attribution_copy`).

    Returns
    -------
    ClassScores
    """
    _check_domain(domain)
    synthesis = SpectralSynthesis(n_times) if domain == "spectrum" else None
    copy = attribution_copy(model, strip_log_softmax=strip_log_softmax, rule_layers=rule_layers)
    return ClassScores(copy, synthesis, rule_layers=rule_layers)


def method_inputs(x: Tensor, domain: Domain) -> tuple[Tensor, Tensor | None]:
    """Return the inputs the methods attribute to, and the phases (None in the time domain).

    Parameters
    ----------
    x : torch.Tensor, shape (batch, n_chans, n_times)
        Crops, real.
    domain : {"spectrum", "time"}

    Returns
    -------
    inputs : torch.Tensor
        ``x``, or ``|rfft(x)|`` (batch, n_chans, n_times // 2 + 1).
    phase : torch.Tensor | None
        ``exp(i angle(rfft(x)))``, 1 where the amplitude is 0.
    """
    _check_domain(domain)
    return (x, None) if domain == "time" else amplitude_and_phase(x)


def attribute(
    explained: ClassScores,
    inputs: Tensor,
    phase: Tensor | None,
    target: Tensor,
    method: str,
    **options: Any,
) -> Tensor:
    """Attribution of ``explained``'s score of ``target`` to each input feature.

    Parameters
    ----------
    explained : ClassScores
        From :func:`explained_model`.
    inputs, phase : torch.Tensor
        From :func:`method_inputs`, on the model's device.
    target : torch.Tensor of int, shape (batch,)
        The class explained for each input.
    method : str
        One of :data:`CROP_METHODS`.
    **options
        The method's options (:data:`METHOD_OPTIONS`); others are an error.

    Returns
    -------
    attribution : torch.Tensor
        The shape of ``inputs``.
    """
    options = method_options(method, options)
    if method == "lrp":
        if not explained.rule_layers:
            raise ValueError("method 'lrp' needs explained_model(..., rule_layers=True)")
        return lrp(explained, inputs, phase, target, **options)
    with warnings.catch_warnings():
        # Captum announces the hooks it sets on non-linearities on every call.
        warnings.filterwarnings("ignore", "Setting forward, backward hooks", UserWarning)
        inputs = inputs.detach().requires_grad_(True)
        return CAPTUM_CALLS[method](explained, inputs, phase, target, **options)


def class_attribution_means(
    model: nn.Module,
    X: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    method: str,
    *,
    domain: Domain = "spectrum",
    batch_size: int = 64,
    strip_log_softmax: bool = False,
    **options: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """Each class's mean attribution on its own crops and on the other classes' crops.

    Every batch of crops is attributed for all classes in one call (the batch
    repeated once per class, each copy with its own target).

    Parameters
    ----------
    model : torch.nn.Module
        Any network with output (batch, n_classes, ...), on its device.
    X : numpy.ndarray, shape (n_crops, n_chans, n_times)
        Crops.
    y : numpy.ndarray of int, shape (n_crops,)
        Class of each crop, ``0 .. n_classes - 1``.
    n_classes : int
        Number of classes (the model's outputs).
    method : str
        One of :data:`CROP_METHODS`.
    domain : {"spectrum", "time"}
        Attribute to spectral amplitudes (phases fixed) or to samples.
    batch_size : int
        Inputs per call: ``batch_size // n_classes`` crops, each once per class
        (integrated gradients run ``n_steps`` points in batches of this size).
    strip_log_softmax : bool
        Explain the scores before the network's last ``nn.LogSoftmax``.
    **options
        The method's options (:data:`METHOD_OPTIONS`).

    Returns
    -------
    own, other : numpy.ndarray, shape (n_chans, n_features, n_classes)
        Float64. ``own[..., k]``: the mean attribution to class ``k`` over the
        crops of class ``k``; ``other[..., k]``: over the other crops (NaN for
        a class without crops). ``n_features`` is ``n_times // 2 + 1``
        frequency bins, or ``n_times`` samples.

    Raises
    ------
    ValueError
        If the method is ``haufe`` or unknown, or the shapes disagree.
    """
    if method not in CROP_METHODS:
        raise ValueError(f"method must be one of {list(CROP_METHODS)}, got {method!r}")
    X, y = np.asarray(X), np.asarray(y)
    check_labelled_crops(X, y, n_classes)
    options = method_options(method, options)
    explained = explained_model(
        model,
        X.shape[-1],
        domain,
        strip_log_softmax=strip_log_softmax,
        rule_layers=method == "lrp",
    )
    device, dtype = device_and_dtype(model)
    own = other = None
    step = max(1, batch_size // n_classes)  # crops per call: the call holds one copy per class
    for first in range(0, len(X), step):
        x = torch.as_tensor(X[first : first + step]).to(device, dtype)
        attribution = _all_classes(explained, x, n_classes, domain, method, first, options)
        if own is None:
            own = np.zeros((*attribution.shape[1:3], n_classes))
            other = np.zeros_like(own)
        labels = y[first : first + len(x)]
        for k in range(n_classes):
            own[..., k] += attribution[labels == k, ..., k].sum(axis=0)
            other[..., k] += attribution[labels != k, ..., k].sum(axis=0)
    counts = np.bincount(y, minlength=n_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return own / counts, other / (len(y) - counts)


def _all_classes(
    explained: ClassScores,
    x: Tensor,
    n_classes: int,
    domain: Domain,
    method: str,
    first: int,
    options: dict[str, Any],
) -> np.ndarray:
    """Attributions of a batch to every class: (batch, n_chans, n_features, n_classes)."""
    inputs, phase = method_inputs(x, domain)
    batch = len(x)
    repeated = inputs.repeat(n_classes, 1, 1)
    phases = None if phase is None else phase.repeat(n_classes, 1, 1)
    target = torch.arange(n_classes, device=x.device).repeat_interleave(batch)
    if "seed" in options:  # a stochastic method: one seed per batch, the same on every run
        options = {**options, "seed": options["seed"] + first}
    attribution = attribute(explained, repeated, phases, target, method, **options)
    attribution = attribution.detach().double().cpu().numpy()
    return np.moveaxis(attribution.reshape(n_classes, batch, *inputs.shape[1:]), 0, -1)


def haufe_patterns(gradients: np.ndarray, amplitudes: np.ndarray) -> np.ndarray:
    """Activation patterns of amplitude gradients: amplitude covariance x centred gradient.

    Haufe et al. (2014): the weights of a backward model (here the mean
    amplitude gradient, a linearisation of the network) are not where the
    class signal is; the covariance of the features times the weights is. As
    in braindecode's interpretability tutorial, the gradients are centred over
    classes first (the mean over classes removes what all classes share,
    mostly the 1/f spectrum) and the covariance is the full (channel x
    frequency) covariance of the crops' amplitudes, applied without forming it:
    ``pattern_k = A_c.T @ (A_c @ g_k) / (n - 1)`` with ``A_c`` the centred
    amplitudes of the ``n`` crops.

    Parameters
    ----------
    gradients : numpy.ndarray, shape (n_chans, n_freqs, n_classes)
        Mean amplitude gradient of each class
        (:func:`eegvis.analyses.gradients.amplitude_gradients`).
    amplitudes : numpy.ndarray, shape (n_crops, n_chans, n_freqs)
        The crops' spectral amplitudes.

    Returns
    -------
    patterns : numpy.ndarray, shape (n_chans, n_freqs, n_classes)
        Float64, in (amplitude unit) x (score unit).

    Raises
    ------
    ValueError
        If the shapes disagree or there are fewer than two crops.
    """
    gradients, amplitudes = np.asarray(gradients), np.asarray(amplitudes)
    if gradients.ndim != 3 or amplitudes.ndim != 3 or amplitudes.shape[1:] != gradients.shape[:2]:
        raise ValueError(
            f"gradients (n_chans, n_freqs, n_classes) and amplitudes (n_crops, n_chans, "
            f"n_freqs) disagree: {gradients.shape} and {amplitudes.shape}"
        )
    if len(amplitudes) < 2:
        raise ValueError(f"a covariance needs at least 2 crops, got {len(amplitudes)}")
    n_crops, n_features = len(amplitudes), gradients.shape[0] * gradients.shape[1]
    centred = amplitudes.reshape(n_crops, n_features).astype(np.float64)
    centred -= centred.mean(axis=0)
    weights = gradients.reshape(n_features, -1).astype(np.float64)
    weights = weights - weights.mean(axis=1, keepdims=True)
    patterns = centred.T @ (centred @ weights) / (n_crops - 1)
    return patterns.reshape(gradients.shape)


def _check_domain(domain: str) -> None:
    if domain not in DOMAINS:
        raise ValueError(f"domain must be one of {list(DOMAINS)}, got {domain!r}")
