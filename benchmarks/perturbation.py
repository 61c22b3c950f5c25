"""Time the amplitude perturbation: braindecode 0.4.85 against eegvis.analyses.perturbation.

Model: the seed-000 Deep4Net of braindecode 0.4.85 (64 channels, 2 classes,
input_time_length 450, filter_length_3=5, filter_length_4=5, pool_time_stride=2,
stride_before_pool=True, final_conv_length=1), made dense with braindecode's
``to_dense_prediction_model``, untrained (timing does not depend on the weights).
Inputs: ``--n-crops`` EEG-like crops, 64 x 450 samples of pink noise at about 15 uV.

Rows, all with the same inputs and iteration count:

- braindecode: ``compute_amplitude_prediction_correlations`` with the tutorial's
  numpy ``pred_fn`` (network up to the softmax, mean over dense outputs), batch 30.
- eegvis: ``amplitude_perturbation_correlation`` on the same network object, wrapped
  to take (batch, chans, time), with ``strip_log_softmax=True``.
- The same two on the same weights loaded into ``eegvis.models.Deep4Net`` (1-D
  layers, ``conv_time`` and ``conv_spat`` run as one convolution; the largest output
  difference to braindecode's network is printed), what the workflow runs:
  braindecode 0.4's 2-D layout with (k, 1) kernels is slow on CPUs, and its forward
  passes, which both implementations must run, dominate the braindecode-network rows.
  The last line compares the tutorial (braindecode's function and network) with the
  workflow (eegvis's function and network).

braindecode's rows run batches of 30 (the tutorial's); eegvis's run ``--batch-size``,
by default 64, the workflow's (``perturbation.batch_size`` in the config schema). For
each model, the forward passes alone (unperturbed plus one per iteration, batch 30)
are timed too, so the time each implementation spends beyond them is shown. The load
average is printed before and after: other processes on the machine slow every row,
multithreaded ones most.

    python benchmarks/perturbation.py [--n-crops 300] [--iterations 3] [--device auto]
                                      [--batch-size 64] [--repeats 1] [--threads N]
                                      [--workflow-only]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch
from braindecode.models.deep4 import Deep4Net
from braindecode.models.util import to_dense_prediction_model
from braindecode.visualization.perturbation import compute_amplitude_prediction_correlations
from torch import nn

from eegvis.analyses.perturbation import amplitude_perturbation_correlation
from eegvis.models import SEED_000_OPTIONS
from eegvis.models import Deep4Net as EegvisDeep4Net
from eegvis.models.dense import to_dense_prediction_model as eegvis_dense
from eegvis.models.modules import Expression

SFREQ = 160.0
N_CHANS, N_TIMES = 64, 450


def chans_time(network: nn.Module) -> nn.Module:
    """Give a network that takes (batch, chans, time, 1) inputs of shape (batch, chans, time)."""
    return nn.Sequential(Expression(trailing_axis), network)


def trailing_axis(x: torch.Tensor) -> torch.Tensor:
    """``x`` with a trailing axis of length 1."""
    return x.unsqueeze(-1)


def seed_network() -> nn.Sequential:
    """braindecode 0.4's seed-000 Deep4Net (the options of ``eegvis.models.SEED_000_OPTIONS``)."""
    torch.manual_seed(20170629)
    network = Deep4Net(
        in_chans=N_CHANS, n_classes=2, input_time_length=N_TIMES, **SEED_000_OPTIONS
    ).create_network()
    to_dense_prediction_model(network)
    return network.eval()


def as_eegvis(network: nn.Sequential) -> nn.Module:
    """The same weights in eegvis's Deep4Net (1-D layers, fused first block), made dense."""
    model = eegvis_dense(EegvisDeep4Net(N_CHANS, 2, N_TIMES, **SEED_000_OPTIONS))
    model.load_state_dict(network.state_dict())
    return model.eval()


def pink_noise_crops(n_crops: int, seed: int = 0) -> np.ndarray:
    """(n_crops, 64, 450) float32 noise with a 1/f power spectrum, 15 uV standard deviation."""
    rng = np.random.default_rng(seed)
    freqs = np.fft.rfftfreq(N_TIMES, d=1 / SFREQ)
    shape = np.zeros_like(freqs)
    shape[1:] = 1 / np.sqrt(np.maximum(freqs[1:], 0.5))
    white = rng.standard_normal((n_crops, N_CHANS, N_TIMES))
    pink = np.fft.irfft(np.fft.rfft(white) * shape, n=N_TIMES)
    return (15 * pink / pink.std()).astype(np.float32)


def braindecode_pred_fn(network: nn.Sequential, device: torch.device, one_d: bool):
    """The tutorial's prediction function: layers before the softmax, mean over dense outputs.

    braindecode passes (batch, chans, time, 1) arrays; a 1-D network gets them without the
    trailing axis.
    """
    head = nn.Sequential()
    for name, module in network.named_children():
        if isinstance(module, nn.LogSoftmax):
            break
        head.add_module(name, module)

    def pred_fn(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            x = torch.from_numpy(x[..., 0] if one_d else x).to(device)
            out = head(x)
        return out.reshape(len(x), out.shape[1], -1).mean(dim=2).cpu().numpy()

    return pred_fn


def timed(function, repeats: int) -> float:
    """Best wall time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def forward_only(
    model: nn.Module, X: torch.Tensor, n_passes: int, device: torch.device, repeats: int
) -> float:
    """Seconds for ``n_passes`` passes over X in batches of 30 (what every implementation pays)."""

    def run() -> None:
        with torch.no_grad():
            for _ in range(n_passes):
                for start in range(0, len(X), 30):
                    model(X[start : start + 30].to(device))
        if device.type == "cuda":
            torch.cuda.synchronize()

    return timed(run, repeats)


def time_workflow(model: nn.Module, X: np.ndarray, args: argparse.Namespace, device) -> None:
    """Time the workflow setup alone, after one untimed call (CUDA start-up, kernels)."""

    def call() -> None:
        amplitude_perturbation_correlation(
            model,
            X,
            SFREQ,
            n_iterations=args.iterations,
            batch_size=args.batch_size,
            strip_log_softmax=True,
        )
        if device.type == "cuda":
            torch.cuda.synchronize()

    call()
    seconds = timed(call, args.repeats)
    print(
        f"eegvis workflow setup: {seconds:.2f} s for {args.iterations} iterations over "
        f"{args.n_crops} crops, batch {args.batch_size}"
    )
    if device.type == "cpu":
        return
    maps = {}
    for where in (device, torch.device("cpu")):
        maps[where.type], _ = amplitude_perturbation_correlation(
            model.to(where), X[:256], SFREQ, n_iterations=2, strip_log_softmax=True
        )
    largest = np.abs(maps["cpu"]).max()
    print(
        f"max |r_{device.type} - r_cpu| over 256 crops, 2 iterations: "
        f"{np.abs(maps[device.type] - maps['cpu']).max():.1e} (largest |r| {largest:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-crops", type=int, default=300)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument(
        "--batch-size", type=int, default=64, help="eegvis batch size (the workflow's default)"
    )
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--repeats", type=int, default=1, help="report the best of this many")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument(
        "--workflow-only",
        action="store_true",
        help="time only the workflow setup (the GPU target: 4300 crops, 12 iterations, < 5 s)",
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(args.device)

    network = seed_network().to(device)
    conv1d = as_eegvis(network).to(device)
    X = pink_noise_crops(args.n_crops)
    X_torch = torch.from_numpy(X)
    with torch.no_grad():
        reference = network(X_torch[:8, ..., None].to(device))
        difference = (conv1d(X_torch[:8].to(device)) - reference).abs().max().item()
    print(
        f"device {device}, torch {torch.__version__} ({torch.get_num_threads()} threads); "
        f"{args.n_crops} crops of {N_CHANS} x {N_TIMES}, {args.iterations} iterations; "
        f"eegvis Deep4Net max |difference| {difference:.1e}; load average {os.getloadavg()[0]:.2f}"
    )

    if args.workflow_only:
        time_workflow(conv1d, X, args, device)
        return
    models = {
        "braindecode Deep4Net": (network, chans_time(network), False),
        "eegvis Deep4Net, same weights": (conv1d, conv1d, True),
    }
    totals = {}
    for label, (raw, wrapped, one_d) in models.items():
        n_passes = args.iterations + 1
        layout = X_torch if one_d else X_torch[..., None]
        forward = forward_only(raw, layout, n_passes, device, args.repeats)
        pred_fn = braindecode_pred_fn(raw, device, one_d)
        braindecode_s = timed(
            lambda pred_fn=pred_fn: compute_amplitude_prediction_correlations(
                pred_fn, X[..., None], n_iterations=args.iterations, batch_size=30
            ),
            args.repeats,
        )
        eegvis_s = timed(
            lambda wrapped=wrapped: amplitude_perturbation_correlation(
                wrapped,
                X,
                SFREQ,
                n_iterations=args.iterations,
                batch_size=args.batch_size,
                strip_log_softmax=True,
            ),
            args.repeats,
        )
        print(f"\n{label}: forward passes alone {forward:.2f} s ({n_passes} x {args.n_crops})")
        for name, seconds in (("braindecode 0.4.85", braindecode_s), ("eegvis", eegvis_s)):
            print(
                f"  {name:20s} {seconds:8.2f} s  ({seconds / args.iterations:.2f} s/iteration, "
                f"{seconds - forward:+.2f} s beyond the forward passes)"
            )
        print(f"  ratio braindecode / eegvis: {braindecode_s / eegvis_s:.1f}x")
        totals[label] = braindecode_s, eegvis_s
    tutorial_s = totals["braindecode Deep4Net"][0]
    fastest_s = totals["eegvis Deep4Net, same weights"][1]
    print(f"\nload average {os.getloadavg()[0]:.2f}")
    print(f"braindecode tutorial setup / eegvis workflow setup: {tutorial_s / fastest_s:.1f}x")


if __name__ == "__main__":
    main()
