"""eegvis's ground-truth scores against braindecode 1.8.1's ``compute_metrics``.

braindecode scores an ``(n_samples, n_chans, n_times)`` explanation against a
reference of the same shape; a channel x frequency map passes as it is (frequency
in the place of time; without ``chs_info`` nothing is projected) and the mask as
its 0/1 reference (``abs_reference=True``: the cells > 0 are the mask, K their
number). It defines the relevance mass accuracy on min-max normalised maps and
the rank accuracy on the cells at or above the K-th largest value, so each of
its variants equals one of ours under a condition:

- ``RelevanceMassAccuracy_absnorm`` (its ``|explanation|`` with
  ``abs_explanation=True``, min-max normalised) is our
  :func:`relevance_mass_accuracy` of ``|R| - min |R|``: of the map itself
  whenever one cell is zero.
- ``RelevanceMassAccuracy_norm`` (the signed explanation, min-max normalised) is
  ours of ``R - min R``: of the map itself when it is non-negative with a zero.
- ``RelevanceRankAccuracy_topK`` is our :func:`relevance_rank_accuracy` when no
  cell ties with the K-th largest ``|R|`` (it counts every tied cell, and
  divides by their number) and that value is above the smallest (its
  normalisation makes the smallest 0, and a 0 is never among its top K).

``RelevanceMassAccuracy_topperc`` scores a map thresholded at its 95th percentile,
which eegvis does not define; braindecode has no pointing game or ROC-AUC.
Samples it skips (constant or all-zero maps) score 0 there; none are used here.
"""

from __future__ import annotations

import numpy as np
import pytest

from eegvis.data.artifacts import Artifacts, planted_masks
from eegvis.data.eegbci import CHANNELS, SFREQ
from eegvis.evaluation.ground_truth import relevance_mass_accuracy, relevance_rank_accuracy

#: rFFT frequencies of 2 s windows of the EEGBCI recordings, 0 to 80 Hz.
FREQS = np.fft.rfftfreq(int(2 * SFREQ), 1 / SFREQ)
ARTIFACTS = Artifacts(saccade_uv=50.0, spike_uv=20.0, blink_uv=100.0, muscle_uv=10.0)
MASKS = planted_masks(CHANNELS, FREQS, ARTIFACTS)
N_MAPS = 6
CELLS = (-2, -1)  # the channel and frequency axes of a stack of maps


@pytest.fixture(scope="module")
def metrics(braindecode181):
    return braindecode181("metrics")


def random_maps(mask: np.ndarray, seed: int) -> np.ndarray:
    """Signed, continuous (tie-free) maps, larger inside the mask, shape (N_MAPS, *mask.shape)."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(N_MAPS, *mask.shape))
    return noise + mask * rng.uniform(0.0, 3.0, size=(N_MAPS, 1, 1))


def scores(metrics, maps: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
    """braindecode's 12 scores of each map, by name."""
    reference = np.broadcast_to(mask.astype(float), maps.shape)
    values, n_skipped = metrics.compute_metrics(maps, reference, abs_explanation=True)
    assert n_skipped == 0
    return dict(zip(metrics.METRIC_NAMES, values.T, strict=True))


def test_the_masks_are_the_planted_effect_and_every_artifact():
    expected = ["left_hand", "right_hand", "saccade", "saccade_spike", "blinks", "muscle"]
    assert list(MASKS) == expected


@pytest.mark.parametrize("name", list(MASKS))
def test_mass_accuracy_of_min_max_normalised_maps_is_ours_of_the_shifted_map(metrics, name):
    mask = MASKS[name]
    maps = random_maps(mask, seed=len(name))
    theirs = scores(metrics, maps, mask)
    magnitude = np.abs(maps)
    np.testing.assert_allclose(
        theirs["RelevanceMassAccuracy_absnorm"],
        relevance_mass_accuracy(magnitude - magnitude.min(axis=CELLS, keepdims=True), mask),
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        theirs["RelevanceMassAccuracy_norm"],
        relevance_mass_accuracy(maps - maps.min(axis=CELLS, keepdims=True), mask),
        rtol=1e-10,
    )


@pytest.mark.parametrize("name", list(MASKS))
def test_mass_accuracy_of_maps_with_a_zero_cell_is_ours(metrics, name):
    mask = MASKS[name]
    maps = random_maps(mask, seed=len(name))
    magnitude = np.abs(maps)
    signed = np.where(magnitude == magnitude.min(axis=CELLS, keepdims=True), 0.0, maps)
    ours = relevance_mass_accuracy(signed, mask)
    theirs = scores(metrics, signed, mask)["RelevanceMassAccuracy_absnorm"]
    np.testing.assert_allclose(theirs, ours, rtol=1e-10)
    theirs = scores(metrics, np.abs(signed), mask)  # non-negative
    np.testing.assert_allclose(theirs["RelevanceMassAccuracy_absnorm"], ours, rtol=1e-10)
    np.testing.assert_allclose(theirs["RelevanceMassAccuracy_norm"], ours, rtol=1e-10)


@pytest.mark.parametrize("name", list(MASKS))
def test_rank_accuracy_of_maps_without_ties(metrics, name):
    mask = MASKS[name]
    maps = random_maps(mask, seed=10 + len(name))
    assert all(np.unique(np.abs(m)).size == m.size for m in maps)  # no ties
    theirs = scores(metrics, maps, mask)["RelevanceRankAccuracy_topK"]
    ours = relevance_rank_accuracy(maps, mask)
    np.testing.assert_allclose(theirs, ours, rtol=1e-12)
    assert np.ptp(ours) > 0  # the maps score differently


def test_rank_accuracy_differs_on_ties_at_the_kth_value(metrics):
    """Where cells tie with the K-th largest value, braindecode keeps them all; eegvis shares."""
    mask = MASKS["blinks"]
    k = int(mask.sum())
    maps = np.zeros((1, *mask.shape))
    maps[0][mask] = np.r_[np.full(k - 1, 2.0), 1.0]  # the K-th largest inside: 1
    maps[0][~mask] = np.r_[1.0, 0.5 * np.ones((~mask).sum() - 1)]  # one tie outside
    theirs = scores(metrics, maps, mask)["RelevanceRankAccuracy_topK"]
    assert theirs == pytest.approx(k / (k + 1))  # K + 1 cells kept, K inside
    assert relevance_rank_accuracy(maps[0], mask) == pytest.approx((k - 1 + 1 / 2) / k)
