"""Streaming Pearson correlation against numpy.corrcoef on the pooled data, layout helpers,
and the envelope-activation / envelope-class correlations end to end."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import scipy.signal
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from eegvis.analyses import correlation
from eegvis.analyses.correlation import (
    StreamingCorrelation,
    one_hot_series,
    pool_samples,
)
from eegvis.analyses.envelope_activation import join_windows, kept_outputs
from eegvis.analyses.envelopes import cut_windows, moving_average, squared_envelope
from eegvis.data.filters import bandpass
from eegvis.models.crops import crop_starts
from eegvis.models.layers import LayerGeometry

N_X, N_Y = 6, 4


def pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Reference: numpy.corrcoef of the pooled data, the x-y block (NaN for constant columns)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.corrcoef(x.T, y.T)[: x.shape[1], x.shape[1] :]


def accumulate(x: np.ndarray, y: np.ndarray, bounds: list[int]) -> StreamingCorrelation:
    acc = StreamingCorrelation(x.shape[1], y.shape[1], device="cpu")
    for start, stop in zip([0, *bounds], [*bounds, len(x)], strict=True):
        acc.update(x[start:stop], y[start:stop])
    return acc


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3000, N_X)) * rng.uniform(0.1, 10, N_X)
    y = x[:, :N_Y] @ rng.standard_normal((N_Y, N_Y)) + rng.standard_normal((3000, N_Y))
    return x, y


@pytest.mark.parametrize("bounds", [[], [1], [1000, 2000], list(range(7, 3000, 7)), [2999]])
def test_matches_corrcoef_for_any_batch_split(data, bounds):
    x, y = data
    np.testing.assert_allclose(accumulate(x, y, bounds).correlation(), pearson(x, y), atol=1e-12)


def test_batches_larger_than_a_chunk(data, monkeypatch):
    """Large batches are processed in chunks (here of 5 rows): same result."""
    monkeypatch.setattr(correlation, "_CHUNK_VALUES", 5 * N_X)
    x, y = data
    np.testing.assert_allclose(accumulate(x, y, [1003]).correlation(), pearson(x, y), atol=1e-12)


def test_merge_in_any_subject_order_matches_pooled(data):
    """Subjects on different offsets, each accumulated on its own in two batches, merged in
    any order: the correlation of the pooled data."""
    x, y = data[0].copy(), data[1].copy()
    subjects = [(0, 500, 0.0), (500, 1700, 50.0), (1700, 3000, -300.0)]
    for start, stop, offset in subjects:
        x[start:stop] += offset
        y[start:stop] -= 2 * offset
    results = []
    for order in ([0, 1, 2], [2, 0, 1], [1, 2, 0]):
        total = StreamingCorrelation(N_X, N_Y, device="cpu")
        for i in order:
            start, stop, _ = subjects[i]
            total.merge(accumulate(x[start:stop], y[start:stop], [(start + stop) // 2 - start]))
        assert total.n_samples == 3000
        results.append(total.correlation())
    for result in results:
        np.testing.assert_allclose(result, pearson(x, y), atol=1e-12)


def test_merge_leaves_the_other_accumulator_unchanged(data):
    x, y = data
    first, second = accumulate(x[:100], y[:100], []), accumulate(x[100:], y[100:], [])
    before = second.correlation()
    first.merge(second)
    np.testing.assert_array_equal(second.correlation(), before)
    assert second.n_samples == 2900


def test_same_batches_give_bit_identical_results(data):
    x, y = data
    bounds = [100, 1234]
    np.testing.assert_array_equal(
        accumulate(x, y, bounds).correlation(), accumulate(x, y, bounds).correlation()
    )


@pytest.mark.parametrize("offset", [1e4, 1e8])
def test_large_offsets(data, offset):
    """Per-batch centring keeps the precision of data far from zero; reference: corrcoef of
    the data before the offset was added (the correlation does not depend on it)."""
    x, y = data
    shifted = accumulate(x + offset, y - offset, [1, 1000, 2000])
    np.testing.assert_allclose(shifted.correlation(), pearson(x, y), atol=1e-6)


def test_constant_columns_give_nan_and_a_warning(data, caplog):
    x, y = data[0].copy(), data[1].copy()
    x[:, 2] = 0.1  # 0.1 has no exact binary value: its mean is not exactly 0.1
    y[:, 3] = -7.0
    with caplog.at_level(logging.WARNING, logger="eegvis.analyses.correlation"):
        r = accumulate(x, y, [1000]).correlation()
    assert np.isnan(r[2]).all() and np.isnan(r[:, 3]).all()
    expected = pearson(x, y)
    keep = np.ix_([0, 1, 3, 4, 5], [0, 1, 2])
    np.testing.assert_allclose(r[keep], expected[keep], atol=1e-12)
    assert "1 of 6 x columns are constant (first: [2])" in caplog.text
    assert "1 of 4 y columns are constant (first: [3])" in caplog.text


def test_columns_constant_within_each_batch_are_not_constant(data, caplog):
    """A class label is constant within a trial but varies across trials."""
    x = data[0][:200]
    y = np.repeat([[0.0], [1.0]], 100, axis=0)
    with caplog.at_level(logging.WARNING, logger="eegvis.analyses.correlation"):
        r = accumulate(x, y, [100]).correlation()
    np.testing.assert_allclose(r, pearson(x, y), atol=1e-12)
    assert not caplog.text


def test_too_few_samples_give_nan(caplog):
    acc = StreamingCorrelation(2, 3, device="cpu")
    with caplog.at_level(logging.WARNING, logger="eegvis.analyses.correlation"):
        assert np.isnan(acc.correlation()).all()
        acc.update(np.ones((1, 2)), np.ones((1, 3)))
        assert np.isnan(acc.correlation()).all()
    assert "2 of 2 x columns are constant" in caplog.text


def test_rejects_bad_input():
    acc = StreamingCorrelation(2, 3, device="cpu")
    with pytest.raises(ValueError, match=r"x must have shape \(n_samples, 2\), got \(5, 3\)"):
        acc.update(np.zeros((5, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="x has 5 samples but y has 4"):
        acc.update(np.zeros((5, 2)), np.zeros((4, 3)))
    for bad in (np.nan, np.inf, 1e200):
        with pytest.raises(ValueError, match="NaN, infinite or overflowing"):
            acc.update(np.array([[0.0, 0.0], [0.0, bad]]), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="cannot merge a 3 x 2 accumulator into a 2 x 3 one"):
        acc.merge(StreamingCorrelation(3, 2, device="cpu"))
    acc.update(np.zeros((0, 2)), np.zeros((0, 3)))
    assert acc.n_samples == 0


def test_accepts_tensors_of_any_float_dtype(data):
    x, y = data
    x32 = torch.from_numpy(x).float().requires_grad_()  # e.g. activations straight from a net
    y16 = torch.from_numpy(y).bfloat16()
    acc = StreamingCorrelation(N_X, N_Y, device="cpu")
    acc.update(x32, y16)
    expected = pearson(x32.detach().double().numpy(), y16.double().numpy())
    np.testing.assert_allclose(acc.correlation(), expected, atol=1e-12)


def test_tensor_code_path_matches_numpy_code_path(data):
    """On CPU the batch moments are computed with NumPy, on other devices with torch: the same
    code, checked here with CPU tensors."""
    x, y = data
    cpu = torch.device("cpu")
    from_numpy = correlation._Moments.of_batch(x, y.astype(np.float32), cpu)
    from_torch = correlation._Moments.of_batch(
        torch.from_numpy(x), torch.from_numpy(y).float(), cpu
    )
    for name in ("mean_x", "mean_y", "m2_x", "m2_y", "cxy"):
        torch.testing.assert_close(
            getattr(from_torch, name), getattr(from_numpy, name), rtol=1e-12, atol=1e-9
        )


def test_default_device_is_cuda_when_available():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert StreamingCorrelation(1, 1).device.type == expected


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu(data):
    x, y = data
    on_gpu = accumulate(x[:1500], y[:1500], [700])
    on_gpu_acc = StreamingCorrelation(N_X, N_Y, device="cuda")
    on_gpu_acc.update(torch.from_numpy(x[1500:]).cuda(), y[1500:])
    on_gpu_acc.merge(on_gpu)
    np.testing.assert_allclose(on_gpu_acc.correlation(), pearson(x, y), atol=1e-10)


# --- properties -----------------------------------------------------------------------------

values = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@st.composite
def paired_samples(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, list[int]]:
    n = draw(st.integers(3, 40))
    x = draw(arrays(np.float64, (n, 3), elements=values))
    y = draw(arrays(np.float64, (n, 2), elements=values))
    bounds = sorted(draw(st.sets(st.integers(1, n - 1), max_size=4)))
    return x, y, bounds


def well_conditioned(x: np.ndarray) -> bool:
    """Columns that vary well above rounding (hypothesis likes 1e-300 spreads)."""
    return bool(np.all(x.std(axis=0) > 1e-6 * (1 + np.abs(x).max())))


@settings(max_examples=100, deadline=None)
@given(paired_samples())
def test_correlation_is_bounded(samples):
    x, y, bounds = samples
    r = accumulate(x, y, bounds).correlation()
    assert np.all(np.isnan(r) | ((r >= -1) & (r <= 1)))


@settings(max_examples=100, deadline=None)
@given(paired_samples())
def test_batch_split_and_sign_flip(samples):
    x, y, bounds = samples
    if not (well_conditioned(x) and well_conditioned(y)):
        return
    r = accumulate(x, y, bounds).correlation()
    np.testing.assert_allclose(r, accumulate(x, y, []).correlation(), atol=1e-9)
    np.testing.assert_allclose(r, pearson(x, y), atol=1e-9)
    np.testing.assert_allclose(accumulate(-x, y, bounds).correlation(), -r, atol=1e-9)
    np.testing.assert_allclose(accumulate(x, -y, bounds).correlation(), -r, atol=1e-9)


# --- layout ---------------------------------------------------------------------------------


def test_pool_samples_layout():
    series = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)  # trials, channels, bands, time
    samples = pool_samples(series)
    assert samples.shape == (2 * 5, 3 * 4)
    assert samples[1 * 5 + 2, 2 * 4 + 3] == series[1, 2, 3, 2]  # trial 1, time 2, ch 2, band 3
    np.testing.assert_array_equal(pool_samples(torch.from_numpy(series)).numpy(), samples)
    with pytest.raises(ValueError, match="at least 2 axes"):
        pool_samples(np.zeros(3))


def test_one_hot_series():
    signal = one_hot_series([1, 0, 2], 3, 4)
    assert signal.shape == (3, 3, 4)
    np.testing.assert_array_equal(signal[:, :, 0], np.eye(3)[[1, 0, 2]])
    assert (signal == signal[:, :, :1]).all()
    with pytest.raises(ValueError, match="class indices below 2"):
        one_hot_series([0, 2], 2, 4)


# --- end to end -----------------------------------------------------------------------------

SFREQ = 160.0


def dense(rf: int, window: int) -> LayerGeometry:
    """Geometry of a dense layer (stride 1, no padding) with receptive field ``rf``."""
    return LayerGeometry(rf, 1, 0, window - rf + 1, slice(0, window - rf + 1), 2)


def joined_envelopes(filtered: np.ndarray, starts: np.ndarray, window: int, rf: int):
    """Squared envelopes of each window averaged over a dense layer's receptive field ``rf``,
    joined into per-trial series."""
    windowed = moving_average(squared_envelope(cut_windows(filtered, starts, window)), rf)
    return join_windows(windowed, len(starts), kept_outputs(starts, dense(rf, window)))


def test_envelope_activation_correlation_is_one_for_a_unit_that_computes_the_envelope():
    """A unit that outputs its window's alpha power averaged over its receptive field
    correlates perfectly with that channel's aligned envelope; one sample of misalignment
    breaks it. Windows, crops and joining as in cropped decoding."""
    rng = np.random.default_rng(1)
    n_trials, n_chans, n_times, window, rf, classifier_rf = 6, 4, 497, 450, 136, 136
    trials = rng.standard_normal((n_trials, n_chans, n_times))
    starts = crop_starts(n_times, window, window - classifier_rf + 1)
    bands = [(7.0, 13.0), (13.0, 31.0)]
    filtered = np.stack([bandpass(trials, SFREQ, low, high) for low, high in bands], axis=2)
    envelopes = joined_envelopes(filtered, starts, window, rf)

    # the "network": on each crop, one unit outputs the alpha power of channel 2 and one the
    # beta power of channel 0, averaged over its receptive field (dense, stride 1, no padding)
    crops = cut_windows(filtered[:, [2, 0], [0, 1]], starts, window)
    power = torch.from_numpy(np.abs(scipy.signal.hilbert(crops, axis=-1)) ** 2)
    units = torch.nn.AvgPool1d(rf, stride=1)(power)
    activations = join_windows(units, len(starts), kept_outputs(starts, dense(rf, window)))
    assert envelopes.shape == (n_trials, n_chans, 2, n_times - rf + 1)
    assert activations.shape == (n_trials, 2, n_times - rf + 1)

    acc = StreamingCorrelation(n_chans * 2, 2, device="cpu")
    for trial in range(n_trials):  # one trial at a time: memory independent of n_trials
        acc.update(pool_samples(envelopes[trial : trial + 1]), pool_samples(activations[[trial]]))
    r = acc.correlation().reshape(n_chans, 2, 2)
    np.testing.assert_allclose([r[2, 0, 0], r[0, 1, 1]], 1.0, atol=1e-12)
    assert np.abs(np.delete(r[:, :, 0].ravel(), 2 * 2 + 0)).max() < 0.5

    shifted = StreamingCorrelation(1, 1, device="cpu")
    shifted.update(envelopes[:, 2, 0, 1:].reshape(-1, 1), activations[:, 0, :-1].reshape(-1, 1))
    assert shifted.correlation()[0, 0] < 1 - 1e-4


def test_envelope_class_correlation():
    """Class 1 trials carry more alpha power on channel 1: positive correlation with class 1,
    the opposite with class 0, nothing on the other channels."""
    rng = np.random.default_rng(2)
    n_trials, n_times, window, classifier_rf = 40, 497, 450, 136
    labels = np.arange(n_trials) % 2
    trials = rng.standard_normal((n_trials, 3, n_times))
    alpha = np.sin(2 * np.pi * 10 * np.arange(n_times) / SFREQ + rng.uniform(0, 6, (n_trials, 1)))
    trials[:, 1] += (1 + labels[:, None]) * alpha
    starts = crop_starts(n_times, window, window - classifier_rf + 1)
    filtered = bandpass(trials, SFREQ, 7, 13)
    envelopes = joined_envelopes(filtered, starts, window, classifier_rf)
    classes = one_hot_series(labels, 2, envelopes.shape[-1])
    acc = StreamingCorrelation(3, 2, device="cpu")
    acc.update(pool_samples(envelopes), pool_samples(classes))
    r = acc.correlation()
    assert r[1, 1] > 0.8
    np.testing.assert_allclose(r[:, 0], -r[:, 1], atol=1e-12)
    assert np.abs(r[[0, 2]]).max() < 0.3
