"""What the benchmarks share: best-of-n wall time of a call."""

from __future__ import annotations

import time


def timed(function, repeats: int) -> tuple[float, object]:
    """Best wall time of ``repeats`` calls in seconds, and the last call's result."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result
