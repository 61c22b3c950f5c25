"""Tests of eegvis.analyses._noise: the documented stream, whoever draws it and however taken."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from test_perturbation import documented_noise

from eegvis.analyses._noise import NOISE_BLOCK, NoiseStream, draw_block


@pytest.mark.parametrize("perturbation", ["additive", "phase"])
@pytest.mark.parametrize("takes", [[200], [1, 63, 2, 100, 34], [64, 64, 64, 8], [7] * 28 + [4]])
def test_stream_is_the_documented_noise_however_it_is_taken(perturbation, takes):
    phase = perturbation == "phase"
    shape = (1, 9) if phase else (3, 9)
    expected = documented_noise(5, 2, sum(takes), shape, phase)
    stream = NoiseStream(5, 2, sum(takes), perturbation, *shape)
    got = torch.cat([stream.take(n) for n in takes])
    assert torch.equal(got, expected)


@pytest.mark.parametrize("lookahead", [1, 3, 10])
def test_worker_threads_draw_the_same_noise(lookahead):
    n_examples = 5 * NOISE_BLOCK + 11
    inline = NoiseStream(0, 1, n_examples, "additive", 4, 17)
    with ThreadPoolExecutor(3) as executor:
        ahead = NoiseStream(0, 1, n_examples, "additive", 4, 17, executor, lookahead)
        for n in (30, 100, 1, n_examples - 131):
            assert torch.equal(ahead.take(n), inline.take(n))


def test_noise_depends_on_seed_iteration_and_block():
    blocks = {
        key: draw_block(*key, n_examples=8, perturbation="additive", n_rows=2, n_freqs=5)
        for key in [(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1)]
    }
    keys = list(blocks)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            assert not torch.equal(blocks[a], blocks[b]), (a, b)
    again = draw_block(0, 0, 0, n_examples=8, perturbation="additive", n_rows=2, n_freqs=5)
    assert torch.equal(again, blocks[0, 0, 0])


def test_distributions():
    normal = NoiseStream(3, 0, 400, "additive", 8, 50).take(400)
    assert abs(float(normal.mean())) < 0.01 and abs(float(normal.std()) - 1) < 0.01
    shifts = NoiseStream(3, 0, 400, "phase", 1, 50).take(400)
    assert float(shifts.min()) >= -math.pi and float(shifts.max()) <= math.pi
    # U(-pi, pi): mean 0, variance pi**2 / 3
    assert abs(float(shifts.mean())) < 0.05
    np.testing.assert_allclose(float(shifts.var()), math.pi**2 / 3, rtol=0.02)
    # Examples of one block and of two blocks are uncorrelated.
    flat = normal.reshape(400, -1)
    assert abs(np.corrcoef(flat[0], flat[1])[0, 1]) < 0.1
    assert abs(np.corrcoef(flat[0], flat[NOISE_BLOCK])[0, 1]) < 0.1


def test_taking_more_than_is_left_raises():
    stream = NoiseStream(0, 0, 10, "additive", 1, 3)
    stream.take(8)
    with pytest.raises(ValueError, match="3 examples asked for, only 2 left"):
        stream.take(3)
