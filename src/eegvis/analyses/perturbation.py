"""Spectral perturbation correlations: which input frequencies drive a ConvNet's predictions.

Analysis B of Schirrmeister et al. (2017), section A.5.2 ("amplitude
perturbation"): the input crops are taken apart with a real FFT along time,
their spectral amplitudes are perturbed with random noise, the crops are put
back together with the original phases and pushed through the network, and the
amplitude change at every (channel, frequency) is correlated, across examples,
with the change of every class's prediction. A map with large positive values
at (channel, frequency) says: more amplitude there, more evidence for the
class.

:func:`perturbation_correlations` computes these maps for any torch module, in one
pass over the data: the map pooled over (a chosen subset of) the crops, the
map of every iteration, the map of every group of crops (e.g. per subject),
all from the same noise, and the split-half reliability of the map over
iterations, optionally iterating until it reaches a target.
:func:`amplitude_perturbation_correlation` returns only the pooled map;
:func:`band_mean` averages a map over a frequency band for a scalp map. The
perturbations follow braindecode 0.4 (``braindecode.visualization.perturbation``),
whose results this module reproduces: to about 1e-6 when both draw the same
noise, statistically otherwise (same estimator, different random streams):

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
is set by ``batch_size`` (and the number of groups), not by the number of
examples.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import nn

from eegvis.analyses._noise import Perturbation
from eegvis.analyses._perturbation_iterations import (
    NoiseWorkers,
    Setup,
    iterate,
    log_final_reliability,
    unperturbed_predictions,
)
from eegvis.analyses._perturbation_sums import check_groups, check_pooled, crop_layout
from eegvis.analyses._shared import check_crops, device_and_dtype, predicting
from eegvis.models.inference import inference_copy
from eegvis.utils.docs import fill_doc

PERTURBATIONS: tuple[str, ...] = ("additive", "multiplicative", "phase")
DEFAULT_NOISE_STD = {"additive": 1.0, "multiplicative": 0.02}
#: Fewest iterations after which ``n_iterations="auto"`` may stop (two per split half).
MIN_AUTO_ITERATIONS = 4


@dataclass(frozen=True, eq=False)
class PerturbationMaps:
    """Result of :func:`perturbation_correlations`; all arrays float64 except ``groups``.

    ``n_rows`` is the number of channels, or 1 for ``"phase"``; ``n_freqs =
    n_times // 2 + 1``. Maps are NaN where the perturbation or the prediction
    change has zero variance.

    Attributes
    ----------
    correlations : numpy.ndarray, shape (n_rows, n_freqs, n_classes)
        Mean over iterations of the correlation across the pooled crops (all
        crops unless ``pooled`` was given): the map of
        :func:`amplitude_perturbation_correlation`.
    iterations : numpy.ndarray, shape (n_iterations, n_rows, n_freqs, n_classes)
        The pooled map of each iteration; their mean is ``correlations`` (up to
        rounding).
    freqs : numpy.ndarray, shape (n_freqs,)
        Frequency of each bin in Hz.
    split_half_r : numpy.ndarray, shape (n_iterations,)
        Entry ``k - 1``: Pearson correlation, after ``k`` iterations, between
        the mean of the odd-numbered (1st, 3rd, ...) and the mean of the
        even-numbered iterations' pooled maps, across the cells of the
        reliability map (see :func:`perturbation_correlations`); NaN for ``k = 1`` and
        where undefined.
    split_half_r_sb : numpy.ndarray, shape (n_iterations,)
        The same, Spearman–Brown corrected, ``2 r / (1 + r)``: the estimated
        reliability of the mean over all ``k`` iterations.
    group_correlations : numpy.ndarray or None, shape (n_groups, n_rows, n_freqs, n_classes)
        Per group, the mean over iterations of the correlation across that
        group's crops only (all of them, whatever ``pooled`` says); None
        without ``groups``.
    groups : numpy.ndarray or None, shape (n_groups,)
        The sorted unique group labels, in the order of ``group_correlations``.
    """

    correlations: np.ndarray
    iterations: np.ndarray
    freqs: np.ndarray
    split_half_r: np.ndarray
    split_half_r_sb: np.ndarray
    group_correlations: np.ndarray | None = None
    groups: np.ndarray | None = None

    @property
    def n_iterations(self) -> int:
        """Number of iterations run."""
        return len(self.iterations)

    @property
    def reliability(self) -> float:
        """Final Spearman–Brown corrected split-half reliability (NaN after one iteration)."""
        return float(self.split_half_r_sb[-1])


@fill_doc
def perturbation_correlations(
    model: nn.Module,
    X: np.ndarray | torch.Tensor,
    sfreq: float,
    *,
    groups: np.ndarray | None = None,
    pooled: np.ndarray | None = None,
    n_iterations: int | Literal["auto"] = 12,
    target_reliability: float = 0.9,
    max_iterations: int = 100,
    reliability_band: tuple[float, float] | None = None,
    perturbation: Perturbation = "additive",
    noise_std: float | None = None,
    batch_size: int = 64,
    seed: int = 0,
    strip_log_softmax: bool = False,
) -> PerturbationMaps:
    """Correlate random spectral perturbations of the inputs with prediction changes.

    For each iteration, every example gets a fresh random perturbation of its
    spectrum (see the module docstring for the three kinds); the change of
    each class's prediction (mean over dense outputs) relative to the
    unperturbed input is correlated (Pearson, across examples) with the
    perturbation at each (channel, frequency). The pooled map is the mean of
    the per-iteration correlations across the ``pooled`` crops; each group's
    map is the mean of the per-iteration correlations across the group's
    crops. All maps of an iteration share its noise and its forward passes:
    the noise is drawn once per example and iteration, whatever ``groups`` and
    ``pooled`` say.

    Reliability: after every iteration ``k >= 2`` the pooled maps of the
    iterations so far are split into odd- and even-numbered ones; the two
    half means are reduced to the reliability map (the mean over
    ``reliability_band`` with :func:`band_mean`, or the full map when it is
    None), and correlated across all its cells (channels × classes, or
    channels × frequencies × classes; cells NaN in either half are left out).
    ``r`` is that Pearson correlation, ``r_SB = 2 r / (1 + r)`` its
    Spearman–Brown correction, which estimates the reliability of the mean of
    all ``k`` iterations, the map returned. Both are recorded and logged.

    The model runs as its inference copy (:func:`eegvis.models.inference.inference_copy`:
    the same network in eval mode with batch norms folded into the
    convolutions, and on a CPU time-major convolutions), under
    ``torch.no_grad`` on the device of its parameters; ``model`` itself is
    not changed.
    The correlations are accumulated over batches from float64 sums (of ``a``,
    ``a**2``, ``p``, ``p**2`` and ``a * p`` for perturbation ``a`` and
    prediction change ``p``), so no array of size ``n_examples * n_chans *
    n_freqs`` is ever held.

    Parameters
    ----------
    %(crops_model)s
    X : numpy.ndarray or torch.Tensor, shape (n_examples, n_chans, n_times)
        The input crops, at least two. They are moved to the model's device
        and dtype one batch at a time (spectra are computed in at least
        float32).
    sfreq : float
        Sampling frequency of ``X`` in Hz; used for the returned frequency
        axis and ``reliability_band``.
    groups : array-like, shape (n_examples,), or None
        Group label of every crop (e.g. the subject); every group needs at
        least two crops. If given, ``group_correlations`` holds one map per
        group.
    pooled : array-like of bool, shape (n_examples,), or None
        The crops whose pooled correlation is ``correlations`` (at least two;
        e.g. the training subjects' crops while the groups cover all
        subjects). None: all crops. The pooled sums are accumulated directly,
        batch by batch, so ``correlations`` does not depend on ``groups``.
    n_iterations : int or "auto"
        Number of independent perturbation rounds to average (the paper and
        braindecode's tutorial use 12 for 64 channels), or ``"auto"``: iterate
        until the split-half reliability ``r_SB`` (Spearman–Brown corrected,
        i.e. of the full map) reaches ``target_reliability``, after at least
        :data:`MIN_AUTO_ITERATIONS` (4, two per half) and at most
        ``max_iterations`` iterations. After an odd number ``k`` of
        iterations the halves hold ``(k + 1) / 2`` and ``(k - 1) / 2``
        iterations and ``r_SB`` slightly underestimates the reliability of
        ``k`` iterations, so the rule errs on the side of iterating longer.
        Stopping at the first crossing favours an optimistic estimate; with
        few cells in the reliability map (a band map of few channels) prefer
        a fixed number.
    target_reliability : float
        Target for ``r_SB`` with ``n_iterations="auto"``, in (0, 1). Ignored
        otherwise.
    max_iterations : int
        Most iterations with ``n_iterations="auto"``, at least 4. Ignored
        otherwise.
    reliability_band : (float, float) or None
        Band ``(low, high)`` in Hz, both included, over which the maps are
        averaged for the split-half reliability (use the band of the scalp
        maps you read); None: all frequency bins, cell by cell.
    perturbation : {"additive", "multiplicative", "phase"}
        What to perturb; see the module docstring.
    noise_std : float or None
        Standard deviation of the Gaussian noise: absolute spectral amplitude
        for ``"additive"`` (default 1.0), relative for ``"multiplicative"``
        (default 0.02). Must be None for ``"phase"``.
    batch_size : int
        Number of crops perturbed at a time; bounds the memory used. On a CPU
        each batch goes through the network in chunks of at most
        ``CPU_FORWARD_CHUNK`` (32) crops, which keeps the layers' outputs in
        the caches.
    seed : int
        Seed of the noise. The noise of every example depends only on the
        seed, the iteration and the example's index (CPU generators, one per
        block of 64 examples, see :mod:`eegvis.analyses._noise`), so the
        result depends neither on ``batch_size`` nor on the device (up to
        floating-point rounding). On the CPU, equal seeds give equal results.
    strip_log_softmax : bool
        If True, the last ``torch.nn.LogSoftmax`` submodule of ``model`` (in
        ``model.modules()`` order, e.g. braindecode's Deep4Net ``softmax``
        layer) is bypassed with a forward hook while this function runs, so
        that its input, the raw class scores, is used as the prediction. The
        model itself is not changed.

    Returns
    -------
    PerturbationMaps
        Pooled, per-iteration and per-group maps, the frequency axis
        (``numpy.fft.rfftfreq(n_times, 1 / sfreq)``) and the split-half
        reliability after every iteration.

    Raises
    ------
    ValueError
        If an argument is out of range or of the wrong shape, ``X`` does not
        have three axes, the model output does not have a class axis, or
        ``strip_log_softmax`` is set and the model has no ``LogSoftmax``.
    """
    X = torch.as_tensor(X)
    setup = _setup(
        model,
        X,
        sfreq,
        groups=groups,
        pooled=pooled,
        n_iterations=n_iterations,
        target_reliability=target_reliability,
        max_iterations=max_iterations,
        reliability_band=reliability_band,
        perturbation=perturbation,
        noise_std=noise_std,
        batch_size=batch_size,
        seed=seed,
    )
    model = inference_copy(model)
    with predicting(model, strip_log_softmax), _noise_workers(setup.device) as noise_workers:
        original = unperturbed_predictions(model, X, setup)
        sums = iterate(model, X, original, setup, noise_workers)
    log_final_reliability(sums, setup)
    return PerturbationMaps(
        correlations=sums.pooled_mean(),
        iterations=np.stack(sums.iterations),
        freqs=setup.freqs,
        split_half_r=np.array(sums.r),
        split_half_r_sb=np.array(sums.r_sb),
        group_correlations=sums.group_means(),
        groups=setup.layout.labels,
    )


@fill_doc
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

    The pooled map of :func:`perturbation_correlations` over all crops, with a fixed
    number of iterations; see there for the method and the parameters.

    Returns
    -------
    correlations : numpy.ndarray, shape (n_chans, n_freqs, n_classes)
        Mean correlation over iterations, float64; ``n_freqs = n_times // 2 +
        1`` rFFT bins. For ``"phase"`` the shape is (1, n_freqs, n_classes).
        NaN where the perturbation or the prediction change has zero variance.
    %(rfft_freqs)s

    Raises
    ------
    ValueError
        As :func:`perturbation_correlations`.
    """
    maps = perturbation_correlations(
        model,
        X,
        sfreq,
        n_iterations=n_iterations,
        perturbation=perturbation,
        noise_std=noise_std,
        batch_size=batch_size,
        seed=seed,
        strip_log_softmax=strip_log_softmax,
    )
    return maps.correlations, maps.freqs


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


def _noise_std(perturbation: str, noise_std: float | None) -> float:
    """Validate the perturbation; return the noise standard deviation to use (NaN for phase)."""
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


def _check_iterations(
    n_iterations: int | str, target_reliability: float, max_iterations: int
) -> bool:
    """Validate the iteration arguments; return whether ``n_iterations`` is ``"auto"``."""
    if isinstance(n_iterations, str):
        if n_iterations != "auto":
            raise ValueError(f"n_iterations must be an integer or 'auto', got {n_iterations!r}")
        if not 0 < target_reliability < 1:
            raise ValueError(f"target_reliability must be in (0, 1), got {target_reliability}")
        if max_iterations < MIN_AUTO_ITERATIONS:
            raise ValueError(
                f"max_iterations must be at least {MIN_AUTO_ITERATIONS}, got {max_iterations}"
            )
        return True
    if n_iterations < 1:
        raise ValueError(f"n_iterations must be at least 1, got {n_iterations}")
    return False


def _setup(
    model: nn.Module,
    X: torch.Tensor,
    sfreq: float,
    *,
    groups: np.ndarray | None,
    pooled: np.ndarray | None,
    n_iterations: int | str,
    target_reliability: float,
    max_iterations: int,
    reliability_band: tuple[float, float] | None,
    perturbation: str,
    noise_std: float | None,
    batch_size: int,
    seed: int,
) -> Setup:
    """Validate the arguments of :func:`perturbation_correlations`; fix the batches and dtypes."""
    check_crops(X, sfreq, batch_size, min_examples=2)
    noise_std = _noise_std(perturbation, noise_std)
    auto = _check_iterations(n_iterations, target_reliability, max_iterations)
    n_examples, n_chans, n_times = X.shape
    freqs = np.fft.rfftfreq(n_times, d=1.0 / sfreq)
    reliability_map = None
    if reliability_band is not None:
        low, high = reliability_band
        band_mean(np.zeros((1, len(freqs), 1)), freqs, low, high)  # validates the band
        reliability_map = functools.partial(band_mean, freqs=freqs, low=low, high=high)
    labels, group_of = check_groups(groups, n_examples)
    pooled = check_pooled(pooled, n_examples)
    device, dtype = device_and_dtype(model)
    return Setup(
        perturbation=perturbation,
        noise_std=noise_std,
        seed=seed,
        freqs=freqs,
        n_rows=1 if perturbation == "phase" else n_chans,
        auto=auto,
        min_iterations=MIN_AUTO_ITERATIONS,
        limit=max_iterations if auto else n_iterations,
        target_reliability=target_reliability,
        reliability_map=reliability_map,
        layout=crop_layout(labels, group_of, pooled, batch_size, device),
        device=device,
        dtype=dtype,
        fft_dtype=torch.promote_types(dtype, torch.float32),  # no half-precision FFTs
    )


@contextmanager
def _noise_workers(device: torch.device) -> Iterator[NoiseWorkers]:
    """Yield where to draw the noise and how many blocks ahead, for :class:`NoiseStream`.

    On an accelerator, ``torch.get_num_threads()`` worker threads draw blocks
    ahead while the device computes; on the CPU, whose cores run the network,
    each block is drawn when it is needed. The noise is the same either way.
    """
    if device.type == "cpu":
        yield None, 0
        return
    n_workers = torch.get_num_threads()
    with ThreadPoolExecutor(n_workers, thread_name_prefix="eegvis-noise") as executor:
        yield executor, 2 * n_workers
