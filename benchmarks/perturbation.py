"""Time the amplitude-perturbation analysis: braindecode 0.4.85 against eegvis.perturbation.

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
- The same two on the same weights rewritten as a 1-D network (``conv_time`` and
  ``conv_spat`` fused into one Conv1d, 1-D dilated convolutions and poolings; the
  largest output difference to the original is printed): braindecode 0.4's 2-D
  layout with (k, 1) kernels is slow on CPUs, and its forward passes, which both
  implementations must run, dominate the braindecode-network rows.

For each model, the forward passes alone (unperturbed plus one per iteration, batch
30, the batch size of every row unless ``--batch-size`` changes eegvis's) are timed
too, so the time each implementation spends beyond them is shown.

    python benchmarks/perturbation.py [--n-crops 300] [--iterations 3] [--device auto]
                                      [--batch-size 30] [--repeats 1] [--threads N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from braindecode.models.deep4 import Deep4Net
from braindecode.models.util import to_dense_prediction_model
from braindecode.visualization.perturbation import compute_amplitude_prediction_correlations
from torch import nn

from eegvis.perturbation import amplitude_perturbation_correlation

SFREQ = 160.0
N_CHANS, N_TIMES = 64, 450


class ChansTime(nn.Module):
    """Give a network that takes (batch, chans, time, 1) inputs of shape (batch, chans, time)."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.network(x.unsqueeze(-1))


def seed_network() -> nn.Sequential:
    torch.manual_seed(20170629)
    network = Deep4Net(
        in_chans=N_CHANS,
        n_classes=2,
        input_time_length=N_TIMES,
        filter_length_3=5,
        filter_length_4=5,
        pool_time_stride=2,
        stride_before_pool=True,
        final_conv_length=1,
    ).create_network()
    to_dense_prediction_model(network)
    return network.eval()


def as_conv1d(network: nn.Sequential) -> nn.Sequential:
    """The dense braindecode Deep4Net as a (batch, chans, time) 1-D network, same function.

    ``conv_time`` (1 -> F, kernel (k, 1)) and ``conv_spat`` (F -> F', kernel (1, chans)) are
    linear with nothing in between, so they fuse into one Conv1d (chans -> F', kernel k).
    """
    conv_time, conv_spat = network.conv_time, network.conv_spat
    fused = nn.Conv1d(N_CHANS, conv_spat.out_channels, conv_time.kernel_size[0])
    with torch.no_grad():
        spatial = conv_spat.weight[:, :, 0, :]  # (out, filters, chans)
        fused.weight.copy_(torch.einsum("ofc,fk->ock", spatial, conv_time.weight[:, 0, :, 0]))
        fused.bias.copy_(torch.einsum("ofc,f->o", spatial, conv_time.bias))
    layers: list[nn.Module] = [fused]
    for name, module in network.named_children():
        if name in ("dimshuffle", "conv_time", "conv_spat", "squeeze"):
            continue
        if isinstance(module, nn.Conv2d):
            conv = nn.Conv1d(
                module.in_channels,
                module.out_channels,
                module.kernel_size[0],
                dilation=module.dilation[0],
                bias=module.bias is not None,
            )
            with torch.no_grad():
                conv.weight.copy_(module.weight[..., 0])
                if module.bias is not None:
                    conv.bias.copy_(module.bias)
            layers.append(conv)
        elif isinstance(module, nn.BatchNorm2d):
            norm = nn.BatchNorm1d(module.num_features, eps=module.eps, momentum=module.momentum)
            norm.load_state_dict(module.state_dict())
            layers.append(norm)
        elif isinstance(module, nn.MaxPool2d):
            layers.append(nn.MaxPool1d(module.kernel_size[0], 1, dilation=module.dilation[0]))
        elif isinstance(module, nn.LogSoftmax):
            layers.append(nn.LogSoftmax(dim=1))
        elif name.startswith(("conv_nonlin", "nonlin")):
            layers.append(nn.ELU())
    return nn.Sequential(*layers).eval()


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-crops", type=int, default=300)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=30, help="eegvis batch size")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--repeats", type=int, default=1, help="report the best of this many")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(args.device)

    network = seed_network().to(device)
    conv1d = as_conv1d(network).to(device)
    X = pink_noise_crops(args.n_crops)
    X_torch = torch.from_numpy(X)
    with torch.no_grad():
        reference = network(X_torch[:8, ..., None].to(device))
        difference = (conv1d(X_torch[:8].to(device)) - reference).abs().max().item()
    print(
        f"device {device}, torch {torch.__version__} ({torch.get_num_threads()} threads); "
        f"{args.n_crops} crops of {N_CHANS} x {N_TIMES}, {args.iterations} iterations; "
        f"1-D rewrite max |difference| {difference:.1e}"
    )

    models = {
        "braindecode Deep4Net": (network, ChansTime(network), False),
        "same weights, 1-D": (conv1d, conv1d, True),
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
    fastest_s = totals["same weights, 1-D"][1]
    print(
        f"\nbraindecode tutorial setup / eegvis on the 1-D network: {tutorial_s / fastest_s:.1f}x"
    )


if __name__ == "__main__":
    main()
