"""Tests of eegvis.analyses.gradients: closed form, finite differences, braindecode 0.8.1 as oracle.

braindecode 0.8.1 cannot share the venv with braindecode 0.4.85 (the oracle of
eegvis.analyses.perturbation); the ``braindecode081_dir`` fixture installs it into a separate
folder and ``tests/oracles/oracle_braindecode081.py`` runs it in a subprocess on the same
model file.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from eegvis.analyses.gradients import amplitude_gradients
from eegvis.analyses.perturbation import band_mean
from eegvis.models import SEED_000_OPTIONS
from eegvis.models.io import build_dense_network, save_model

SFREQ = 100.0
ORACLE = Path(__file__).parents[2] / "oracles" / "oracle_braindecode081.py"
# A small dense Deep4Net: receptive field 136 samples, so 25 dense outputs for 160 samples.
SMALL_DEEP4 = dict(
    SEED_000_OPTIONS,
    n_filters_time=8,
    n_filters_spat=8,
    n_filters_2=8,
    n_filters_3=8,
    n_filters_4=8,
)
N_CHANS, N_TIMES = 8, 160


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def irfft_weights(n_times: int) -> np.ndarray:
    """c_f / n_times: the weight of bin f in irfft (c_f = 1 for DC and Nyquist, else 2)."""
    n_freqs = n_times // 2 + 1
    c = np.full(n_freqs, 2.0)
    c[0] = 1.0
    if n_times % 2 == 0:
        c[-1] = 1.0
    return c / n_times


def small_deep4(seed: int = 0) -> nn.Module:
    """The small dense Deep4Net, with random batch-norm statistics and affine parameters."""
    model = build_dense_network(N_CHANS, 2, N_TIMES, SMALL_DEEP4, seed=seed)
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm1d):
            n = module.num_features
            module.running_mean.copy_(torch.randn(n, generator=generator) * 0.3)
            module.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
            module.weight.data.copy_(torch.rand(n, generator=generator) + 0.5)
            module.bias.data.copy_(torch.randn(n, generator=generator) * 0.3)
    return model


def crops(n_examples: int, n_chans: int, n_times: int, seed: int = 0) -> np.ndarray:
    """White noise plus a 10 Hz rhythm of random phase, float32."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_times) / SFREQ
    rhythm = np.sin(2 * np.pi * 10 * t + rng.uniform(0, 2 * np.pi, (n_examples, n_chans, 1)))
    return (rng.standard_normal((n_examples, n_chans, n_times)) + 2 * rhythm).astype(np.float32)


class DenseLinear(nn.Module):
    """A linear map with dense outputs: Conv1d (chans -> classes, kernel < n_times), float64."""

    def __init__(self, n_chans: int, n_classes: int, kernel: int, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.conv = nn.Conv1d(n_chans, n_classes, kernel).double()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)

    def effective_weights(self, n_times: int) -> np.ndarray:
        """w[k, c, t] with mean over outputs of conv(x)[k] = sum_ct w[k, c, t] x[c, t] + bias."""
        kernel = self.conv.weight.detach().numpy()  # (n_classes, n_chans, kernel)
        n_out = n_times - kernel.shape[-1] + 1
        w = np.zeros((*kernel.shape[:2], n_times))
        for j in range(n_out):
            w[..., j : j + kernel.shape[-1]] += kernel
        return w / n_out


@pytest.mark.parametrize("n_times", [9, 10])
def test_linear_model_closed_form(n_times):
    """For p_k = sum_ct w[k, c, t] x[c, t]: d p_k / d a_cf = c_f / n Re(conj(W_kcf) e^{i phi_cf}),
    W = rfft(w). Channel 1 is all zeros (a = 0): there phi = 0, as numpy.angle."""
    model = DenseLinear(n_chans=3, n_classes=2, kernel=4)
    X = np.random.default_rng(1).standard_normal((5, 3, n_times))
    X[:, 1] = 0
    gradients, freqs = amplitude_gradients(model, X, SFREQ)

    W = np.fft.rfft(model.effective_weights(n_times))  # (k, c, f)
    phase = np.exp(1j * np.angle(np.fft.rfft(X)))  # (n, c, f)
    expected = irfft_weights(n_times)[:, None] * np.real(
        np.einsum("kcf,ncf->cfk", W.conj(), phase) / len(X)
    )
    np.testing.assert_allclose(gradients, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        gradients[1], irfft_weights(n_times)[:, None] * W.real[:, 1].T, rtol=1e-12, atol=1e-14
    )
    np.testing.assert_array_equal(freqs, np.fft.rfftfreq(n_times, 1 / SFREQ))
    assert gradients.dtype == np.float64 and gradients.shape == (3, n_times // 2 + 1, 2)


@pytest.mark.parametrize("n_times", [9, 10])
def test_finite_differences(n_times):
    """A nonlinear float64 network: central differences on the amplitudes, phases fixed."""
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv1d(2, 4, 3), nn.ELU(), nn.Conv1d(4, 3, 3), nn.Tanh(), nn.Conv1d(3, 2, 2)
    ).double()
    X = np.random.default_rng(2).standard_normal((3, 2, n_times))
    gradients, _ = amplitude_gradients(model, X, SFREQ, batch_size=2)

    spectrum = np.fft.rfft(X)
    amplitude, phase = np.abs(spectrum), np.exp(1j * np.angle(spectrum))

    def mean_predictions(a: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.fft.irfft(a * phase, n=n_times))
        with torch.no_grad():
            return model(x).mean(dim=2).mean(dim=0).numpy()

    h = 1e-6
    numeric = np.zeros_like(gradients)
    for c, f in np.ndindex(amplitude.shape[1:]):
        step = np.zeros_like(amplitude)
        step[:, c, f] = h
        numeric[c, f] = (
            mean_predictions(amplitude + step) - mean_predictions(amplitude - step)
        ) / (2 * h)
    np.testing.assert_allclose(gradients, numeric, rtol=1e-6, atol=1e-9)


def test_matches_braindecode_081(tmp_path, braindecode081_dir):
    """braindecode 0.8.1 returns g[k, i] = d mean_(batch, dense outputs) out_k / d a_i: our
    per-crop gradient divided by the size of crop i's batch, B_i. So ours = mean_i(B_i g[:, i]),
    as (chans, freqs, classes), with and without the LogSoftmax. Both compute in float32:
    observed max |difference| <= 8e-7 of max |gradient|; tolerance 1e-5."""
    model = small_deep4()
    X = crops(20, N_CHANS, N_TIMES)
    bd_batch_size = 8  # batches of 8, 8 and 4 crops
    save_model(tmp_path / "model.pt", model.state_dict(), small_deep4_architecture(), {})
    torch.save({"X": torch.from_numpy(X), "batch_size": bd_batch_size}, tmp_path / "inputs.pt")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(braindecode081_dir), env.get("PYTHONPATH")])
    )
    result = subprocess.run(
        [sys.executable, str(ORACLE), *(str(tmp_path / n) for n in ("model.pt", "inputs.pt"))]
        + [str(tmp_path / "oracle.npz")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    oracle = np.load(tmp_path / "oracle.npz")
    assert str(oracle["version"]) == "0.8.1"
    assert Path(str(oracle["path"])).is_relative_to(braindecode081_dir)

    starts = np.arange(len(X)) // bd_batch_size * bd_batch_size
    batch_sizes = np.minimum(bd_batch_size, len(X) - starts)
    assert list(batch_sizes) == [8] * 16 + [4] * 4
    for key, strip in (("stripped", True), ("raw", False)):
        g = oracle[key]
        assert g.shape == (2, len(X), N_CHANS, N_TIMES // 2 + 1) and g.dtype == np.float32
        expected = np.einsum("kicf,i->cfk", g.astype(np.float64), batch_sizes) / len(X)
        ours, _ = amplitude_gradients(model, X, SFREQ, strip_log_softmax=strip)
        error = np.abs(ours - expected).max() / np.abs(expected).max()
        print(f"{key}: max |ours - braindecode| / max |gradient| = {error:.1e}")
        assert error < 1e-5
    assert model.training  # restored


def small_deep4_architecture() -> dict:
    return dict(n_chans=N_CHANS, n_classes=2, input_time_length=N_TIMES, deep4=SMALL_DEEP4)


def test_batch_size_invariant_and_deterministic():
    model = small_deep4()
    X = crops(13, N_CHANS, N_TIMES, seed=3)
    reference, freqs = amplitude_gradients(model, X, SFREQ, batch_size=64, strip_log_softmax=True)
    again, _ = amplitude_gradients(model, X, SFREQ, batch_size=64, strip_log_softmax=True)
    np.testing.assert_array_equal(reference, again)  # bit-identical on the CPU
    for batch_size in (1, 5):
        other, _ = amplitude_gradients(
            model, X, SFREQ, batch_size=batch_size, strip_log_softmax=True
        )
        np.testing.assert_allclose(other, reference, rtol=0, atol=1e-6 * np.abs(reference).max())
    # a torch tensor gives the same as the numpy array
    from_tensor, _ = amplitude_gradients(
        model, torch.from_numpy(X), SFREQ, batch_size=64, strip_log_softmax=True
    )
    np.testing.assert_array_equal(from_tensor, reference)
    # the map averages over a band like the perturbation maps
    assert band_mean(reference, freqs, 8, 12).shape == (N_CHANS, 2)


def test_strip_log_softmax():
    model = DenseLinear(n_chans=3, n_classes=2, kernel=4)
    with_softmax = nn.Sequential(model, nn.LogSoftmax(dim=1))
    X = np.random.default_rng(4).standard_normal((6, 3, 16))
    raw, _ = amplitude_gradients(model, X, SFREQ)
    stripped, _ = amplitude_gradients(with_softmax, X, SFREQ, strip_log_softmax=True)
    np.testing.assert_array_equal(stripped, raw)
    log_probs, _ = amplitude_gradients(with_softmax, X, SFREQ)
    assert not np.allclose(log_probs, raw)
    with pytest.raises(ValueError, match="no nn.LogSoftmax"):
        amplitude_gradients(model, X, SFREQ, strip_log_softmax=True)
    assert isinstance(with_softmax[1], nn.LogSoftmax) and not with_softmax[1]._forward_hooks


def test_eval_mode_used_and_training_flags_restored():
    """Batch norm and dropout in training mode: the gradients are those of the eval-mode
    network, and afterwards every module's flag, the batch-norm statistics and the
    parameters' .grad are as before."""
    model = small_deep4()
    model.train()
    model.bnorm_2.eval()  # a mixed state must come back as it was
    flags = {name: m.training for name, m in model.named_modules()}
    state = {k: v.clone() for k, v in model.state_dict().items()}
    X = crops(4, N_CHANS, N_TIMES, seed=5)
    train_mode, _ = amplitude_gradients(model, X, SFREQ, strip_log_softmax=True)
    assert {name: m.training for name, m in model.named_modules()} == flags
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key
    assert all(p.grad is None for p in model.parameters())
    eval_mode, _ = amplitude_gradients(model.eval(), X, SFREQ, strip_log_softmax=True)
    np.testing.assert_array_equal(train_mode, eval_mode)


@pytest.mark.parametrize(
    ("X", "kwargs", "match"),
    [
        (np.zeros((4, 16)), {}, "shape"),
        (np.zeros((0, 3, 16)), {}, "shape"),
        (np.zeros((2, 3, 1)), {}, "shape"),
        (np.zeros((2, 3, 16), dtype=complex), {}, "real"),
        (np.zeros((2, 3, 16)), {"sfreq": 0.0}, "sfreq"),
        (np.zeros((2, 3, 16)), {"sfreq": -100.0}, "sfreq"),
        (np.zeros((2, 3, 16)), {"sfreq": math.nan}, "sfreq"),
        (np.zeros((2, 3, 16)), {"sfreq": math.inf}, "sfreq"),
        (np.zeros((2, 3, 16)), {"batch_size": 0}, "batch_size"),
        (np.zeros((2, 3, 16)), {"batch_size": 2.5}, "batch_size"),
    ],
)
def test_argument_validation(X, kwargs, match):
    model = DenseLinear(n_chans=3, n_classes=2, kernel=4)
    kwargs = {"sfreq": SFREQ, **kwargs}
    with pytest.raises(ValueError, match=match):
        amplitude_gradients(model, X, kwargs.pop("sfreq"), **kwargs)


def test_model_without_class_axis():
    model = nn.Sequential(nn.Conv1d(3, 1, 16), nn.Flatten(0))
    with pytest.raises(ValueError, match="model output must have shape"):
        amplitude_gradients(model, np.zeros((2, 3, 16)), SFREQ)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu():
    model = small_deep4()
    X = crops(10, N_CHANS, N_TIMES, seed=6)
    cpu, _ = amplitude_gradients(model, X, SFREQ, strip_log_softmax=True)
    cuda, _ = amplitude_gradients(model.cuda(), X, SFREQ, batch_size=4, strip_log_softmax=True)
    assert next(model.parameters()).is_cuda
    np.testing.assert_allclose(cuda, cpu, rtol=0, atol=1e-5 * np.abs(cpu).max())


def test_class_amplitude_difference_matches_numpy_and_is_nan_for_missing_class():
    from eegvis.analyses.gradients import class_amplitude_difference

    rng = np.random.default_rng(3)
    X = rng.normal(size=(12, 3, 20))
    y = np.array([0, 1, 2] * 4)
    difference = class_amplitude_difference(X, y, 3)
    amplitudes = np.abs(np.fft.rfft(X, axis=-1))
    expected = amplitudes[y == 1].mean(axis=0) - amplitudes[y != 1].mean(axis=0)
    np.testing.assert_allclose(difference[..., 1], expected, rtol=1e-12)
    assert difference.shape == (3, 11, 3)
    missing = class_amplitude_difference(X[y < 2], y[y < 2], 3)
    assert np.isnan(missing[..., 2]).all() and np.isfinite(missing[..., :2]).all()
    # two classes: the differences are opposite
    np.testing.assert_allclose(missing[..., 0], -missing[..., 1])
    with pytest.raises(ValueError, match="labels"):
        class_amplitude_difference(X, y + 1, 3)
