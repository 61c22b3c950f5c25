import mne
import numpy as np
import pytest
from scipy.signal import welch

from eegvis.preprocessing.line_noise import line_frequencies, remove_line_noise


def test_harmonics_stop_below_nyquist():
    np.testing.assert_array_equal(line_frequencies(60, 160), [60])
    np.testing.assert_array_equal(line_frequencies(50, 500), [50, 100, 150, 200])
    with pytest.raises(
        ValueError, match=r"preprocessing\.notch: 90 Hz .* Nyquist frequency \(80 Hz"
    ):
        line_frequencies(90, 160)


def test_mains_is_removed_and_the_rest_kept():
    sfreq, n = 160.0, 160 * 60
    rng = np.random.default_rng(0)
    t = np.arange(n) / sfreq
    brain = rng.standard_normal((2, n)) * 1e-6
    data = brain + 20e-6 * np.sin(2 * np.pi * 60 * t)
    info = mne.create_info(["C3", "C4"], sfreq, "eeg")
    raw = mne.io.RawArray(data.copy(), info, verbose=False)
    remove_line_noise(raw, 60)
    freqs, before = welch(data, sfreq, nperseg=320)
    _, after = welch(raw.get_data(), sfreq, nperseg=320)
    at60 = np.argmin(np.abs(freqs - 60))
    assert np.all(after[:, at60] < before[:, at60] * 1e-3)
    kept = (freqs > 5) & (freqs < 50)
    np.testing.assert_allclose(after[:, kept].mean(), before[:, kept].mean(), rtol=0.05)
