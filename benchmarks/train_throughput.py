"""Training throughput of eegvis's dense Deep4Net against braindecode 0.4.85's.

Both networks are the seed-000 model (64 channels, 2 classes, 450-sample
crops, ``pool_time_stride=2``, ``stride_before_pool=True``,
``filter_length_3=filter_length_4=5``, ``final_conv_length=1``) converted to
dense prediction, with identical initial weights. One training step is
forward, the cropped loss (NLL of the mean log-probability over the dense
outputs), backward and an AdamW step, on the same batch for both networks.
Steps of the two networks alternate, so both see the same machine load;
after warm-up, the median step time gives crops per second.

    python benchmarks/train_throughput.py [--device auto|cpu|cuda] [--batch-size 64]
        [--warmup 2] [--repeats 5] [--amp] [--channels-last] [--compile]

``--amp`` (bfloat16 autocast), ``--channels-last`` and ``--compile`` apply to
both networks and need CUDA. braindecode is a test-only dependency.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from braindecode.models.deep4 import Deep4Net as BraindecodeDeep4Net
from braindecode.models.util import to_dense_prediction_model as braindecode_dense
from braindecode.torch_ext.util import set_random_seeds

from eegvis.models import SEED_000_OPTIONS, Deep4Net
from eegvis.models.dense import to_dense_prediction_model
from eegvis.models.layers import n_predictions

ARCHITECTURE = SEED_000_OPTIONS
N_CHANS, N_CLASSES, N_TIMES = 64, 2, 450


def build_models(seed: int) -> tuple[torch.nn.Module, torch.nn.Module]:
    ours = to_dense_prediction_model(
        Deep4Net(N_CHANS, N_CLASSES, N_TIMES, random_state=seed, **ARCHITECTURE)
    )
    set_random_seeds(seed, cuda=False)
    theirs = BraindecodeDeep4Net(N_CHANS, N_CLASSES, N_TIMES, **ARCHITECTURE).create_network()
    braindecode_dense(theirs)
    return ours.train(), theirs.train()


def make_step(
    model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, amp: bool
) -> Callable[[], None]:
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=5e-4)
    autocast = (
        torch.autocast(x.device.type, dtype=torch.bfloat16) if amp else contextlib.nullcontext()
    )

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        with autocast:
            log_probs = model(x)
        loss = F.nll_loss(log_probs.float().mean(dim=2), y)
        loss.backward()
        optimizer.step()

    return step


def timed(step: Callable[[], None], device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20170629)
    parser.add_argument("--amp", action="store_true", help="bfloat16 autocast (CUDA)")
    parser.add_argument("--channels-last", action="store_true", help="(CUDA)")
    parser.add_argument("--compile", action="store_true", help="torch.compile both (CUDA)")
    args = parser.parse_args()
    if args.device == "auto":
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(args.device)
    if device.type != "cuda" and (args.amp or args.channels_last or args.compile):
        parser.error("--amp, --channels-last and --compile need --device cuda")

    ours, theirs = (model.to(device) for model in build_models(args.seed))
    generator = torch.Generator().manual_seed(args.seed)
    x = torch.randn(args.batch_size, N_CHANS, N_TIMES, generator=generator).to(device)
    y = torch.randint(0, N_CLASSES, (args.batch_size,), generator=generator).to(device)
    x4 = x[..., None]
    n_preds = n_predictions(ours, N_CHANS, N_TIMES)
    with torch.no_grad():
        ours.eval(), theirs.eval()
        difference = (ours(x) - theirs(x4)).abs().max().item()
        ours.train(), theirs.train()
    if args.channels_last:
        ours, theirs = (m.to(memory_format=torch.channels_last) for m in (ours, theirs))
        x4 = x4.contiguous(memory_format=torch.channels_last)
    if args.compile:
        ours, theirs = torch.compile(ours), torch.compile(theirs)

    steps = {
        "eegvis": make_step(ours, x, y, args.amp),
        "braindecode 0.4.85": make_step(theirs, x4, y, args.amp),
    }
    times: dict[str, list[float]] = {name: [] for name in steps}
    for repeat in range(args.warmup + args.repeats):
        for name, step in steps.items():
            elapsed = timed(step, device)
            if repeat >= args.warmup:
                times[name].append(elapsed)

    flags = [f for f in ("amp", "channels_last", "compile") if getattr(args, f)]
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(
        f"device {device} ({name}, {torch.get_num_threads()} CPU threads), "
        f"torch {torch.__version__}, flags: {', '.join(flags) or 'none'}"
    )
    print(
        f"batch {args.batch_size} crops x {N_CHANS} chans x {N_TIMES} samples "
        f"({n_preds} dense predictions each); "
        f"{args.warmup} warm-up + {args.repeats} timed steps each, interleaved"
    )
    print(f"max |log-prob difference| at identical initial weights (eval): {difference:.2e}")
    rates = {}
    for name, values in times.items():
        median = statistics.median(values)
        rates[name] = args.batch_size / median
        print(
            f"{name:20s} {rates[name]:9.1f} crops/s  "
            f"(median step {median * 1e3:8.1f} ms, min {min(values) * 1e3:8.1f} ms)"
        )
    print(f"ratio eegvis / braindecode: {rates['eegvis'] / rates['braindecode 0.4.85']:.2f}x")


if __name__ == "__main__":
    main()
