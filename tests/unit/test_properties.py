"""Property-based tests (hypothesis) of what test_correlation, test_envelopes and test_crops
do not already cover: streaming correlation over random subject splits merged in random
orders, invariance to sample order and to affine rescaling; envelopes under sign flips,
scaling and axis moves; receptive fields and output lengths of random small Deep4Nets."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from eegvis.analyses.correlation import StreamingCorrelation
from eegvis.analyses.envelopes import envelope, moving_average, squared_envelope
from eegvis.models import Deep4Net
from eegvis.models.dense import (
    analytic_field,
    analytic_fields,
    output_lengths,
    to_dense_prediction_model,
)
from eegvis.models.layers import LayerGeometry, capture_outputs, n_predictions

values = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def well_conditioned(x: np.ndarray) -> bool:
    """Columns that vary well above rounding (hypothesis likes 1e-300 spreads)."""
    return bool(np.all(x.std(axis=0) > 1e-3 * (1 + np.abs(x).max())))


def correlation_of(pieces: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Each piece accumulated on its own (like one subject), then merged in the given order."""
    total = StreamingCorrelation(pieces[0][0].shape[1], pieces[0][1].shape[1], device="cpu")
    for x, y in pieces:
        part = StreamingCorrelation(x.shape[1], y.shape[1], device="cpu")
        part.update(x, y)
        total.merge(part)
    return total.correlation()


@st.composite
def subjects(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, list[int], list[int]]:
    """Samples, cut into 1-4 subjects (each on its own offset), and an order to merge them."""
    n = draw(st.integers(4, 60))
    x = draw(arrays(np.float64, (n, 3), elements=values))
    y = draw(arrays(np.float64, (n, 2), elements=values))
    bounds = sorted(draw(st.sets(st.integers(1, n - 1), max_size=3)))
    order = draw(st.permutations(range(len(bounds) + 1)))
    return x, y, bounds, list(order)


@settings(max_examples=100, deadline=None)
@given(subjects())
def test_merging_subjects_in_any_order_gives_the_pooled_correlation(sample):
    x, y, bounds, order = sample
    assume(well_conditioned(x) and well_conditioned(y))
    edges = [0, *bounds, len(x)]
    pieces = [(x[a:b], y[a:b]) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    pooled = correlation_of([(x, y)])
    merged = correlation_of([pieces[i] for i in order])
    np.testing.assert_allclose(merged, pooled, atol=1e-9)
    assert np.all((merged >= -1) & (merged <= 1))
    # Sign flips of one side flip the sign; of both sides, leave it unchanged.
    flipped = correlation_of([(-px, py) for px, py in (pieces[i] for i in order)])
    np.testing.assert_allclose(flipped, -pooled, atol=1e-9)
    both = correlation_of([(-px, -py) for px, py in pieces])
    np.testing.assert_allclose(both, pooled, atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(subjects(), st.randoms(use_true_random=False), st.floats(0.01, 100), st.floats(-1e3, 1e3))
def test_correlation_ignores_sample_order_and_affine_rescaling(sample, rng, scale, shift):
    x, y, bounds, _ = sample
    assume(well_conditioned(x) and well_conditioned(y))
    reference = correlation_of([(x, y)])
    permutation = list(range(len(x)))
    rng.shuffle(permutation)
    np.testing.assert_allclose(
        correlation_of([(x[permutation], y[permutation])]), reference, atol=1e-9
    )
    np.testing.assert_allclose(correlation_of([(scale * x + shift, y)]), reference, atol=1e-8)
    # Swapping the roles of x and y transposes the matrix.
    np.testing.assert_allclose(correlation_of([(y, x)]), reference.T, atol=1e-12)


# --- envelopes ------------------------------------------------------------------------------

windows = arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 64)), elements=values)


# Scales that keep the squared values normal floats (subnormals have too few digits to compare).
amplitude_scales = st.one_of(st.just(0.0), st.floats(1e-3, 100), st.floats(-100, -1e-3))


@settings(max_examples=60, deadline=None)
@given(windows, amplitude_scales)
def test_envelope_is_even_and_scales_with_the_amplitude(x, scale):
    power = squared_envelope(x)
    tolerance = 1e-9 * max(1.0, float(np.abs(x).max()) ** 2)
    np.testing.assert_allclose(squared_envelope(-x), power, rtol=1e-12, atol=tolerance)
    np.testing.assert_allclose(
        squared_envelope(scale * x), scale**2 * power, rtol=1e-9, atol=tolerance * scale**2
    )
    np.testing.assert_allclose(envelope(x) ** 2, power, rtol=1e-9, atol=tolerance)
    assert np.all(power >= x * x - tolerance)  # the envelope is at least |x|


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(1, 3)), elements=values))
def test_envelope_along_any_axis(x):
    np.testing.assert_array_equal(squared_envelope(x, axis=0), squared_envelope(x.T).T)


# --- receptive fields of random Deep4Nets ---------------------------------------------------


@st.composite
def small_deep4(draw: st.DrawFn) -> dict:
    """Options of a small Deep4Net: few filters, short kernels, any pooling and stride."""
    # The largest value of each integer option (the smallest is 1), in the order drawn.
    largest = dict.fromkeys(("final_conv_length", "n_filters_time", "n_filters_spat"), 3)
    largest.update(filter_time_length=5, pool_time_length=3, pool_time_stride=3)
    for block in (2, 3, 4):
        largest.update({f"n_filters_{block}": 3, f"filter_length_{block}": 4})
    options = {name: draw(st.integers(1, high)) for name, high in largest.items()}
    for name in ("first_pool_mode", "later_pool_mode"):
        options[name] = draw(st.sampled_from(["max", "mean"]))
    for name in ("split_first_layer", "batch_norm", "stride_before_pool"):
        options[name] = draw(st.booleans())
    return options


@settings(max_examples=40, deadline=None)
@given(options=small_deep4(), n_chans=st.integers(1, 3), extra=st.integers(0, 40))
def test_receptive_field_averages_have_each_dense_layers_output_length(options, n_chans, extra):
    """For any valid input length n: every layer of the dense network outputs n - rf + 1
    samples, as output_lengths says, and a moving average over the layer's receptive field
    of an n-sample envelope has exactly that length (the alignment the analyses rely on)."""
    strided = Deep4Net(n_chans, 2, 1000, random_state=0, **options)
    fields_strided = analytic_fields(strided)
    model = to_dense_prediction_model(Deep4Net(n_chans, 2, 1000, random_state=0, **options))
    fields = analytic_fields(model)
    assert fields == fields_strided  # striding does not change what a unit sees
    assert list(fields.values()) == sorted(fields.values())  # never shrinks along the net
    rf = analytic_field(model)
    n_times = rf + extra
    lengths = output_lengths(model, n_times)
    x = torch.randn(2, n_chans, n_times)
    layers = [name for name, _ in model.named_children() if name not in ("softmax", "squeeze")]
    # valid=slice(None) captures every output sample, so a layer longer than n - rf + 1 shows.
    geometry = {name: LayerGeometry(fields[name], 1, 0, n_times, slice(None), 2) for name in layers}
    outputs = capture_outputs(model, x, geometry)
    envelopes = squared_envelope(np.random.default_rng(0).standard_normal((2, n_chans, n_times)))
    for name in layers:
        assert outputs[name].shape[-1] == lengths[name] == n_times - fields[name] + 1, name
        assert moving_average(envelopes, fields[name]).shape[-1] == lengths[name], name
    assert n_predictions(model, n_chans, n_times) == extra + 1
    with pytest.raises(ValueError, match="input too short"):
        output_lengths(model, rf - 1)
