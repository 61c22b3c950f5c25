"""Sign-flip tests across subjects: agreement with MNE and SciPy, error rates on null data
(binomial intervals), power on planted effects, cluster layout over a real montage."""

from __future__ import annotations

import logging

import mne
import numpy as np
import pytest
import scipy.sparse
import scipy.stats

from eegvis.data.eegbci import CHANNELS
from eegvis.data.montage import standard_montage
from eegvis.stats import one_sample as statistics
from eegvis.stats.one_sample import MapTest, one_sample_test

ALPHA = 0.05


@pytest.fixture(scope="module")
def channel_adjacency() -> scipy.sparse.csr_array:
    """Adjacency of the 64 EEGBCI channels (Delaunay triangulation of 10-05 positions)."""
    info = mne.create_info(list(CHANNELS), 160.0, "eeg")
    info.set_montage(standard_montage())
    adjacency, names = mne.channels.find_ch_adjacency(info, "eeg")
    assert names == list(CHANNELS)
    return scipy.sparse.csr_array(adjacency)


def neighbours(adjacency: scipy.sparse.csr_array, channel: int) -> np.ndarray:
    return np.setdiff1d(adjacency[[channel]].indices, [channel])


def binomial_interval(n_reps: int, p: float = ALPHA) -> tuple[float, float]:
    low, high = scipy.stats.binom.interval(0.99, n_reps, p)
    return low / n_reps, high / n_reps


# --- tmax against MNE and SciPy -----------------------------------------------------------


@pytest.mark.parametrize("n_subjects", [6, 8])
def test_tmax_exact_equals_mne_permutation_t_test(n_subjects):
    rng = np.random.default_rng(n_subjects)
    data = rng.standard_normal((n_subjects, 7, 3))
    data[:, 2, 1] += 3.0  # a few cells with effects of different sizes
    data[:, 4, 0] += 1.0
    data[:, 5, 2] -= 0.7
    result = one_sample_test(data, n_permutations=10_000)
    t_mne, p_mne, h0 = mne.stats.permutation_t_test(
        data.reshape(n_subjects, -1), n_permutations=10_000, verbose=False
    )
    assert result.exact and result.n_permutations == 2 ** (n_subjects - 1) == len(h0)
    np.testing.assert_array_equal(result.p.ravel(), p_mne)
    np.testing.assert_allclose(result.t.ravel(), t_mne, rtol=1e-12)
    np.testing.assert_allclose(
        result.t, scipy.stats.ttest_1samp(data, 0.0).statistic, rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(result.mean, data.mean(axis=0))
    # The planted cell is the largest |t| of every sign pattern: smallest possible p.
    assert result.p[2, 1] == 2 / 2**n_subjects
    assert result.p.shape == result.significant.shape == (7, 3)
    np.testing.assert_array_equal(result.significant, result.p < ALPHA)


def test_exact_threshold_is_mnes():
    """Exact from n_permutations >= 2 ** (n - 1), the distinct patterns of a two-sided test."""
    data = np.random.default_rng(0).standard_normal((8, 4, 2))
    assert one_sample_test(data, n_permutations=128).exact
    below = one_sample_test(data, n_permutations=127)
    assert not below.exact and below.n_permutations == 127


def test_random_flips_approximate_exact_p_and_are_reproducible():
    n_subjects, n_permutations = 13, 2000  # 4096 distinct patterns: random draws
    rng = np.random.default_rng(5)
    data = rng.standard_normal((n_subjects, 16, 4)) + np.linspace(0, 1.2, 64).reshape(16, 4)
    exact = one_sample_test(data, n_permutations=4096)
    drawn = one_sample_test(data, n_permutations=n_permutations, seed=3)
    assert exact.exact and not drawn.exact and drawn.n_permutations == n_permutations
    np.testing.assert_array_equal(drawn.t, exact.t)
    se = np.sqrt(exact.p * (1 - exact.p) / n_permutations)
    assert np.all(np.abs(drawn.p - exact.p) <= 4 * se + 1 / n_permutations)
    assert drawn.p.min() >= 1 / n_permutations
    assert np.sum((exact.p > 0.005) & (exact.p < 0.9)) >= 10  # p spread, not all at the ends
    again = one_sample_test(data, n_permutations=n_permutations, seed=3)
    np.testing.assert_array_equal(again.p, drawn.p)
    other = one_sample_test(data, n_permutations=n_permutations, seed=4)
    assert not np.array_equal(other.p, drawn.p)


def test_chunking_does_not_change_results(monkeypatch):
    data = np.random.default_rng(2).standard_normal((9, 10, 3)) + 0.3
    expected = {m: one_sample_test(data, method=m, n_permutations=200) for m in ("tmax", "fdr")}
    monkeypatch.setattr(statistics, "_CHUNK_VALUES", 7)
    for method, reference in expected.items():
        chunked = one_sample_test(data, method=method, n_permutations=200)
        np.testing.assert_array_equal(chunked.p, reference.p)


# --- fdr -------------------------------------------------------------------------------------


def test_fdr_is_benjamini_hochberg_of_per_cell_permutation_p():
    n_subjects = 8
    rng = np.random.default_rng(11)
    data = rng.standard_normal((n_subjects, 6, 2))
    data[:, :3, 0] += 2.0
    result = one_sample_test(data, method="fdr", n_permutations=10_000)
    flat = data.reshape(n_subjects, -1)
    # Per-cell exact p: MNE's test on one cell at a time (tmax over a family of one).
    uncorrected = np.array(
        [
            mne.stats.permutation_t_test(flat[:, [c]], n_permutations=10_000, verbose=False)[1][0]
            for c in range(flat.shape[1])
        ]
    )
    reject, adjusted = mne.stats.fdr_correction(uncorrected, alpha=ALPHA)
    np.testing.assert_allclose(result.p.ravel(), adjusted, rtol=1e-12)
    np.testing.assert_array_equal(result.significant.ravel(), reject)
    assert result.significant[:3, 0].all()


# --- error rates on null data ----------------------------------------------------------------


def null_maps(rng: np.random.Generator, shape: tuple[int, ...], noise: str) -> np.ndarray:
    if noise == "gaussian":
        return rng.standard_normal(shape)
    return rng.standard_t(2, size=shape)  # symmetric, infinite variance


def assert_family_wise_error_rate_is_alpha(n_reps, null_test, min_uncorrected=0.9):
    """Assert that ``null_test(rep)``, which returns null data of one repetition and its
    test result, finds a significant cell in a share of the ``n_reps`` repetitions within
    the 99% binomial interval of ALPHA, and that uncorrected t-tests (SciPy's) find one in
    more than ``min_uncorrected`` of them."""
    any_significant = any_uncorrected = 0
    for rep in range(n_reps):
        data, result = null_test(rep)
        any_significant += bool(result.significant.any())
        any_uncorrected += bool((scipy.stats.ttest_1samp(data, 0.0).pvalue < ALPHA).any())
    rate = any_significant / n_reps
    low, high = binomial_interval(n_reps)
    assert low <= rate <= high, f"FWER {rate} outside [{low}, {high}]"
    assert any_uncorrected / n_reps > min_uncorrected  # the correction is doing the work


@pytest.mark.parametrize(
    ("noise", "n_subjects", "n_permutations"),
    [("gaussian", 10, 1024), ("heavy-tailed", 12, 300)],  # exact (512) / random draws
)
def test_tmax_family_wise_error_rate_is_alpha(noise, n_subjects, n_permutations):
    n_reps = 500
    rng = np.random.default_rng(2024)

    def null_test(rep):
        data = null_maps(rng, (n_subjects, 64, 3), noise)
        return data, one_sample_test(data, n_permutations=n_permutations, alpha=ALPHA, seed=rep)

    assert_family_wise_error_rate_is_alpha(n_reps, null_test)


def test_fdr_family_wise_error_rate_under_complete_null_is_alpha():
    """Under the complete null every discovery is false: BH's FDR is its FWER."""
    n_reps, n_subjects = 400, 12  # exact: 2048 patterns, resolution well below alpha / 64
    rng = np.random.default_rng(7)

    def null_test(rep):
        data = rng.standard_normal((n_subjects, 32, 2))
        result = one_sample_test(data, method="fdr", n_permutations=4096, alpha=ALPHA)
        assert result.exact
        return data, result

    assert_family_wise_error_rate_is_alpha(n_reps, null_test)


def test_cluster_family_wise_error_rate_is_alpha(channel_adjacency):
    """Spatially smooth null maps over the real montage, two bands, random sign flips."""
    n_reps, n_subjects = 250, 10
    rng = np.random.default_rng(3)
    n_channels = channel_adjacency.shape[0]
    degree = channel_adjacency.sum(axis=1)
    smooth = scipy.sparse.diags_array(1 / degree) @ channel_adjacency  # neighbourhood mean

    def null_test(rep):
        noise = rng.standard_normal((n_subjects, n_channels, 2))
        data = np.stack([smooth @ subject for subject in noise])
        result = one_sample_test(
            data, method="cluster", adjacency=channel_adjacency, n_permutations=128, seed=rep
        )
        assert not result.exact and result.n_permutations == 128
        return data, result

    assert_family_wise_error_rate_is_alpha(n_reps, null_test, min_uncorrected=0.5)


# --- power -----------------------------------------------------------------------------------


def test_tmax_finds_planted_effect_and_nothing_else():
    rng = np.random.default_rng(8)
    data = rng.standard_normal((10, 64, 3))
    channels = [8, 9, 10]  # C3, C1, Cz in band 1
    data[:, channels, 1] += 3.5  # all three found for 199 of 200 seeds
    result = one_sample_test(data)
    expected = np.zeros((64, 3), dtype=bool)
    expected[channels, 1] = True
    np.testing.assert_array_equal(result.significant, expected)
    assert result.exact and result.n_permutations == 512


def test_fdr_finds_planted_effect_with_enough_sign_patterns():
    rng = np.random.default_rng(9)
    data = rng.standard_normal((14, 64, 3))
    data[:, [8, 9, 10], 1] += 2.5
    result = one_sample_test(data, method="fdr", n_permutations=8192)
    assert result.significant[[8, 9, 10], 1].all()
    assert result.significant.sum() <= 4  # at most one false discovery


def test_warns_when_no_p_can_reach_alpha(caplog):
    data = np.random.default_rng(0).standard_normal((5, 4, 2)) + 5.0
    with caplog.at_level(logging.WARNING, logger="eegvis.stats.one_sample"):
        result = one_sample_test(data)
    assert "no cell can be significant" in caplog.text
    assert result.p.min() == 1 / 16 and not result.significant.any()


# --- clusters --------------------------------------------------------------------------------


def plant_blob(data: np.ndarray, blob: np.ndarray, index: tuple, effect: float) -> None:
    for channel in blob:
        data[(slice(None), channel, *index)] += effect


def test_cluster_finds_planted_blob_as_one_cluster_within_its_band(channel_adjacency):
    rng = np.random.default_rng(12)
    data = rng.standard_normal((10, 64, 3))
    c3 = CHANNELS.index("C3")
    blob = np.append(neighbours(channel_adjacency, c3), c3)
    assert len(blob) >= 5
    plant_blob(data, blob, (1,), 1.5)
    result = one_sample_test(data, method="cluster", adjacency=channel_adjacency, seed=1)
    assert result.exact and result.n_permutations == 512
    labels = np.unique(result.clusters[blob, 1])
    assert len(labels) == 1 and labels[0] >= 0  # the blob is one cluster
    assert result.significant[blob, 1].all()
    members = result.clusters == labels[0]
    assert not members[:, [0, 2]].any()  # the cluster stays in its band
    grown = np.unique(np.concatenate([channel_adjacency[[c]].indices for c in blob]))
    assert np.isin(np.flatnonzero(members[:, 1]), grown).all()  # blob plus a rim at most
    np.testing.assert_array_equal(result.significant, members)  # nothing else


def test_cluster_never_spans_bands_or_other_axes(channel_adjacency):
    """The same blob in two neighbouring bands, and in a 4-D map: one cluster per map."""
    rng = np.random.default_rng(13)
    cz = CHANNELS.index("Cz")
    blob = np.append(neighbours(channel_adjacency, cz), cz)
    data = rng.standard_normal((10, 64, 2, 3))
    plant_blob(data, blob, (0, 1), 2.0)
    plant_blob(data, blob, (0, 2), 2.0)
    plant_blob(data, blob, (1, 1), 2.0)
    result = one_sample_test(data, method="cluster", adjacency=channel_adjacency, seed=2)
    found = set()
    for index in [(0, 1), (0, 2), (1, 1)]:
        labels = np.unique(result.clusters[(blob, *index)])
        assert len(labels) == 1 and labels[0] >= 0
        assert result.significant[(blob, *index)].all()
        members = np.argwhere(result.clusters == labels[0])
        assert np.all(members[:, 1:] == index)  # one map only
        found.add(int(labels[0]))
    assert len(found) == 3


def test_cluster_layout_equals_mne_with_channels_last(channel_adjacency):
    """MNE's documented layout, (n, band, channel) with combine_adjacency(zeros, channels),
    gives the same t, clusters and p for the same permutations (exact test)."""
    rng = np.random.default_rng(14)
    data = rng.standard_normal((8, 64, 3))
    plant_blob(data, np.array([CHANNELS.index(c) for c in ("C4", "C6", "CP4")]), (2,), 1.5)
    plant_blob(data, np.array([CHANNELS.index(c) for c in ("F3", "F1", "FC3")]), (0,), -1.5)
    result = one_sample_test(data, method="cluster", adjacency=channel_adjacency)
    adjacency = mne.stats.combine_adjacency(np.zeros((3, 3)), channel_adjacency)
    t, clusters, cluster_p, h0 = mne.stats.permutation_cluster_1samp_test(
        data.transpose(0, 2, 1), n_permutations=1024, adjacency=adjacency, verbose="error"
    )
    np.testing.assert_allclose(result.t, t.T, rtol=1e-12)
    assert result.n_permutations == len(h0) == 128
    p = np.ones((3, 64))
    for (bands, channels), cluster_pv in zip(clusters, cluster_p, strict=True):
        p[bands, channels] = cluster_pv
    np.testing.assert_array_equal(result.p, p.T)
    assert len(clusters) >= 2 and result.significant.any()
    assert result.cluster_threshold == pytest.approx(scipy.stats.t.ppf(0.975, 7))


def test_cluster_requires_matching_adjacency(channel_adjacency):
    data = np.zeros((6, 64, 2))
    with pytest.raises(ValueError, match="adjacency is required"):
        one_sample_test(data, method="cluster")
    with pytest.raises(ValueError, match="adjacency must have shape"):
        one_sample_test(data[:, :10], method="cluster", adjacency=channel_adjacency)
    with pytest.raises(ValueError, match="cluster_threshold"):
        one_sample_test(data, method="cluster", adjacency=channel_adjacency, cluster_threshold=-1.0)


# --- untestable cells ------------------------------------------------------------------------


def test_nan_and_constant_cells_are_left_out_of_the_family():
    n_subjects = 8
    rng = np.random.default_rng(15)
    data = rng.standard_normal((n_subjects, 5, 3)) + 0.4
    data[3, 2, 1] = np.nan  # one subject missing
    data[:, 4, 0] = 0.0  # constant: t undefined
    bad = np.zeros((5, 3), dtype=bool)
    bad[2, 1] = bad[4, 0] = True
    for method in ("tmax", "fdr"):
        result = one_sample_test(data, method=method, n_permutations=10_000)
        assert np.isnan(result.t[bad]).all() and np.isnan(result.p[bad]).all()
        assert not result.significant[bad].any()
        assert np.isfinite(result.p[~bad]).all()
    tmax = one_sample_test(data, n_permutations=10_000)
    _, p_mne, _ = mne.stats.permutation_t_test(data[:, ~bad], n_permutations=10_000, verbose=False)
    np.testing.assert_array_equal(tmax.p[~bad], p_mne)
    assert np.isnan(tmax.mean[2, 1]) and tmax.mean[4, 0] == 0.0


def test_nan_cells_break_clusters(channel_adjacency):
    rng = np.random.default_rng(16)
    data = rng.standard_normal((10, 64, 1))
    line = [CHANNELS.index(c) for c in ("C5", "C3", "C1", "Cz", "C2", "C4", "C6")]
    plant_blob(data, np.array(line), (0,), 2.5)
    whole = one_sample_test(data, method="cluster", adjacency=channel_adjacency)
    assert len(np.unique(whole.clusters[line, 0])) == 1
    # Remove the other links between the two halves of the line, so only Cz joins them.
    adjacency = channel_adjacency.tolil()
    left, right = line[:3], line[4:]
    for a in left:
        for b in right:
            adjacency[a, b] = adjacency[b, a] = 0
    adjacency = adjacency.tocsr()
    joined = one_sample_test(data, method="cluster", adjacency=adjacency)
    assert len(np.unique(joined.clusters[line, 0])) == 1
    data[0, line[3], 0] = np.nan  # Cz missing in one subject
    cut = one_sample_test(data, method="cluster", adjacency=adjacency)
    assert np.isnan(cut.t[line[3], 0]) and np.isnan(cut.p[line[3], 0])
    assert cut.clusters[line[3], 0] == -1
    assert len(np.unique(cut.clusters[left, 0])) == 1
    assert len(np.unique(cut.clusters[right, 0])) == 1
    assert cut.clusters[left[0], 0] != cut.clusters[right[0], 0]


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        (np.zeros((4, 3)), {"method": "bonferroni"}, "method"),
        (np.zeros(4), {}, "data"),
        (np.zeros((1, 3)), {}, "2 subjects"),
        (np.zeros((4, 3)), {"alpha": 0.0}, "alpha"),
        (np.zeros((4, 3)), {"alpha": 1.0}, "alpha"),
        (np.zeros((4, 3)), {"n_permutations": 0}, "n_permutations"),
        (np.zeros((4, 3)), {"n_permutations": 10.5}, "n_permutations"),
        (np.zeros((4, 3)), {"seed": 1.5}, "seed"),
    ],
)
def test_rejects_bad_arguments(data, kwargs, message):
    with pytest.raises(ValueError, match=message):
        one_sample_test(data, **kwargs)


def test_result_is_a_frozen_record():
    result = one_sample_test(np.random.default_rng(0).standard_normal((6, 3)))
    assert isinstance(result, MapTest) and result.method == "tmax" and result.n_subjects == 6
    assert result.cluster_threshold is None and result.clusters is None
    with pytest.raises(AttributeError):
        result.alpha = 0.1  # type: ignore[misc]
