"""One subject's trials, the unit every analysis streams over (one subject in memory at a time)."""

from __future__ import annotations

import operator
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from eegvis.utils.progress import counted

Item = TypeVar("Item")


@dataclass(frozen=True)
class SubjectTrials:
    """One subject's trials as the network sees them.

    Attributes
    ----------
    subject : int
        Subject number.
    X : ndarray, shape (n_trials, n_channels, n_times)
        Trials in the network's units.
    y : ndarray, shape (n_trials,), int64
        Class index of each trial.
    filtered : ndarray, shape (n_bands, n_trials, n_channels, n_times), or None
        The same trials band-passed per band (envelope analyses only).
    split : str
        ``"train"``, ``"valid"`` or empty.
    """

    subject: int
    X: np.ndarray
    y: np.ndarray
    filtered: np.ndarray | None = None
    split: str = ""


class _Failed:
    """An exception raised by the producing thread, re-raised by the consumer."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


_DONE = object()


def prefetched(items: Iterable[Item], depth: int = 1) -> Iterator[Item]:
    """Produce the next items in a background thread while the current one is used.

    Loading a subject (reading its epochs, band-passing its recordings) then
    overlaps the analysis of the previous one; NumPy, SciPy's filters and
    MNE's readers release the interpreter lock for most of their work. At most
    ``depth`` items wait besides the one in use, so memory stays bounded.

    Parameters
    ----------
    items : iterable
        E.g. :func:`eegvis.data.epochs.iter_subjects`.
    depth : int
        Items produced ahead.

    Returns
    -------
    iterator
        The items of ``items``, in order, with the length hint of ``items`` if
        it has one (:func:`eegvis.utils.progress.counted`); an exception raised
        while producing one is raised in the consumer.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    hint = operator.length_hint(items, -1)
    return _prefetching(items, depth) if hint < 0 else counted(_prefetching(items, depth), hint)


def _prefetching(items: Iterable[Item], depth: int) -> Iterator[Item]:
    """Yield the items of :func:`prefetched`, produced ahead in a thread."""
    waiting: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        """Queue ``item`` unless the consumer has stopped; return whether it was queued."""
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
            offer(_DONE)
        except BaseException as error:  # noqa: BLE001 - handed to the consumer
            offer(_Failed(error))

    producer = threading.Thread(target=produce, name="eegvis-prefetch", daemon=True)
    producer.start()
    try:
        while (item := waiting.get()) is not _DONE:
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        producer.join()
