"""Progress of long loops: log lines with the time left, and a bar in a terminal.

Every loop that can take seconds or more (training epochs, subjects, perturbation
iterations, randomised layers) runs through :func:`progress`, which logs lines such as::

    training: 12/30 epochs (40%), 1 min 5 s elapsed, about 1 min 38 s left

to a logger of the ``eegvis`` hierarchy at level INFO: a line after the first item, then
at most one every ``min_interval`` seconds and every tenth of the total, and always a
last one (``... done in 2 min 43 s``; not for a loop left with ``break``). The time left
is the mean time per item so far times the items left. Counting, logging and the bar
never touch the items or any random state, so the results are those of the bare loop;
the cost is about 0.2 µs per item. eegvis has no ``verbose`` switch: silence the lines
as any log, e.g. ``logging.getLogger("eegvis").setLevel(logging.WARNING)``.

Where the bar goes
------------------
A `tqdm <https://tqdm.github.io>`_ bar is drawn as well when the process's standard
error is an interactive terminal (``sys.stderr.isatty()``) or a Jupyter notebook's
output: library use by a person. A workflow job never draws one:
:func:`eegvis.pipeline.logs.log_to_file`, which every job calls first, points standard
error at the job's log, so the test fails and the job's progress is the log lines in
its log only. Snakemake's terminal, shared by the jobs it runs at the same time, gets
nothing from them (the job's console handler passes warnings and errors only), so its
own output stays readable; ``tail -f`` on a job's log shows that job's progress. A
script that runs under a scheduler without :func:`~eegvis.pipeline.logs.log_to_file`
can turn the bars off with tqdm's environment variable ``TQDM_DISABLE=1`` (anyone can).
"""

from __future__ import annotations

import logging
import math
import operator
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TextIO, TypeVar

Item = TypeVar("Item")

#: Fewest seconds between two lines of one loop (besides its first and last lines).
MIN_INTERVAL = 10.0
#: Least share of the total between two lines of one loop (besides its first and last).
MIN_STEP = 0.1

_logger = logging.getLogger(__name__)


def progress(
    iterable: Iterable[Item],
    *,
    desc: str,
    total: int | None = None,
    unit: str = "subject",
    logger: logging.Logger | None = None,
    min_interval: float = MIN_INTERVAL,
    initial: int = 0,
    clock: Callable[[], float] = time.monotonic,
) -> Progress[Item]:
    """Yield the items of ``iterable``, logging the progress and the time left.

    See the module docstring for when lines are logged and where the bar is drawn.

    Parameters
    ----------
    iterable : iterable
        The loop's items; iterated over once, unchanged.
    desc : str
        What the loop does, the start of every line (e.g. ``"training"``).
    total : int | None
        Items the loop will have done at its end (``initial`` included). None: from
        ``len(iterable)`` or its length hint (``operator.length_hint``, see
        :func:`counted`), else unknown (the lines then give no percentage or time
        left).
    unit : str
        What an item is, singular (``"subject"``, ``"epoch"``); the lines add an "s".
    logger : logging.Logger | None
        Where the lines go (the caller's module logger); None: this module's.
    min_interval : float
        Fewest seconds between two lines besides the first and the last.
    initial : int
        Items done before this call (e.g. the epochs of a resumed training); the count
        starts there, the time left is estimated from this call's items only.
    clock : callable
        Returns the time in seconds (:func:`time.monotonic`; a fake clock in tests).

    Returns
    -------
    progress : Progress
        Iterate over it once, as over ``iterable``.

    Examples
    --------
    >>> for epoch in progress(range(1, 31), desc="training", unit="epoch"):  # doctest: +SKIP
    ...     train_one_epoch()
    """
    if total is None:
        hint = operator.length_hint(iterable, -1)
        total = initial + hint if hint >= 0 else None
    return Progress(iterable, desc, total, unit, logger or _logger, min_interval, initial, clock)


class Progress(Generic[Item]):
    """A loop's items with its progress, as :func:`progress` returns them.

    Attributes
    ----------
    n : int
        Items done so far (``initial`` included).
    total : int | None
        Items done at the end, None if unknown. The loop may change it while it runs
        (e.g. to a new projection); the next line and the bar use the new value.
    """

    def __init__(
        self,
        iterable: Iterable[Item],
        desc: str,
        total: int | None,
        unit: str,
        logger: logging.Logger,
        min_interval: float,
        initial: int,
        clock: Callable[[], float],
    ) -> None:
        self._iterable, self._desc, self._unit = iterable, desc, unit
        self._logger, self._min_interval, self._clock = logger, min_interval, clock
        self._total, self._initial, self.n = total, initial, initial
        self._started = self._logged_time = 0.0
        self._logged_n: int | None = None
        self._logged_final = False
        self._bar: Any = None

    @property
    def total(self) -> int | None:
        """Items done at the end, None if unknown."""
        return self._total

    @total.setter
    def total(self, value: int | None) -> None:
        self._total = value
        if self._bar is not None:
            self._bar.total = value
            self._bar.refresh()

    def __iter__(self) -> Iterator[Item]:
        """Yield the items; log after each one that is due (see :func:`progress`)."""
        self._started = self._clock()
        if _interactive(sys.stderr):
            self._bar = _bar(self._desc, self._total, self._initial, self._unit)
        try:
            for item in self._iterable:
                yield item
                self._advance()
        finally:
            if self._bar is not None:
                self._bar.close()
        if self.n > self._initial and not self._logged_final:  # unknown or wrong total
            self._log(self._clock(), final=True)

    def _advance(self) -> None:
        """Count an item done; log a line if one is due."""
        self.n += 1
        if self._bar is not None:
            self._bar.update(1)
        now = self._clock()
        finished = self.n == self._total
        if self._logged_n is None or finished or self._due(now):
            self._log(now, final=finished)

    def _due(self, now: float) -> bool:
        """Whether ``min_interval`` seconds and a tenth of the total passed since the last line."""
        if now - self._logged_time < self._min_interval:
            return False
        return self._total is None or self.n - self._logged_n >= MIN_STEP * self._total

    def _log(self, now: float, final: bool) -> None:
        line = self._line(now - self._started, final)
        if self._bar is None:
            self._logger.info(line)
        else:  # clear the bar while a handler may write to the same terminal
            with type(self._bar).external_write_mode(file=self._bar.fp):
                self._logger.info(line)
        self._logged_n, self._logged_time, self._logged_final = self.n, now, final

    def _line(self, elapsed: float, final: bool) -> str:
        """``desc: n/total units (p%), elapsed, about t left`` (or ``..., done in t``)."""
        if self._total:
            percent = math.floor(100 * self.n / self._total)
            line = f"{self._desc}: {self.n}/{self._total} {self._unit}s ({percent}%)"
        else:
            line = f"{self._desc}: {self.n} {self._unit}{'s' if self.n != 1 else ''}"
        if final:
            return f"{line}, done in {format_duration(elapsed)}"
        line += f", {format_duration(elapsed)} elapsed"
        if self._total:
            left = elapsed / (self.n - self._initial) * max(self._total - self.n, 0)
            line += f", about {format_duration(left)} left"
        return line


def format_duration(seconds: float) -> str:
    """Say a duration the way a person would: ``"4.2 s"``, ``"1 min 5 s"``, ``"2 h 3 min"``.

    Parameters
    ----------
    seconds : float
        The duration in seconds, at least 0.

    Returns
    -------
    text : str
        Tenths of a second below 10 s, whole seconds below a minute, minutes and
        seconds below an hour, hours and minutes above.
    """
    if seconds < 9.95:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def counted(items: Iterable[Item], n: int) -> Iterator[Item]:
    """Return an iterator over ``items`` that says it yields ``n`` of them.

    For generators whose length is known in advance (e.g. a job's subjects): the
    iterator has Python's length hint (PEP 424, :func:`operator.length_hint`), from
    which :func:`progress` takes its total.

    Parameters
    ----------
    items : iterable
        The items, e.g. a generator.
    n : int
        How many ``items`` yields.

    Returns
    -------
    iterator
        The items of ``items``, in order; ``operator.length_hint`` gives the number
        not yet yielded.
    """
    return _Counted(items, n)


class _Counted(Iterator[Item]):
    """The iterator of :func:`counted`."""

    def __init__(self, items: Iterable[Item], n: int) -> None:
        self._items, self._left = iter(items), n

    def __next__(self) -> Item:
        item = next(self._items)
        self._left -= 1
        return item

    def __length_hint__(self) -> int:
        return max(self._left, 0)


def _interactive(stream: TextIO) -> bool:
    """Whether ``stream`` shows in a person's terminal or notebook."""
    if type(stream).__module__.startswith("ipykernel"):  # a notebook's output
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # not a file, or closed
        return False


def _bar(desc: str, total: int | None, initial: int, unit: str) -> Any:
    """Start a tqdm bar on standard error; None where tqdm is disabled (``TQDM_DISABLE``)."""
    from tqdm import tqdm

    bar = tqdm(
        desc=desc, total=total, initial=initial, unit=unit, file=sys.stderr, dynamic_ncols=True
    )
    return None if bar.disable else bar
