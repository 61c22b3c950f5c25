"""Dense prediction models and the analytic time geometry of sequential ConvNets,
checked against brute force: shifted windows, perturbed samples, actual shapes."""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest
import torch
from torch import nn

from eegvis.models.dense import (
    DilatedAvgPool,
    analytic_field,
    analytic_fields,
    output_lengths,
    output_strides,
    to_dense_prediction_model,
)


def randn(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def strided_1d() -> nn.Sequential:
    """Conv1d and MaxPool1d with strides, every kernel at least its stride (no gaps)."""
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv1d(2, 3, 4, stride=2),
        nn.ELU(),
        nn.MaxPool1d(3, stride=2),
        nn.Conv1d(3, 4, 3),
        nn.MaxPool1d(2, stride=2),
        nn.Conv1d(4, 2, 2),
    ).double()


#: Receptive fields of strided_1d by hand: rf += (kernel - 1) * jump; jump *= stride.
STRIDED_1D_FIELDS = {"0": 4, "1": 4, "2": 8, "3": 16, "4": 20, "5": 28}
STRIDED_1D_STRIDES = {"0": 2, "1": 2, "2": 4, "3": 4, "4": 8, "5": 8}


def dilated_1d() -> nn.Sequential:
    """Dilated convolutions (inputs between the taps are not seen) and a strided pool."""
    torch.manual_seed(1)
    return nn.Sequential(
        nn.Conv1d(2, 3, 3, dilation=2),
        nn.MaxPool1d(2, stride=2),
        nn.Conv1d(3, 2, 2, dilation=3),
    ).double()


def hand_built_1d():
    return nn.Sequential(
        nn.Conv1d(3, 4, 3),
        nn.AvgPool1d(2),
        nn.ELU(),
        nn.Sequential(nn.Conv1d(4, 5, 3, stride=2), nn.MaxPool1d(2, stride=1)),
        nn.AvgPool1d(3, stride=2),
        nn.Conv1d(5, 2, 2),
    )


def hand_built_2d():
    return nn.Sequential(
        nn.Conv2d(2, 4, (3, 2)),
        nn.AvgPool2d((2, 1)),
        nn.Conv2d(4, 3, (2, 1), stride=(3, 1)),
        nn.AvgPool2d((3, 1), stride=(2, 1)),
        nn.Conv2d(3, 2, (2, 1)),
    )


def seen_samples(network: nn.Module, x: torch.Tensor, output: int = 0) -> list[int]:
    """Input samples whose change changes output sample ``output`` (brute force).

    Each sample of ``x`` (batch 1) is moved up, and in another copy down, by about a
    thousand standard deviations; all copies run as one batch.
    """
    n_times = x.shape[-1]
    changed = x.repeat(2 * n_times, 1, 1)
    spikes = 1000 * randn(n_times, x.shape[1]).abs()
    for j in range(n_times):
        changed[j, :, j] += spikes[j]
        changed[n_times + j, :, j] -= spikes[j]
    with torch.no_grad():
        reference, outputs = network(x)[..., output], network(changed)[..., output]
    differs = (outputs != reference).flatten(1).any(dim=1)
    return np.flatnonzero((differs[:n_times] | differs[n_times:]).numpy()).tolist()


def sliding_windows(network: nn.Module, x: torch.Tensor, window: int, stride: int = 1):
    """``network`` applied to every window of ``window`` samples, ``stride`` apart.

    The windows run as one batch; each gives one output sample.
    """
    windows = x.unfold(-1, window, stride)  # (batch, channels, n_windows, window)
    batch, n_windows = x.shape[0], windows.shape[2]
    with torch.no_grad():
        out = network(windows.transpose(1, 2).reshape(batch * n_windows, x.shape[1], window))
    assert out.shape[-1] == 1
    return out.reshape(batch, n_windows, -1).transpose(1, 2)


def test_analytic_fields_of_a_strided_network():
    model = strided_1d()
    assert analytic_fields(model) == STRIDED_1D_FIELDS
    assert output_strides(model) == STRIDED_1D_STRIDES
    assert analytic_field(model) == 28
    assert analytic_field(model, "3") == 16
    with pytest.raises(KeyError):
        analytic_field(model, "9")


@pytest.mark.parametrize("build", [strided_1d, dilated_1d])
def test_analytic_fields_equal_the_samples_a_perturbation_reaches(build):
    """Output 0 of every layer changes with input samples 0 .. rf - 1 and no later one."""
    model = build()
    fields = analytic_fields(model)
    for i, (name, rf) in enumerate(fields.items()):
        prefix = model[: i + 1]
        seen = seen_samples(prefix, randn(1, 2, rf + 6))
        assert (seen[0], seen[-1]) == (0, rf - 1), name
        if build is strided_1d:  # kernels at least their strides: no sample skipped
            assert seen == list(range(rf)), name
    # A dense model has the same fields; its output i sees samples i .. i + rf - 1.
    dense = to_dense_prediction_model(copy.deepcopy(model))
    assert analytic_fields(dense) == fields
    rf = analytic_field(dense)
    assert seen_samples(dense, randn(1, 2, rf + 6), output=5)[::-1][0] == 5 + rf - 1
    assert seen_samples(dense, randn(1, 2, rf + 6), output=5)[0] == 5


def test_strided_output_k_is_the_network_on_the_window_at_k_times_the_stride():
    model = strided_1d()
    x = randn(2, 2, 100)
    strides, fields = output_strides(model), analytic_fields(model)
    for i, name in enumerate(fields):
        prefix = model[: i + 1]
        with torch.no_grad():
            out = prefix(x)
        windows = sliding_windows(prefix, x, fields[name], strides[name])
        assert out.shape == windows.shape, name
        torch.testing.assert_close(out, windows, rtol=0, atol=1e-12)


@pytest.mark.parametrize("n_times", [28, 29, 35, 36, 101])
def test_output_lengths_equal_the_actual_output_shapes(n_times):
    for model in (strided_1d(), dilated_1d()):
        if n_times < analytic_field(model):
            continue
        lengths = output_lengths(model, n_times)
        assert list(lengths) == [str(i) for i in range(len(model))]
        x = randn(1, 2, n_times)
        with torch.no_grad():
            for i, module in enumerate(model):
                x = module(x)
                assert lengths[str(i)] == x.shape[-1], (i, n_times)
        dense = to_dense_prediction_model(copy.deepcopy(model))
        with torch.no_grad():
            n_outputs = dense(randn(1, 2, n_times)).shape[-1]
        assert list(output_lengths(dense, n_times).values())[-1] == n_outputs
        assert n_outputs == n_times - analytic_field(model) + 1


def test_output_lengths_reject_inputs_shorter_than_the_field():
    model = strided_1d()
    assert list(output_lengths(model, 28).values())[-1] == 1
    with pytest.raises(ValueError, match="input too short: layer '5' would have no output"):
        output_lengths(model, 27)
    with pytest.raises(RuntimeError):  # the network itself cannot run on it either
        model(randn(1, 2, 27))


def test_dense_outputs_at_stride_1_equal_the_strided_network_on_shifted_windows():
    strided = strided_1d()
    dense = to_dense_prediction_model(copy.deepcopy(strided))
    assert all(s == 1 for s in output_strides(dense).values())
    assert [m.dilation for m in dense if hasattr(m, "dilation")] == [(1,), (2,), (4,), (4,), (8,)]
    rf = analytic_field(strided)
    x = randn(3, 2, rf + 23)
    with torch.no_grad():
        out = dense(x)
    assert out.shape == (3, 2, 24)
    torch.testing.assert_close(out, sliding_windows(strided, x, rf), rtol=0, atol=1e-12)


@pytest.mark.parametrize("build", [hand_built_1d, hand_built_2d])
def test_dense_conversion_with_average_pooling_equals_brute_force(build):
    torch.manual_seed(0)
    original = build()
    dense = to_dense_prediction_model(copy.deepcopy(original), axis=2)
    assert not any(isinstance(m, (nn.AvgPool1d, nn.AvgPool2d)) for m in dense.modules())
    assert any(isinstance(m, DilatedAvgPool) for m in dense.modules())
    rf = analytic_field(dense)
    assert rf == analytic_field(original)
    shape = (2, 3, rf + 17) if build is hand_built_1d else (2, 2, rf + 17, 2)
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        out = dense(x)
        assert out.shape[2] == 18 == list(output_lengths(dense, rf + 17).values())[-1]
        brute = torch.stack(
            [original(x[:, :, i : i + rf]).squeeze(2) for i in range(out.shape[2])], dim=2
        )
    torch.testing.assert_close(out, brute, rtol=1e-5, atol=1e-6)
    # Converting again changes nothing; the model is converted in place and returned.
    again = copy.deepcopy(dense)
    assert to_dense_prediction_model(again, axis=2) is again
    assert [getattr(m, "dilation", None) for m in again.modules()] == [
        getattr(m, "dilation", None) for m in dense.modules()
    ]


def test_other_axes_keep_their_strides():
    model = to_dense_prediction_model(hand_built_2d(), axis=2)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert convs[1].stride == (1, 1) and convs[1].dilation == (2, 1)
    assert analytic_fields(hand_built_2d(), axis=3) == {str(i): 2 for i in range(5)}
    # A 1-D network has no axis 3: nothing to convert, every field is one sample.
    one_d = to_dense_prediction_model(strided_1d(), axis=3)
    assert output_strides(one_d) == STRIDED_1D_STRIDES
    assert set(analytic_fields(one_d, axis=3).values()) == {1}


def dilated_average_by_loops(x, kernel, stride, dilation):
    """Average of ``x`` (batch, channels, *spatial) over each dilated window, in loops."""
    x = x.numpy()
    spatial = x.shape[2:]
    n_out = [
        (n - d * (k - 1) - 1) // s + 1
        for n, k, s, d in zip(spatial, kernel, stride, dilation, strict=True)
    ]
    out = np.zeros((*x.shape[:2], *n_out))
    for index in itertools.product(*(range(n) for n in n_out)):
        total = 0.0
        for offset in itertools.product(*(range(k) for k in kernel)):
            at = tuple(
                i * s + o * d for i, o, s, d in zip(index, offset, stride, dilation, strict=True)
            )
            total = total + x[(..., *at)]
        out[(..., *index)] = total / np.prod(kernel)
    return out


@pytest.mark.parametrize(
    ("kernel", "stride", "dilation", "spatial"),
    [
        ((3,), (1,), (2,), (17,)),
        ((2,), (3,), (4,), (20,)),
        ((3, 2), (2, 1), (2, 3), (13, 8)),
        ((2, 2, 1), (1, 2, 1), (3, 1, 1), (9, 6, 3)),
    ],
)
def test_dilated_average_pooling_equals_averaging_by_loops(kernel, stride, dilation, spatial):
    x = randn(2, 3, *spatial)
    pool = DilatedAvgPool(kernel, stride, dilation)
    np.testing.assert_allclose(
        pool(x).numpy(), dilated_average_by_loops(x, kernel, stride, dilation), rtol=1e-12
    )
    assert f"kernel_size={kernel}, stride={stride}, dilation={dilation}" in repr(pool)
    # Without dilation it is average pooling.
    average = (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)[len(kernel) - 1](kernel, stride)
    torch.testing.assert_close(DilatedAvgPool(kernel, stride, (1,) * len(kernel))(x), average(x))


def test_invalid_models_and_axes_are_rejected():
    with pytest.raises(ValueError, match="padded"):
        analytic_field(nn.Sequential(nn.Conv1d(1, 1, 3, padding=1)))
    with pytest.raises(ValueError, match="padded"):
        output_lengths(nn.Sequential(nn.MaxPool1d(3, padding=1)), 10)
    assert analytic_field(nn.Sequential(nn.Conv1d(1, 1, 3, padding="valid"))) == 3
    with pytest.raises(ValueError, match=r"axis must be spatial tensor axes \(>= 2\), got 1"):
        to_dense_prediction_model(strided_1d(), axis=1)
    for pool in (nn.AvgPool1d(2, padding=1), nn.AvgPool1d(2, ceil_mode=True)):
        with pytest.raises(ValueError, match="padding, ceil_mode or divisor_override"):
            to_dense_prediction_model(nn.Sequential(nn.Conv1d(1, 1, 2), pool))
    with pytest.raises(ValueError, match="divisor_override"):
        to_dense_prediction_model(nn.Sequential(nn.AvgPool2d(2, divisor_override=3)))
