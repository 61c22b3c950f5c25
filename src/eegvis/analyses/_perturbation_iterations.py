"""The iterations of :func:`eegvis.analyses.perturbation.perturbation_correlations`.

Once the arguments are checked (:class:`Setup`), the unperturbed crops are
predicted once (:func:`unperturbed_predictions`); then every iteration
perturbs the spectra of all crops (:func:`perturb`), predicts them, adds the
perturbations and prediction changes to the pooled and per-group correlation
sums (:func:`iteration_sums`) and updates the split-half reliability, until a
fixed number of iterations or the target reliability (:func:`iterate`).

Private to :mod:`eegvis.analyses`. It logs as :mod:`eegvis.analyses.perturbation`,
the module whose logger users configure.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from eegvis.analyses._noise import NoiseStream
from eegvis.analyses._perturbation_sums import CorrelationSums, CropLayout, IterationSums
from eegvis.analyses._shared import predict, spectral_amplitude
from eegvis.utils.progress import progress

log = logging.getLogger("eegvis.analyses.perturbation")

#: Where the noise is drawn and how many blocks ahead (see :class:`NoiseStream`).
NoiseWorkers = tuple[ThreadPoolExecutor | None, int]


@dataclass(frozen=True, eq=False)
class Setup:
    """What :func:`~eegvis.analyses.perturbation.perturbation_correlations` fixes at the start.

    Attributes
    ----------
    perturbation : str
        The kind of perturbation.
    noise_std : float
        Scale of the Gaussian noise (NaN for phase).
    seed : int
        Seed of the noise.
    freqs : numpy.ndarray, shape (n_freqs,)
        Frequency of each rFFT bin in Hz.
    n_rows : int
        Rows of a map: the channels, or 1 for phase.
    auto : bool
        Whether to iterate until ``target_reliability``.
    min_iterations, limit : int
        Fewest iterations after which ``auto`` may stop; most iterations.
    target_reliability : float
        Target of the Spearman–Brown corrected split-half reliability (``auto``).
    reliability_map : callable or None
        Reduces a map to its reliability map (e.g. a band mean); None: the map itself.
    layout : CropLayout
        The batches and the rows of the pooled and per-group sums.
    device, dtype : torch.device, torch.dtype
        The model's device and dtype.
    fft_dtype : torch.dtype
        The dtype of the spectra (at least float32).
    """

    perturbation: str
    noise_std: float
    seed: int
    freqs: np.ndarray
    n_rows: int
    auto: bool
    min_iterations: int
    limit: int
    target_reliability: float
    reliability_map: Callable[[np.ndarray], np.ndarray] | None
    layout: CropLayout
    device: torch.device
    dtype: torch.dtype
    fft_dtype: torch.dtype


def unperturbed_predictions(model: nn.Module, X: torch.Tensor, setup: Setup) -> torch.Tensor:
    """Predictions (n_examples, n_classes) of the unperturbed crops, batch by batch."""
    start = time.perf_counter()
    original = torch.cat(
        [predict(model, X[b].to(setup.device, setup.dtype)) for b in setup.layout.batches]
    )
    log.info(
        "Unperturbed predictions of %d crops (%d classes) in %.1f s",
        len(X),
        original.shape[1],
        time.perf_counter() - start,
    )
    return original


def iterate(
    model: nn.Module,
    X: torch.Tensor,
    original: torch.Tensor,
    setup: Setup,
    noise_workers: NoiseWorkers,
) -> IterationSums:
    """Run the iterations: ``setup.limit`` of them, or with ``auto`` until the target reliability.

    The progress lines count the iterations; with ``auto`` their total is the
    projection of :func:`projected_iterations` (unknown before two iterations).

    Returns
    -------
    IterationSums
        The maps of all iterations run and their split-half reliability.
    """
    if setup.auto:
        log.info(
            "Iterating until the split-half reliability r_SB reaches %.3f (%d to %d iterations)",
            setup.target_reliability,
            setup.min_iterations,
            setup.limit,
        )
    sums = IterationSums((setup.n_rows, len(setup.freqs), original.shape[1]), setup.layout.n_groups)
    steps = progress(
        range(setup.limit), desc=f"{setup.perturbation} perturbation", unit="iteration", logger=log
    )
    if setup.auto:
        steps.total = None  # until the reliability can be projected
    for i_iteration in steps:
        iteration_map = sums.add(
            *iteration_sums(model, X, original, setup, i_iteration, noise_workers)
        )
        if setup.reliability_map is not None:
            iteration_map = setup.reliability_map(iteration_map)
        r, r_sb = sums.add_reliability(iteration_map)
        k = i_iteration + 1
        if setup.auto and k >= 2:
            log_reliability(k, r, r_sb, setup.target_reliability)
            if k >= setup.min_iterations and r_sb >= setup.target_reliability:
                break
            steps.total = _expected_iterations(k, r_sb, setup)
    return sums


def _expected_iterations(k: int, r_sb: float, setup: Setup) -> int | None:
    """Return the iterations ``auto`` should run, after ``k`` at reliability ``r_sb`` (or None)."""
    if r_sb >= setup.target_reliability:  # reached, but fewer than min_iterations
        return setup.min_iterations
    needed = projected_iterations(k, r_sb, setup.target_reliability)
    return None if needed is None else min(max(needed, k + 1, setup.min_iterations), setup.limit)


def iteration_sums(
    model: nn.Module,
    X: torch.Tensor,
    original: torch.Tensor,
    setup: Setup,
    i_iteration: int,
    noise_workers: NoiseWorkers,
) -> tuple[CorrelationSums, list[CorrelationSums]]:
    """Perturb every crop once; return the correlation sums of the pooled crops and of each group.

    All sums of the iteration share its noise and its forward passes.
    """
    n_cells, n_classes = setup.n_rows * len(setup.freqs), original.shape[1]
    pooled = CorrelationSums(n_cells, n_classes, setup.device)
    groups = [
        CorrelationSums(n_cells, n_classes, setup.device) for _ in range(setup.layout.n_groups)
    ]
    noise_stream = NoiseStream(
        setup.seed,
        i_iteration,
        len(X),
        setup.perturbation,
        setup.n_rows,
        len(setup.freqs),
        *noise_workers,
    )
    layout = setup.layout
    for b, pooled_b, groups_b in zip(
        layout.batches, layout.pooled_rows, layout.group_rows, strict=True
    ):
        noise = noise_stream.take(b.stop - b.start).to(setup.device, setup.fft_dtype)
        x = X[b].to(setup.device, setup.fft_dtype)
        values, perturbed = perturb(x, setup.perturbation, noise, setup.noise_std)
        changes = predict(model, perturbed.to(setup.dtype)) - original[b]
        if pooled_b is not None:
            pooled.add(values[pooled_b], changes[pooled_b])
        for g, rows in groups_b:
            groups[g].add(values[rows], changes[rows])
    return pooled, groups


def log_final_reliability(sums: IterationSums, setup: Setup) -> None:
    """Log the reliability after a fixed number of iterations; warn where ``auto`` fell short."""
    n_done = len(sums.iterations)
    if not setup.auto and n_done >= 2:
        log_reliability(n_done, sums.r[-1], sums.r_sb[-1])
    if setup.auto and not sums.r_sb[-1] >= setup.target_reliability:
        log.warning(
            "Split-half reliability r_SB = %.3f after %d iterations (max_iterations), below "
            "the target %.3f",
            sums.r_sb[-1],
            n_done,
            setup.target_reliability,
        )


def log_reliability(k: int, r: float, r_sb: float, target: float | None = None) -> None:
    """Log the split-half reliability after ``k`` iterations (and, for a target, the outlook)."""
    outlook = ""
    if target is not None:
        outlook = f" (target r_SB >= {target:.3f}"
        needed = projected_iterations(k, r_sb, target)
        if needed is not None:
            outlook += f"; about {needed} iterations projected"
        outlook += ")"
    log.info("Iteration %d: split-half r = %.3f, r_SB = %.3f%s", k, r, r_sb, outlook)


def projected_iterations(k: int, r_sb: float, target: float) -> int | None:
    """Return the iterations at which the map's reliability would reach ``target``, or None.

    The Spearman–Brown prophecy, if ``r_sb`` is the reliability of the mean of
    ``k`` iterations; None unless ``0 < r_sb < target``.
    """
    if not 0 < r_sb < target:
        return None
    return math.ceil(k * target * (1 - r_sb) / (r_sb * (1 - target)))


def perturb(
    x: torch.Tensor, perturbation: str, noise: torch.Tensor, noise_std: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Perturb the spectra of a batch of crops.

    Parameters
    ----------
    x : torch.Tensor, shape (batch, n_chans, n_times)
        Crops.
    perturbation : str
        One of :data:`eegvis.analyses.perturbation.PERTURBATIONS`.
    noise : torch.Tensor, shape (batch, n_rows, n_freqs)
        Standard noise from :class:`eegvis.analyses._noise.NoiseStream` (``n_rows`` is 1 for
        phase).
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
        amplitude = spectral_amplitude(spectrum)
        values = torch.add(amplitude, noise, alpha=noise_std).clamp_min_(0).sub_(amplitude)
        # values * exp(i * phase) = spectrum * (values / amplitude): a complex tensor times a
        # real one, which avoids a complex torch.where or a complex product, both slower
        # (benchmarks/README.md).
        change = spectrum * values.div(amplitude)
        # Phase 0 where the amplitude is 0, as numpy.angle. Such bins are rare (e.g. the DC
        # bin of zero-mean crops), so only the frequencies that have one are searched.
        for freq in (amplitude.amin(dim=(0, 1)) == 0).nonzero().flatten().tolist():
            is_zero = amplitude[..., freq] == 0
            change[..., freq] = torch.where(is_zero, values[..., freq], change[..., freq])
    elif perturbation == "multiplicative":
        values = noise.mul(noise_std).add_(1).clamp_min_(0).sub_(1)
        change = spectrum * values
    else:
        values = noise.abs()
        change = spectrum * (torch.polar(torch.ones_like(noise), noise) - 1)
    # The DC bin (and the Nyquist bin for even n_times) of a real signal is real; drop any
    # imaginary part explicitly, as numpy's irfft does, whatever the FFT backend.
    change[..., 0].imag.zero_()
    if n_times % 2 == 0:
        change[..., -1].imag.zero_()
    return values, torch.fft.irfft(change, n=n_times).add_(x)
