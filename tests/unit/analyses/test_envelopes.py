"""Band envelopes: Hilbert envelopes, moving averages and their alignment
with the outputs of a dense (stride 1, unpadded) network, joined from windows into trials."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from eegvis.analyses.envelope_activation import join_windows, kept_outputs
from eegvis.analyses.envelopes import (
    cut_windows,
    envelope,
    moving_average,
    running_sums,
    squared_envelope,
    window_means,
)
from eegvis.data.filters import bandpass
from eegvis.models.crops import crop_starts
from eegvis.models.layers import LayerGeometry

SFREQ = 160.0
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


# --- envelopes ------------------------------------------------------------------------------


@pytest.mark.parametrize("n_times", [450, 451])
def test_envelope_matches_scipy_hilbert(n_times):
    data = np.random.default_rng(1).standard_normal((4, 3, n_times))
    expected = np.abs(scipy.signal.hilbert(data, axis=-1))
    np.testing.assert_allclose(envelope(data), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(squared_envelope(data), expected**2, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        envelope(data.swapaxes(1, 2), axis=1), expected.swapaxes(1, 2), rtol=1e-10, atol=1e-12
    )


def test_envelope_follows_amplitude_modulation():
    times = np.arange(800) / SFREQ
    amplitude = 1.5 + np.sin(2 * np.pi * 0.5 * times)
    carrier = np.cos(2 * np.pi * 20.0 * times)
    np.testing.assert_allclose(
        envelope(amplitude * carrier)[100:-100], amplitude[100:-100], atol=0.01
    )


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 64)), elements=finite))
def test_envelopes_are_non_negative(windows):
    assert np.all(squared_envelope(windows) >= 0)
    assert np.all(envelope(windows) >= 0)


# --- moving average -------------------------------------------------------------------------


def loop_average(x: np.ndarray, window: int) -> np.ndarray:
    n_out = x.shape[-1] - window + 1
    return np.stack([x[..., j : j + window].sum(axis=-1) / window for j in range(n_out)], axis=-1)


@pytest.mark.parametrize("window", [1, 10, 136, 449, 450])
def test_moving_average_matches_direct_loop(window):
    x = squared_envelope(np.random.default_rng(2).standard_normal((5, 4, 450))) + 50.0
    np.testing.assert_allclose(moving_average(x, window), loop_average(x, window), rtol=1e-10)


def test_moving_average_is_average_pooling():
    x = np.random.default_rng(3).standard_normal((6, 7, 120))
    pooled = torch.nn.AvgPool1d(39, stride=1)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(moving_average(x, 39), pooled, rtol=1e-10, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), n_times=st.integers(1, 80))
def test_moving_average_length_and_values(data, n_times):
    window = data.draw(st.integers(1, n_times))
    x = data.draw(arrays(np.float64, (2, n_times), elements=finite))
    averaged = moving_average(x, window)
    assert averaged.shape == (2, n_times - window + 1)
    scale = max(np.abs(x).max(), 1.0)
    np.testing.assert_allclose(averaged, loop_average(x, window), rtol=1e-10, atol=1e-10 * scale)


@pytest.mark.parametrize("window", [0, 11])
def test_moving_average_rejects_bad_windows(window):
    with pytest.raises(ValueError, match="window must be between 1 and n_times=10"):
        moving_average(np.zeros(10), window)


# --- windows --------------------------------------------------------------------------------


def test_cut_windows_is_trial_major():
    data = np.arange(2 * 3 * 20).reshape(2, 3, 20)
    windows = cut_windows(data, [0, 5, 8], 12)
    assert windows.shape == (6, 3, 12)
    np.testing.assert_array_equal(windows[4], data[1, :, 5:17])
    with pytest.raises(ValueError, match="do not fit"):
        cut_windows(data, [0, 9], 12)


# --- alignment with a dense network ---------------------------------------------------------


def dense_network() -> tuple[torch.nn.Module, int]:
    """A dense (stride 1, no padding) network with positive weights; its receptive field is
    4 (conv) + 2 (max pool 3, stride 1) + 2 * 3 (conv 3, dilation 3 after a pool of 3) = 12."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv1d(1, 2, 4, bias=False),
        torch.nn.MaxPool1d(3, stride=1),
        torch.nn.Conv1d(2, 3, 3, dilation=3, bias=False),
    )
    with torch.no_grad():
        for conv in (net[0], net[2]):
            conv.weight.uniform_(0.5, 1.5)
    return net.double().eval(), 12


@pytest.mark.parametrize("window", [12, 40, 41])
def test_each_output_sample_averages_the_inputs_its_layer_unit_sees(window):
    """An impulse at input q reaches exactly the outputs j with j <= q <= j + rf - 1, the
    samples whose moving average includes q; lengths agree sample for sample."""
    net, rf = dense_network()
    impulses = torch.eye(window, dtype=torch.float64).unsqueeze(1)  # (window, 1, window)
    with torch.no_grad():
        reached = net(impulses)[:, 0] > 0  # (input position, output sample)
    averaged = moving_average(impulses[:, 0].numpy(), rf)
    assert reached.shape[-1] == averaged.shape[-1] == window - rf + 1
    np.testing.assert_array_equal(reached.numpy(), averaged > 0.5 / rf)  # 1 / rf or ~0


def dense_geometry(rf: int, window: int) -> LayerGeometry:
    """A dense layer: output sample j of a window sees its input samples [j, j + rf)."""
    return LayerGeometry(rf, 1, 0, window - rf + 1, slice(0, window - rf + 1), 2)


def join_dense(windowed, starts, rf: int, window: int):
    """Per-window series of a dense layer with receptive field ``rf``, joined per trial."""
    return join_windows(windowed, len(starts), kept_outputs(starts, dense_geometry(rf, window)))


def test_windowed_envelopes_equal_average_pooling_layer_on_each_window():
    """A layer that outputs the mean input power over its receptive field, applied to each
    crop, gives the windowed envelopes sample for sample."""
    filtered = bandpass(np.random.default_rng(4).standard_normal((3, 5, 497)), SFREQ, 7, 13)
    starts = crop_starts(497, 450, 315)
    crops = cut_windows(filtered, starts, 450)
    result = moving_average(squared_envelope(crops), 136)
    power = torch.from_numpy(np.abs(scipy.signal.hilbert(crops, axis=-1)) ** 2)
    expected = torch.nn.AvgPool1d(136, stride=1)(power).numpy()
    assert result.shape == expected.shape == (6, 5, 450 - 136 + 1)
    np.testing.assert_allclose(result, expected, rtol=1e-10)


@pytest.mark.parametrize(("layer", "rf"), [(2, 6), (3, 12)])
def test_joined_activations_equal_the_network_on_whole_trials(layer, rf):
    """Dense outputs of the crops, joined, are the outputs for the whole trial, for the
    classifier (rf 12) and for an intermediate layer (rf 6, longer series per window)."""
    net, classifier_rf = dense_network()
    trials = torch.randn(4, 1, 100, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    starts = crop_starts(100, 40, 40 - classifier_rf + 1)
    assert starts.tolist() == [0, 29, 58, 60]
    crops = torch.from_numpy(cut_windows(trials.numpy(), starts, 40))
    with torch.no_grad():
        windowed = net[:layer](crops)
        assert windowed.shape[-1] == 40 - rf + 1
        joined = join_dense(windowed, starts, rf, 40)
        whole = net[:layer](trials)
    assert isinstance(joined, torch.Tensor)
    assert joined.shape == whole.shape == (4, whole.shape[1], 100 - rf + 1)
    torch.testing.assert_close(joined, whole, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(join_dense(windowed.numpy(), starts, rf, 40), joined.numpy())


def test_joined_envelopes_take_each_sample_from_the_first_window_containing_it():
    filtered = bandpass(np.random.default_rng(6).standard_normal((2, 3, 300)), SFREQ, 7, 13)
    starts = crop_starts(300, 120, 70)  # [0, 70, 140, 180]
    windowed = moving_average(squared_envelope(cut_windows(filtered, starts, 120)), 30)
    assert windowed.shape == (2 * 4, 3, 91)  # 91 samples per window
    joined = join_dense(windowed, starts, 30, 120)
    assert joined.shape == (2, 3, 300 - 30 + 1)
    for trial in range(2):
        for sample in range(joined.shape[-1]):
            k = next(k for k, start in enumerate(starts) if start <= sample < start + 91)
            np.testing.assert_array_equal(
                joined[trial, :, sample], windowed[trial * 4 + k, :, sample - starts[k]]
            )


def test_kept_outputs_cover_the_trial_once_in_order():
    """Kept samples start at consecutive trial samples: none twice, none left out."""
    kept = kept_outputs(np.array([0, 70, 140, 180]), dense_geometry(30, 120))
    np.testing.assert_array_equal(kept.position, np.arange(300 - 30 + 1))
    np.testing.assert_array_equal(kept.window, np.repeat([0, 1, 2, 3], [91, 70, 70, 40]))
    np.testing.assert_array_equal(kept.output[91:161], np.arange(21, 91))  # from window 1
    np.testing.assert_array_equal(kept.output[-40:], np.arange(51, 91))  # last window: its end


def test_join_rejects_partial_trials():
    kept = kept_outputs(np.array([0, 5]), dense_geometry(3, 12))
    with pytest.raises(ValueError, match="reshape"):
        join_windows(np.zeros((5, 3, 10)), 2, kept)
    with pytest.raises(RuntimeError, match="invalid for input of size"):
        join_windows(torch.zeros(5, 3, 10), 2, kept)


def test_window_means_at_strided_starts_equal_the_moving_average_there():
    x = np.random.default_rng(7).standard_normal((3, 2, 200)) ** 2
    sums = running_sums(x)
    assert sums.shape == (3, 2, 201) and np.all(sums[..., 0] == 0)
    full = moving_average(x, 25)
    np.testing.assert_array_equal(window_means(sums, 25, 6, 4, 40), full[..., 6:166:4])
    np.testing.assert_array_equal(window_means(sums, 25), full)
    assert window_means(sums, 25, 6, 4).shape[-1] == len(range(6, 176, 4))


def test_window_means_work_on_tensors_on_their_device():
    x = torch.rand(2, 50, dtype=torch.float64)
    means = window_means(running_sums(x), 10, 1, 3)
    assert isinstance(means, torch.Tensor)
    np.testing.assert_allclose(means.numpy(), moving_average(x.numpy(), 10)[..., 1::3])


@pytest.mark.parametrize(
    ("first", "stride", "count", "message"),
    [(-1, 1, None, "first >= 0"), (0, 0, None, "stride >= 1"), (0, 4, 30, "exceed 100")],
)
def test_window_means_reject_windows_outside_the_signal(first, stride, count, message):
    with pytest.raises(ValueError, match=message):
        window_means(running_sums(np.zeros(100)), 10, first, stride, count)


def test_squared_envelope_of_a_tensor_matches_scipy():
    data = np.random.default_rng(8).standard_normal((4, 3, 101))
    expected = np.abs(scipy.signal.hilbert(data, axis=-1)) ** 2
    result = squared_envelope(torch.from_numpy(data.astype(np.float32)))
    assert isinstance(result, torch.Tensor) and result.dtype == torch.float64
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6, atol=1e-6)
