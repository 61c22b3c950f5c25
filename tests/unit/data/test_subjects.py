"""One subject's trials and loading the next subjects ahead (eegvis.data.subjects)."""

from __future__ import annotations

import dataclasses
import operator
import threading
import time

import numpy as np
import pytest

from eegvis.data.subjects import SubjectTrials, prefetched


def test_prefetched_keeps_order_and_loads_ahead():
    produced, consumed = [], []

    def numbers():
        for number in range(5):
            produced.append(number)
            yield number

    for number in prefetched(numbers(), depth=2):
        consumed.append((number, len(produced)))
    assert [number for number, _ in consumed] == list(range(5))
    assert max(ahead - number for number, ahead in consumed) >= 2


def test_prefetched_raises_the_producers_error_in_the_consumer():
    def failing():
        yield 1
        raise RuntimeError("subject 7: unreadable")

    got = []
    with pytest.raises(RuntimeError, match="subject 7"):
        for item in prefetched(failing()):
            got.append(item)
    assert got == [1]


def test_prefetched_keeps_the_length_hint_of_its_items():
    items = prefetched(iter(range(4)))
    assert operator.length_hint(items) == 4
    next(items)
    assert operator.length_hint(items) == 3
    assert operator.length_hint(prefetched(n for n in range(4)), -1) == -1  # stays unknown


def test_prefetched_stops_its_thread_when_the_consumer_stops():
    before = threading.active_count()
    for item in prefetched(iter(range(100))):
        if item == 3:
            break
    assert threading.active_count() == before


def test_prefetched_holds_at_most_depth_items_ahead():
    produced = []

    def numbers():
        for number in range(10):
            produced.append(number)
            yield number

    items = prefetched(numbers(), depth=3)
    assert next(items) == 0
    time.sleep(0.3)  # let the producer run ahead as far as it may
    # one in use, three waiting, one blocked in put: never the whole iterable
    assert len(produced) <= 5
    assert list(items) == list(range(1, 10))
    with pytest.raises(ValueError, match="depth must be at least 1, got 0"):
        next(prefetched(iter([1]), depth=0))


def test_subject_trials_are_frozen_with_defaults():
    trials = SubjectTrials(4, np.zeros((2, 3, 5), np.float32), np.array([0, 1]))
    assert trials.filtered is None and trials.split == ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        trials.subject = 5
    assert dataclasses.replace(trials, split="valid").split == "valid"
