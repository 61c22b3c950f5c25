"""Tests of eegvis.analyses._spill; the perturbation maps' memory does not grow with subjects."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest
from conftest import SMALL_DEEP4
from test_maps_api import CHANNELS, LENGTH, make_epochs

from eegvis.analyses import perturbation_subjects
from eegvis.analyses._spill import spilled_rows
from eegvis.data.subjects import SubjectTrials
from eegvis.models import Deep4Net
from eegvis.models.dense import to_dense_prediction_model


def test_rows_come_back_concatenated_and_mapped(tmp_path):
    rng = np.random.default_rng(0)
    chunks = [rng.standard_normal((n, 3, 4)).astype(np.float32) for n in (2, 0, 5, 1)]
    with spilled_rows(iter(chunks), directory=tmp_path) as rows:
        assert isinstance(rows, np.memmap)
        np.testing.assert_array_equal(rows, np.concatenate(chunks))
        assert rows.dtype == np.float32 and rows.flags.writeable
    assert list(tmp_path.iterdir()) == []  # nothing left behind


def test_only_one_chunk_is_held_at_a_time():
    alive = []

    def chunks():
        for i in range(4):
            chunk = np.full((3, 2), float(i))
            alive.append(weakref.ref(chunk))
            yield chunk
            del chunk
            gc.collect()
            assert sum(ref() is not None for ref in alive) <= 1

    with spilled_rows(chunks()) as rows:
        assert rows[:, 0].tolist() == [0.0] * 3 + [1.0] * 3 + [2.0] * 3 + [3.0] * 3


def test_mismatched_chunks_and_no_chunks():
    with pytest.raises(ValueError, match=r"same dtype and shape after the first axis"):
        with spilled_rows([np.zeros((1, 3)), np.zeros((1, 4))]):
            pass
    with pytest.raises(ValueError, match=r"float32 \(3,\) after chunks of float64 \(3,\)"):
        with spilled_rows([np.zeros((1, 3)), np.zeros((1, 3), np.float32)]):
            pass
    with spilled_rows([]) as rows:
        assert rows.shape == (0,)
    with spilled_rows([np.zeros((0, 2, 2), np.float32)]) as rows:
        assert rows.shape == (0, 2, 2) and rows.dtype == np.float32


def test_perturbation_memory_does_not_grow_with_the_number_of_subjects():
    model = to_dense_prediction_model(
        Deep4Net(len(CHANNELS), 2, LENGTH, **SMALL_DEEP4, random_state=0)
    )
    info = make_epochs(n_subjects=1, n_trials=2).info
    trials = np.random.default_rng(1).standard_normal((6, len(CHANNELS), 1200), np.float32)

    def peak_bytes(n_subjects: int) -> tuple[int, int]:
        """Peak of numpy's memory in the call, and one subject's crops in bytes."""
        subjects = (
            SubjectTrials(s, trials.copy(), np.arange(6) % 2, split="train")
            for s in range(1, n_subjects + 1)
        )
        tracemalloc.start()
        maps = perturbation_subjects(
            model, subjects, info, ["a", "b"], n_iterations=1, input_length=LENGTH
        )
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert maps.sizes["subject"] == n_subjects
        return peak, int(maps["n_crops"][0]) * len(CHANNELS) * LENGTH * 4

    (few, one_subject), (many, _) = peak_bytes(2), peak_bytes(12)
    assert one_subject > 50_000
    assert many - few < one_subject  # all crops in memory: ten subjects' crops more
