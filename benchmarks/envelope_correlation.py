"""Time the envelope-activation correlation stage against a straightforward reference.

Both take the same inputs: band-limited trials (n_trials, n_chans, n_times) and
one layer's dense activations per input window (n_windows, n_units, n_out),
and compute the channels x bands x units correlation of steps 1-7 of
Analysis A (band-pass, per-window squared Hilbert envelope, moving average
over the receptive field, joining the windows into trials, Pearson
correlation pooled over trials and time).

- eegvis: the code the workflow's envelope job runs: ``eegvis.data.filters.bandpass``
  (sosfiltfilt), then, on ``--device``, the envelope stage of
  ``eegvis.analyses.envelope_activation.envelope_activation_statistics`` (``_envelope_sums``:
  windows, rFFT Hilbert envelope in torch, running sums; ``_field_envelopes``: the
  means over the layer's fields, joined and pooled in one pass; ``_pooled_units``)
  and ``eegvis.analyses.correlation.StreamingCorrelation.update`` (float64 sums relative to
  the batch's first sample, one matrix product per chunk).
- reference: ``scipy.signal.butter`` (b, a) + ``filtfilt`` per trial, channel
  and band; ``scipy.signal.hilbert`` and ``numpy.convolve`` per window,
  channel and band; ``numpy.corrcoef`` per (channel, band, unit) pair. The
  pair loop runs on every ``--reference-stride``-th pair only and its time is
  scaled up to all pairs (printed); ``--reference-stride 1`` runs it whole.

eegvis runs ``--repeats`` times; its median time per step is compared with
the reference's single run (both suffer alike from other processes on the
machine; the load average is printed before and after). On a machine whose
cores are busy with other work, multithreading (``--threads``) helps little
or hurts; compare ``--threads 1`` there.

Default shapes: the seed-000 setting at 160 Hz (100 trials of 497 samples,
64 channels, 450-sample crops and classifier receptive field 136, so 2 crops
per trial, 200 windows), 3 bands, a layer with receptive field 136 and 200
units (block 4). Also prints the correlation update's rate in GFLOP/s (its
matrix product counts 2 * n_samples * n_features * n_units) next to a plain
``torch.matmul`` of the same shapes on the same device, in float64 (the
accumulator's precision) and float32, for these shapes and for the workflow's
largest: the paper's 22 bands at 160 Hz and two networks' units side by side.

    python benchmarks/envelope_correlation.py [--device cpu] [--threads 2] [--reference-stride 8]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np
import scipy.signal
import torch

from eegvis.analyses.correlation import StreamingCorrelation
from eegvis.analyses.envelope_activation import (
    _envelope_sums,
    _field_envelopes,
    _output_runs,
    _pooled_units,
    kept_outputs,
)
from eegvis.data.filters import bandpass
from eegvis.models.crops import crop_starts
from eegvis.models.layers import LayerGeometry
from eegvis.utils.devices import resolve_device

SFREQ = 160.0
BANDS = [(7.0, 13.0), (13.0, 31.0), (60.0, 78.0)]
STEPS = ("band-pass", "envelopes", "correlation")


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def best_of(repeats: int, device: torch.device, run: Callable[[], object]) -> tuple[float, object]:
    best, result = np.inf, None
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        result = run()
        synchronize(device)
        best = min(best, time.perf_counter() - start)
    return best, result


def ours(
    trials: np.ndarray,
    activations: torch.Tensor,
    starts: np.ndarray,
    window: int,
    rf: int,
    device: torch.device,
) -> tuple[np.ndarray, dict[str, float]]:
    times = {}
    start = time.perf_counter()
    filtered = np.stack([bandpass(trials, SFREQ, low, high) for low, high in BANDS], axis=2)
    times["band-pass"] = time.perf_counter() - start

    start = time.perf_counter()
    # The layer is dense: output j of a window sees its input samples [j, j + rf).
    n_out = window - rf + 1
    geometry = LayerGeometry(rf, 1, 0, n_out, slice(0, n_out), 2)
    runs = _output_runs(kept_outputs(starts, geometry))
    per_band = torch.from_numpy(np.moveaxis(filtered, 2, 0)).float()  # as the workflow stores it
    sums = _envelope_sums(per_band.numpy(), slice(None), starts, window, device)
    envelopes = _field_envelopes(sums, len(starts), geometry, runs)
    synchronize(device)
    times["envelopes"] = time.perf_counter() - start

    start = time.perf_counter()
    acc = StreamingCorrelation(envelopes.shape[1], activations.shape[1], device)
    acc.update(envelopes, _pooled_units([activations], len(starts), runs))
    r = acc.correlation()
    synchronize(device)
    times["correlation"] = time.perf_counter() - start
    return r.reshape(trials.shape[1], len(BANDS), -1), times


def reference(
    trials: np.ndarray,
    activations: np.ndarray,
    starts: np.ndarray,
    window: int,
    rf: int,
    pair_stride: int,
) -> tuple[dict[tuple[int, int, int], float], dict[str, float]]:
    n_trials, n_chans, _ = trials.shape
    n_units, n_out = activations.shape[1], activations.shape[2]
    times = {}

    start = time.perf_counter()
    filtered = np.empty((len(BANDS), *trials.shape))
    for i_band, (low, high) in enumerate(BANDS):
        if low == 0:
            b, a = scipy.signal.butter(4, high, btype="lowpass", fs=SFREQ)
        else:
            b, a = scipy.signal.butter(4, [low, high], btype="bandpass", fs=SFREQ)
        for trial in range(n_trials):
            for chan in range(n_chans):
                filtered[i_band, trial, chan] = scipy.signal.filtfilt(b, a, trials[trial, chan])
    times["band-pass"] = time.perf_counter() - start

    start = time.perf_counter()
    kernel = np.ones(rf) / rf
    n_stitched = starts[-1] + n_out
    first_new = [0] + [starts[k - 1] + n_out - starts[k] for k in range(1, len(starts))]
    envelopes = np.empty((len(BANDS), n_trials, n_chans, n_stitched))
    for i_band in range(len(BANDS)):
        for trial in range(n_trials):
            for chan in range(n_chans):
                for k, begin in enumerate(starts):
                    crop = filtered[i_band, trial, chan, begin : begin + window]
                    power = np.abs(scipy.signal.hilbert(crop)) ** 2
                    smooth = np.convolve(power, kernel, mode="valid")
                    envelopes[i_band, trial, chan, begin + first_new[k] : begin + n_out] = smooth[
                        first_new[k] :
                    ]
    times["envelopes"] = time.perf_counter() - start

    start = time.perf_counter()
    units = np.empty((n_trials, n_units, n_stitched))
    for trial in range(n_trials):
        for k, begin in enumerate(starts):
            units[trial, :, begin + first_new[k] : begin + n_out] = activations[
                trial * len(starts) + k, :, first_new[k] :
            ]
    pairs = [
        (chan, i_band, unit)
        for chan in range(n_chans)
        for i_band in range(len(BANDS))
        for unit in range(n_units)
    ]
    r = {}
    for chan, i_band, unit in pairs[::pair_stride]:
        x = envelopes[i_band, :, chan].ravel()
        y = units[:, unit].ravel()
        r[chan, i_band, unit] = np.corrcoef(x, y)[0, 1]
    measured = time.perf_counter() - start
    times["correlation"] = measured * len(pairs) / len(pairs[::pair_stride])
    times["correlation, measured"] = measured
    return r, times


def correlation_rates(
    n_samples: int, n_x: int, n_y: int, device: torch.device, repeats: int
) -> dict[str, float]:
    """GFLOP/s of ``StreamingCorrelation.update`` (inputs laid out as the envelope stage
    gives them) and of ``torch.matmul`` of the same shapes, timed alternately."""
    flop = 2 * n_samples * n_x * n_y
    rng = np.random.default_rng(1)
    # As the workflow's envelope stage passes them: envelopes as a feature-major float64
    # buffer seen transposed, units as float64 (n_samples, n_units), both on the device.
    x = torch.from_numpy(rng.standard_normal((n_x, n_samples))).to(device).T
    y = torch.from_numpy(rng.standard_normal((n_samples, n_y))).to(device)
    x64, y64 = x.contiguous(), y
    x32, y32 = x64.float(), y64.float()
    runs = {
        "update": lambda: StreamingCorrelation(n_x, n_y, device).update(x, y),
        "float64": lambda: torch.matmul(x64.T, y64),
        "float32": lambda: torch.matmul(x32.T, y32),
    }
    best = dict.fromkeys(runs, np.inf)
    for _ in range(repeats):
        for name, run in runs.items():
            best[name] = min(best[name], best_of(1, device, run)[0])
    return {name: flop / seconds / 1e9 for name, seconds in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="torch device (default: CUDA if any)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--times", type=int, default=497)
    parser.add_argument("--window", type=int, default=450)
    parser.add_argument("--classifier-rf", type=int, default=136)
    parser.add_argument("--rf", type=int, default=136, help="receptive field of the layer")
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--reference-stride", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    device = resolve_device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)

    rng = np.random.default_rng(0)
    trials = rng.standard_normal((args.trials, args.channels, args.times))
    starts = crop_starts(args.times, args.window, args.window - args.classifier_rf + 1)
    n_windows, n_out = args.trials * len(starts), args.window - args.rf + 1
    activations = torch.from_numpy(
        rng.standard_normal((n_windows, args.units, n_out), dtype=np.float32)
    ).to(device)
    print(
        f"{args.trials} trials x {args.channels} channels x {args.times} samples, "
        f"{len(BANDS)} bands, {n_windows} windows of {args.window} samples, "
        f"layer RF {args.rf} ({n_out} outputs per window), {args.units} units; device {device}, "
        f"{torch.get_num_threads()} torch threads; "
        f"load average before: {os.getloadavg()[0]:.2f}"
    )

    runs = []
    for _ in range(args.repeats):
        r, times = ours(trials, activations, starts, args.window, args.rf, device)
        runs.append(times)
    ours_median = {step: float(np.median([run[step] for run in runs])) for step in STEPS}
    ref_r, ref_times = reference(
        trials, activations.cpu().numpy(), starts, args.window, args.rf, args.reference_stride
    )
    difference = max(abs(r[pair] - value) for pair, value in ref_r.items())

    print(f"{'step':<14}{'eegvis (s)':>12}{'reference (s)':>16}{'speed-up':>10}")
    for step in STEPS:
        speedup = ref_times[step] / ours_median[step]
        print(f"{step:<14}{ours_median[step]:>12.3f}{ref_times[step]:>16.3f}{speedup:>9.1f}x")
    ours_total, ref_total = sum(ours_median.values()), sum(ref_times[step] for step in STEPS)
    print(f"{'total':<14}{ours_total:>12.3f}{ref_total:>16.3f}{ref_total / ours_total:>9.1f}x")
    print(
        f"eegvis: median of {args.repeats} runs (fastest run in total: "
        f"{min(sum(run.values()) for run in runs):.3f} s); reference: one run, its correlation "
        f"loop over {len(ref_r)} of {args.channels * len(BANDS) * args.units} pairs "
        f"({ref_times['correlation, measured']:.2f} s) scaled to all pairs"
    )
    print(f"max |r_eegvis - r_reference| over the measured pairs: {difference:.1e}")

    n_samples = args.trials * (starts[-1] + n_out)
    shapes = {
        "these shapes": (args.channels * len(BANDS), args.units),
        "paper filterbank, 2 networks": (args.channels * 22, 2 * args.units),
    }
    for label, (n_x, n_y) in shapes.items():
        rates = correlation_rates(n_samples, n_x, n_y, device, 3 * args.repeats)
        print(
            f"correlation update, {label} ({n_samples} samples x {n_x} features x {n_y} units):"
            f" {rates['update']:.1f} GFLOP/s; torch.matmul of the same shapes: "
            f"{rates['float64']:.1f} GFLOP/s float64, {rates['float32']:.1f} float32 "
            f"(best of {3 * args.repeats}, alternating); float64 matmul rate / update rate: "
            f"{rates['float64'] / rates['update']:.2f}"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
