"""Ground-truth scores of attribution maps: values by hand, invariances, chance, tables."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
import xarray as xr
from sklearn.metrics import roc_auc_score

from eegvis.evaluation.ground_truth import (
    METRICS,
    chance_levels,
    class_masks,
    ground_truth_scores,
    merge_class_masks,
    pointing_game,
    relevance_mass_accuracy,
    relevance_rank_accuracy,
    roc_auc,
)

NAMES = ["relevance_mass_accuracy", "relevance_rank_accuracy", "pointing_game", "roc_auc"]
#: A 2 x 3 map: |R| = 4 1 0 / 2 0 3, total 10; the mask holds the 1 and the 3.
RELEVANCE = np.array([[4.0, -1.0, 0.0], [2.0, 0.0, -3.0]])
MASK = np.array([[False, True, False], [False, False, True]])


def random_mask(rng: np.random.Generator, shape: tuple[int, int], share: float) -> np.ndarray:
    """A mask holding about ``share`` of the cells, at least one in and one out."""
    mask = rng.random(shape) < share
    mask.flat[0], mask.flat[-1] = True, False
    return mask


def maps(values: np.ndarray, classes: tuple[str, ...] = ("left_hand", "right_hand")):
    """Maps of shape (subject, channel, frequency, class) with eegvis's coordinates."""
    n_subjects, n_channels, n_freqs, _ = values.shape
    return xr.DataArray(
        values,
        dims=("subject", "channel", "frequency", "class"),
        coords={
            "subject": np.arange(1, n_subjects + 1),
            "channel": [f"ch{i}" for i in range(n_channels)],
            "frequency": np.arange(n_freqs, dtype=float),
            "class": list(classes),
        },
    )


def test_metrics_are_named_and_ordered_as_documented():
    assert list(METRICS) == NAMES
    assert list(chance_levels(MASK)) == NAMES


def test_scores_of_a_small_map_computed_by_hand():
    assert relevance_mass_accuracy(RELEVANCE, MASK) == pytest.approx((1 + 3) / 10)
    # top 2 by |R| are the 4 (outside) and the 3 (inside)
    assert relevance_rank_accuracy(RELEVANCE, MASK) == pytest.approx(1 / 2)
    assert pointing_game(RELEVANCE, MASK) == 0.0
    # inside 1 beats the two 0s; inside 3 beats 0, 2, 0: 5 of 2 x 4 pairs
    assert roc_auc(RELEVANCE, MASK) == pytest.approx(5 / 8)
    assert pointing_game(RELEVANCE, ~MASK) == 1.0


def test_ties_are_shared_by_the_cells_tied_at_the_threshold():
    relevance = np.array([[3.0, 2.0, 2.0], [2.0, 0.0, 0.0]])
    mask = np.array([[False, True, False], [False, True, False]])
    # the top 2: the 3 and one of three tied 2s, one of which is inside
    assert relevance_rank_accuracy(relevance, mask) == pytest.approx((0 + 1 / 3) / 2)
    flat = np.array([[1.0, 1.0], [1.0, 0.0]])
    corner = np.array([[True, False], [False, False]])
    assert pointing_game(flat, corner) == pytest.approx(1 / 3)
    assert roc_auc(flat, corner) == pytest.approx((0.5 + 0.5 + 1) / 3)


@pytest.mark.parametrize("name", NAMES)
def test_a_constant_map_scores_chance_except_an_all_zero_mass(name):
    mask = random_mask(np.random.default_rng(1), (6, 5), 0.3)
    chance = chance_levels(mask)[name]
    assert METRICS[name](np.full(mask.shape, 2.5), mask) == pytest.approx(chance)
    zero = METRICS[name](np.zeros(mask.shape), mask)
    if name == "relevance_mass_accuracy":
        assert np.isnan(zero)
    else:
        assert zero == pytest.approx(chance)


@pytest.mark.parametrize("name", NAMES)
def test_scores_read_the_magnitude_only_and_ignore_its_scale(name):
    rng = np.random.default_rng(2)
    relevance = rng.normal(size=(4, 7, 9))
    mask = random_mask(rng, (7, 9), 0.2)
    score = METRICS[name](relevance, mask)
    signs = rng.choice([-1.0, 1.0], size=relevance.shape)
    np.testing.assert_allclose(METRICS[name](-relevance, mask), score)
    np.testing.assert_allclose(METRICS[name](signs * relevance, mask), score)
    np.testing.assert_allclose(METRICS[name](1e-6 * relevance, mask), score)
    np.testing.assert_allclose(METRICS[name](1e6 * relevance, mask), score)


@pytest.mark.parametrize("name", NAMES)
def test_scores_are_vectorised_over_leading_axes(name):
    rng = np.random.default_rng(3)
    relevance = rng.normal(size=(2, 3, 5, 4)).round(1)  # rounded: ties too
    mask = random_mask(rng, (5, 4), 0.3)
    scores = METRICS[name](relevance, mask)
    assert scores.shape == (2, 3)
    for index in np.ndindex(2, 3):
        assert scores[index] == METRICS[name](relevance[index], mask)


def test_a_map_nonzero_only_inside_the_mask_scores_one_everywhere():
    rng = np.random.default_rng(4)
    mask = random_mask(rng, (8, 6), 0.25)
    relevance = mask * rng.uniform(1.0, 2.0, size=(3, *mask.shape)) * rng.choice([-1, 1], (8, 6))
    for name, metric in METRICS.items():
        np.testing.assert_allclose(metric(relevance, mask), 1.0, err_msg=name)


def test_a_map_larger_outside_than_inside_has_auc_zero():
    mask = random_mask(np.random.default_rng(5), (5, 5), 0.4)
    assert roc_auc(np.where(mask, 1.0, 2.0), mask) == 0.0


def test_random_maps_score_chance_on_average():
    rng = np.random.default_rng(6)
    mask = random_mask(rng, (8, 10), 0.15)
    noise = rng.normal(size=(4000, *mask.shape))
    for name, chance in chance_levels(mask).items():
        scores = METRICS[name](noise, mask)
        standard_error = scores.std() / np.sqrt(scores.size)
        assert abs(scores.mean() - chance) < 4 * standard_error, name
    assert abs(roc_auc(noise, mask).mean() - 0.5) < 0.005


@pytest.mark.parametrize("seed", range(5))
def test_roc_auc_equals_sklearn_with_ties(seed):
    rng = np.random.default_rng(seed)
    mask = random_mask(rng, (9, 11), 0.3)
    relevance = rng.integers(-3, 4, size=(6, *mask.shape)).astype(float)  # many ties
    expected = [roc_auc_score(mask.ravel(), np.abs(one).ravel()) for one in relevance]
    np.testing.assert_allclose(roc_auc(relevance, mask), expected, rtol=1e-12)


def test_chance_levels_are_the_mask_share_and_one_half():
    mask = np.zeros((4, 5), dtype=bool)
    mask[1, :3] = True
    assert chance_levels(mask) == {
        "relevance_mass_accuracy": 0.15,
        "relevance_rank_accuracy": 0.15,
        "pointing_game": 0.15,
        "roc_auc": 0.5,
    }


@pytest.mark.parametrize(
    ("mask", "message"),
    [
        (MASK.astype(int), "mask must be boolean"),
        (np.zeros((2, 3), dtype=bool), "mask is empty"),
        (np.ones((2, 3), dtype=bool), "mask holds every cell"),
        (MASK.T, r"relevance of shape \(2, 3\) does not end in the mask's shape \(3, 2\)"),
    ],
)
@pytest.mark.parametrize("name", NAMES)
def test_metrics_reject_masks_they_cannot_score_against(name, mask, message):
    with pytest.raises(ValueError, match=message):
        METRICS[name](RELEVANCE, mask)


def test_metrics_reject_non_finite_relevance():
    with pytest.raises(ValueError, match="relevance must be finite"):
        roc_auc(np.where(MASK, np.nan, 1.0), MASK)


def test_each_class_is_scored_against_its_own_effect_and_every_artifact():
    masks = dict.fromkeys(["left_hand", "saccade", "right_hand", "muscle"])
    assert class_masks(["left_hand", "right_hand", "feet"], masks) == {
        "left_hand": ["left_hand", "saccade", "muscle"],
        "right_hand": ["right_hand", "saccade", "muscle"],
        "feet": ["saccade", "muscle"],
    }
    assert class_masks(["left_hand"], {"left_hand": None}) == {"left_hand": ["left_hand"]}


def scored(n_subjects: int = 6, seed: int = 7):
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(n_subjects, 5, 4, 2))
    masks = {
        "left_hand": random_mask(rng, (5, 4), 0.2),
        "right_hand": random_mask(rng, (5, 4), 0.2),
        "saccade": random_mask(rng, (5, 4), 0.3),
    }
    return maps(values), masks


def test_tables_have_the_documented_columns_with_the_labels_first():
    data, masks = scored()
    per_subject, summary = ground_truth_scores(data, masks, method="deeplift", network="trained")
    assert list(per_subject.columns) == [
        *("method", "network", "subject", "class", "mask", "metric", "value")
    ]
    assert list(summary.columns) == [
        *("method", "network", "class", "mask", "metric", "value", "ci_low", "ci_high"),
        *("n_subjects", "chance"),
    ]
    assert set(summary["method"]) == {"deeplift"} and set(per_subject["network"]) == {"trained"}
    pairs = summary[["class", "mask"]].drop_duplicates().apply(tuple, axis=1).tolist()
    assert pairs == [
        ("left_hand", "left_hand"),
        ("left_hand", "saccade"),
        ("right_hand", "right_hand"),
        ("right_hand", "saccade"),
    ]
    assert summary["metric"].tolist() == NAMES * 4
    assert len(per_subject) == 6 * len(summary)
    assert summary["n_subjects"].dtype.kind == "i"


def test_per_subject_values_are_the_metrics_of_each_map_and_the_summary_their_mean():
    data, masks = scored()
    per_subject, summary = ground_truth_scores(data.transpose("class", "frequency", ...), masks)
    for name, metric in METRICS.items():
        rows = per_subject[
            (per_subject["class"] == "right_hand")
            & (per_subject["mask"] == "saccade")
            & (per_subject["metric"] == name)
        ]
        expected = metric(data.sel({"class": "right_hand"}).values, masks["saccade"])
        assert rows["subject"].tolist() == [1, 2, 3, 4, 5, 6]
        np.testing.assert_allclose(rows["value"], expected)
        row = summary[
            (summary["class"] == "right_hand")
            & (summary["mask"] == "saccade")
            & (summary["metric"] == name)
        ].iloc[0]
        assert row["value"] == pytest.approx(expected.mean())
        assert row["chance"] == chance_levels(masks["saccade"])[name]
        assert row["n_subjects"] == 6


def test_confidence_interval_is_student_t_across_subjects():
    data, masks = scored(n_subjects=9)
    per_subject, summary = ground_truth_scores(data, masks, confidence=0.9)
    keys = ["class", "mask", "metric"]
    for key, rows in per_subject.groupby(keys, sort=False):
        values = rows["value"].to_numpy()
        row = summary.set_index(keys).loc[key]
        if values.std() == 0:  # e.g. every subject's maximum inside the mask
            assert row["ci_low"] == row["ci_high"] == row["value"]
            continue
        low, high = scipy.stats.t.interval(
            0.9, len(values) - 1, values.mean(), scipy.stats.sem(values)
        )
        assert row["ci_low"] <= row["value"] <= row["ci_high"]
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))


def test_confidence_interval_shrinks_with_more_subjects_and_is_nan_for_one():
    data, masks = scored(n_subjects=5)
    twice = xr.concat([data, data.assign_coords(subject=data["subject"] + 5)], "subject")
    few = ground_truth_scores(data, masks)[1]
    many = ground_truth_scores(twice, masks)[1]
    np.testing.assert_allclose(many["value"], few["value"])
    spread = few["ci_high"] - few["ci_low"]
    varies = spread > 0
    assert varies.sum() > 10
    assert ((many["ci_high"] - many["ci_low"])[varies] < spread[varies]).all()
    one = ground_truth_scores(data.isel(subject=[0]), masks)[1]
    assert one["ci_low"].isna().all() and one["ci_high"].isna().all()
    assert (one["n_subjects"] == 1).all()


def test_subjects_with_an_all_zero_map_leave_the_mass_accuracy_out():
    data, masks = scored(n_subjects=4)
    data[0] = 0.0
    per_subject, summary = ground_truth_scores(data, masks)
    mass = summary[summary["metric"] == "relevance_mass_accuracy"]
    assert (mass["n_subjects"] == 3).all() and mass["value"].notna().all()
    assert (summary[summary["metric"] == "roc_auc"]["n_subjects"] == 4).all()
    assert per_subject[per_subject["subject"] == 1]["value"].isna().sum() == len(mass)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d, m: (d.rename(frequency="band"), m), "maps must have the dimensions"),
        (lambda d, m: (d.isel(subject=0), m), "maps must have the dimensions"),
        (lambda d, m: (d.to_dataset(name="map"), m), "maps must be an xarray.DataArray"),
        (lambda d, m: (d.isel(subject=[]), m), "maps holds no subject"),
        (lambda d, m: (d.where(d > 2), m), "maps must be finite"),
        (lambda d, m: (d, {}), "masks is empty"),
        (
            lambda d, m: (d, {**m, "blink": np.eye(4, 5, dtype=bool)}),
            r"masks\['blink'\] has shape \(4, 5\), not the maps' channel x frequency shape",
        ),
        (
            lambda d, m: (d, {**m, "blink": np.zeros((5, 4), dtype=bool)}),
            r"masks\['blink'\] is empty",
        ),
    ],
)
def test_scores_reject_maps_and_masks_they_cannot_score(change, message):
    data, masks = change(*scored())
    with pytest.raises(ValueError, match=message):
        ground_truth_scores(data, masks)


def test_scores_reject_a_bad_confidence_and_labels_that_replace_columns():
    data, masks = scored()
    with pytest.raises(ValueError, match="confidence must be in"):
        ground_truth_scores(data, masks, confidence=95)
    with pytest.raises(ValueError, match=r"labels \['metric'\] would replace"):
        ground_truth_scores(data, masks, metric="x")


def test_merged_class_masks_are_the_union_scored_for_every_class():
    left = np.zeros((3, 4), bool)
    left[0, 1] = True
    right = np.zeros((3, 4), bool)
    right[2, 1] = True
    eyes = np.zeros((3, 4), bool)
    eyes[1, 0] = True
    merged = merge_class_masks({"left": left, "right": right, "eyes": eyes}, ["left", "right"])
    assert list(merged) == ["brain_effect", "eyes"]
    np.testing.assert_array_equal(merged["brain_effect"], left | right)
    assert class_masks(["left", "right"], merged) == {
        "left": ["brain_effect", "eyes"],
        "right": ["brain_effect", "eyes"],
    }
    assert merge_class_masks({"eyes": eyes}, ["left"]) == {"eyes": eyes}
