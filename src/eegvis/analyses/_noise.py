"""The random noise of the spectral perturbations: one stream per block of examples.

The examples of an iteration are cut into blocks of :data:`NOISE_BLOCK` (64)
in input order. Block ``j`` of iteration ``i`` has its own CPU
``torch.Generator``, seeded with
``numpy.random.SeedSequence(seed, spawn_key=(i, j)).generate_state(1)[0]``,
which draws the noise of its examples one after the other: N(0, 1) of shape
``(n_rows, n_freqs)`` per example, or U(-pi, pi) for phase perturbations
(``(2 * torch.rand(...) - 1) * pi``).

So the noise of an example depends only on the seed, the iteration and the
example's index: not on the batch size, on the device, or on which thread drew
it. Because the blocks are independent, :class:`NoiseStream` can draw them in
worker threads ahead of use, which keeps an accelerator from waiting for the
CPU's random numbers (about 0.1 ms per 64-channel example on one core).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Literal

import numpy as np
import torch

#: Examples per noise block (each block has its own generator).
NOISE_BLOCK = 64

Perturbation = Literal["additive", "multiplicative", "phase"]


def block_seed(seed: int, iteration: int, block: int) -> int:
    """Return the generator seed of one block of one iteration.

    Parameters
    ----------
    seed : int
        The analysis seed (``perturbation.seed`` in the config).
    iteration, block : int
        Iteration and block index, both from 0.

    Returns
    -------
    int
        A 32-bit seed (``torch.Generator`` uses 32 bits of its seed).
    """
    return int(np.random.SeedSequence(seed, spawn_key=(iteration, block)).generate_state(1)[0])


def draw_block(
    seed: int,
    iteration: int,
    block: int,
    n_examples: int,
    perturbation: Perturbation,
    n_rows: int,
    n_freqs: int,
) -> torch.Tensor:
    """Draw the noise of one block: shape ``(n_examples, n_rows, n_freqs)``, float32.

    Parameters
    ----------
    seed, iteration, block : int
        See :func:`block_seed`.
    n_examples : int
        Examples in the block: :data:`NOISE_BLOCK`, fewer for the last block.
    perturbation : {"additive", "multiplicative", "phase"}
        N(0, 1) noise, or U(-pi, pi) phase shifts for ``"phase"``.
    n_rows, n_freqs : int
        Shape of one example's noise.

    Returns
    -------
    torch.Tensor
    """
    generator = torch.Generator().manual_seed(block_seed(seed, iteration, block))
    noise = torch.empty(n_examples, n_rows, n_freqs)
    draw = torch.rand if perturbation == "phase" else torch.randn
    for example in noise:
        draw(n_rows, n_freqs, generator=generator, out=example)
    if perturbation == "phase":
        noise.mul_(2).sub_(1).mul_(math.pi)
    return noise


class NoiseStream:
    """The noise of one iteration, handed out in consecutive runs of examples.

    Parameters
    ----------
    seed : int
        The analysis seed.
    iteration : int
        Iteration index, from 0.
    n_examples : int
        Examples in the iteration.
    perturbation : {"additive", "multiplicative", "phase"}
        What the noise perturbs.
    n_rows, n_freqs : int
        Shape of one example's noise.
    executor : concurrent.futures.Executor or None
        Where to draw the blocks: None draws each block when it is needed, in
        the calling thread; an executor (e.g. a thread pool) draws up to
        ``lookahead`` blocks ahead. The noise is the same either way.
    lookahead : int
        Blocks drawn ahead with an executor.

    Examples
    --------
    >>> stream = NoiseStream(0, 0, 100, "additive", n_rows=3, n_freqs=5)
    >>> stream.take(30).shape, stream.take(70).shape
    (torch.Size([30, 3, 5]), torch.Size([70, 3, 5]))
    """

    def __init__(
        self,
        seed: int,
        iteration: int,
        n_examples: int,
        perturbation: Perturbation,
        n_rows: int,
        n_freqs: int,
        executor: Executor | None = None,
        lookahead: int = 4,
    ) -> None:
        self._draw: Callable[[int], torch.Tensor] = lambda block: draw_block(
            seed,
            iteration,
            block,
            min(NOISE_BLOCK, n_examples - block * NOISE_BLOCK),
            perturbation,
            n_rows,
            n_freqs,
        )
        self._n_blocks = -(-n_examples // NOISE_BLOCK)
        self._executor, self._lookahead = executor, max(1, lookahead)
        self._pending: deque[Future[torch.Tensor]] = deque()
        self._next_block = 0
        self._left = torch.empty(0, n_rows, n_freqs)
        self._n_left_to_take = n_examples
        if executor is not None:
            self._submit()

    def take(self, n_examples: int) -> torch.Tensor:
        """Return the noise of the next ``n_examples`` examples, shape (n_examples, rows, freqs).

        Raises
        ------
        ValueError
            If fewer than ``n_examples`` examples are left in the iteration.
        """
        if n_examples > self._n_left_to_take:
            raise ValueError(f"{n_examples} examples asked for, only {self._n_left_to_take} left")
        self._n_left_to_take -= n_examples
        parts = []
        while n_examples > 0:
            if not len(self._left):
                self._left = self._next()
            part, self._left = self._left[:n_examples], self._left[n_examples:]
            parts.append(part)
            n_examples -= len(part)
        if len(parts) == 1:  # within one block: a view, no copy
            return parts[0]
        return torch.cat(parts) if parts else self._left[:0]

    def _submit(self) -> None:
        """Ask the executor for blocks until ``lookahead`` are pending or none are left."""
        while self._next_block < self._n_blocks and len(self._pending) < self._lookahead:
            self._pending.append(self._executor.submit(self._draw, self._next_block))
            self._next_block += 1

    def _next(self) -> torch.Tensor:
        """Return the next block (from the executor, which then starts on the ones after it)."""
        if self._executor is None:
            self._next_block += 1
            return self._draw(self._next_block - 1)
        block = self._pending.popleft().result()
        self._submit()
        return block
