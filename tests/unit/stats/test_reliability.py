"""Split-half reliability of maps: against hand-computed halves, the Spearman-Brown formula,
the expected reliability of signal plus noise, and NaN handling."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eegvis.stats.reliability import SplitHalf, spearman_brown, split_half


def test_equals_corrcoef_of_odd_and_even_halves():
    maps = np.random.default_rng(0).standard_normal((9, 6, 4))
    result = split_half(maps)
    even = maps[[0, 2, 4, 6, 8]].mean(axis=0).ravel()
    odd = maps[[1, 3, 5, 7]].mean(axis=0).ravel()
    r = np.corrcoef(even, odd)[0, 1]
    assert result.r == pytest.approx(r, abs=1e-14)
    assert result.r_spearman_brown == pytest.approx(2 * r / (1 + r), abs=1e-14)
    assert result.n == 9 and result.n_cells == 24


def test_unit_axis_can_be_any_axis():
    maps = np.random.default_rng(1).standard_normal((5, 7, 3))
    expected = split_half(np.moveaxis(maps, 1, 0))
    for axis in (1, -2):
        result = split_half(maps, axis=axis)
        assert result.r == expected.r and result.n == 7 and result.n_cells == 15


def test_spearman_brown_formula():
    assert spearman_brown(0.5) == pytest.approx(2 / 3)
    assert spearman_brown(0.6, factor=3) == pytest.approx(1.8 / 2.2)
    assert spearman_brown(0.8, factor=0.5) == pytest.approx(0.4 / 0.6)  # shortening
    assert spearman_brown(0.0) == 0.0 and spearman_brown(1.0) == 1.0
    assert spearman_brown(-0.5) == pytest.approx(-2.0)
    # Lengthening and shortening are inverse.
    assert spearman_brown(spearman_brown(0.3, 4), 0.25) == pytest.approx(0.3)
    assert math.isnan(spearman_brown(math.nan)) and math.isnan(spearman_brown(-1.0))


@pytest.mark.parametrize(("r", "factor", "message"), [(1.5, 2, "r"), (0.5, 0, "factor")])
def test_spearman_brown_rejects_bad_arguments(r, factor, message):
    with pytest.raises(ValueError, match=message):
        spearman_brown(r, factor)


def test_identical_halves_give_one():
    pairs = np.random.default_rng(2).standard_normal((4, 10, 3))
    maps = np.repeat(pairs, 2, axis=0)  # units 0 and 1, 2 and 3, ... are the same map
    result = split_half(maps)
    assert result.r == pytest.approx(1.0) and result.r_spearman_brown == pytest.approx(1.0)


def test_pure_noise_gives_r_near_zero():
    maps = np.random.default_rng(3).standard_normal((20, 64, 20))
    r = split_half(maps).r
    assert abs(r) < 4 / math.sqrt(64 * 20)


def test_signal_plus_noise_reliability_matches_theory():
    """Signal variance 1, noise variance 5 per unit, 20 units: each half's mean has noise
    variance 0.5, so r = 1 / 1.5; the full mean's 0.25 gives Spearman-Brown 1 / 1.25."""
    rng = np.random.default_rng(4)
    signal = rng.standard_normal(20_000)
    maps = signal + math.sqrt(5) * rng.standard_normal((20, 20_000))
    result = split_half(maps)
    assert result.r == pytest.approx(1 / 1.5, abs=0.01)
    assert result.r_spearman_brown == pytest.approx(1 / 1.25, abs=0.01)
    full = np.corrcoef(maps.mean(axis=0), signal)[0, 1] ** 2  # reliability = r(map, truth)^2
    assert result.r_spearman_brown == pytest.approx(full, abs=0.01)


def test_nan_values_are_ignored_and_empty_cells_dropped():
    rng = np.random.default_rng(5)
    maps = rng.standard_normal((6, 8, 2))
    maps[2, 0, 0] = np.nan  # one unit missing: nanmean of the other even units
    maps[1::2, 3, 1] = np.nan  # all odd units missing: cell dropped
    result = split_half(maps)
    even = np.nanmean(maps[0::2], axis=0).ravel()
    with pytest.warns(RuntimeWarning, match="empty slice"):
        odd = np.nanmean(maps[1::2], axis=0).ravel()
    keep = np.ones(16, dtype=bool)
    keep[3 * 2 + 1] = False
    assert np.isfinite(even[0])
    assert result.n_cells == 15
    assert result.r == pytest.approx(np.corrcoef(even[keep], odd[keep])[0, 1], abs=1e-14)


@pytest.mark.parametrize(
    "maps",
    [
        np.ones((1, 10)),  # one unit: no halves
        np.random.default_rng(6).standard_normal((4, 2)),  # two cells
        np.array([[1.0, 2, 3, np.nan], [np.nan, np.nan, 1, 2]]),  # two finite cells
        np.vstack([np.ones(10), np.arange(10.0)]),  # a constant half
    ],
)
def test_undefined_correlation_is_nan(maps):
    result = split_half(maps)
    assert isinstance(result, SplitHalf)
    assert math.isnan(result.r) and math.isnan(result.r_spearman_brown)


@pytest.mark.parametrize(
    ("maps", "axis", "message"),
    [(np.zeros(5), 0, "maps"), (np.zeros((4, 3)), 2, "axis"), (np.zeros((4, 3)), 0.5, "axis")],
)
def test_rejects_bad_arguments(maps, axis, message):
    with pytest.raises(ValueError, match=message):
        split_half(maps, axis=axis)
