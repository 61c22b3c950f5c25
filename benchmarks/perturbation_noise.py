"""Time the perturbation noise: one CPU stream against eegvis's blocks, inline and in threads.

The noise of the seed's 12-iteration perturbation of about 4,300 crops (50
subjects; 64 channels x 226 rFFT bins per crop) is drawn on the CPU whatever
the device, so that maps do not depend on it. Rows, all drawing the same
amount of N(0, 1) noise in batches of ``--batch-size`` crops:

- reference: one ``torch.Generator`` for the whole analysis, one draw per crop
  (eegvis's stream up to commit 17fb30e; it cannot be split between threads);
- eegvis inline: :class:`eegvis.analyses._noise.NoiseStream` without an
  executor, what the workflow runs on a CPU;
- eegvis threads: the same stream drawn ahead by ``--threads`` worker threads,
  what the workflow runs on a GPU (``torch.get_num_threads()`` workers, twice as
  many blocks ahead). The batches are consumed as fast as they come, so this
  row is the time a GPU would wait for noise if it computed nothing.

    python benchmarks/perturbation_noise.py [--n-crops 4300] [--iterations 12]
                                            [--batch-size 64] [--threads N] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ThreadPoolExecutor

import torch

from eegvis.analyses._noise import NoiseStream

N_CHANS, N_FREQS = 64, 226


def reference(n_crops: int, iterations: int, batch_size: int) -> None:
    """One generator, one draw per crop, batch after batch (the single-stream design)."""
    generator = torch.Generator().manual_seed(0)
    for _ in range(iterations):
        for start in range(0, n_crops, batch_size):
            noise = torch.empty(min(batch_size, n_crops - start), N_CHANS, N_FREQS)
            for example in noise:
                torch.randn(N_CHANS, N_FREQS, generator=generator, out=example)


def blocks(n_crops: int, iterations: int, batch_size: int, n_workers: int) -> None:
    """eegvis's stream, inline (``n_workers`` 0) or drawn ahead by worker threads."""
    executor = ThreadPoolExecutor(n_workers) if n_workers else None
    try:
        for iteration in range(iterations):
            stream = NoiseStream(
                0, iteration, n_crops, "additive", N_CHANS, N_FREQS, executor, 2 * n_workers
            )
            for start in range(0, n_crops, batch_size):
                stream.take(min(batch_size, n_crops - start))
    finally:
        if executor is not None:
            executor.shutdown()


def best_of(repeats: int, function, *args) -> float:
    """Best wall time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-crops", type=int, default=4300)
    parser.add_argument("--iterations", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)  # drawing is serial within a stream
    work = (args.n_crops, args.iterations, args.batch_size)
    print(
        f"{args.iterations} iterations x {args.n_crops} crops of {N_CHANS} x {N_FREQS} "
        f"N(0, 1) values, batches of {args.batch_size}; {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}; best of {args.repeats}"
    )
    seconds = {
        "reference: one stream": best_of(args.repeats, reference, *work),
        "eegvis inline (CPU runs)": best_of(args.repeats, blocks, *work, 0),
        f"eegvis, {args.threads} threads (GPU runs)": best_of(
            args.repeats, blocks, *work, args.threads
        ),
    }
    first = seconds["reference: one stream"]
    for label, value in seconds.items():
        print(f"  {label:32s} {value:6.2f} s   reference / this: {first / value:.2f}x")


if __name__ == "__main__":
    main()
