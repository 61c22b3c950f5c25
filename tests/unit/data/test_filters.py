"""Band-pass filtering, the paper's filter bank and the two forms of bands (eegvis.data.filters)."""

from __future__ import annotations

import mne
import numpy as np
import pandas as pd
import pytest
import scipy.signal
from conftest import SMALL_DEEP4

import eegvis
from eegvis.data.filters import as_band_mapping, bandpass, bands_below_nyquist, paper_filterbank
from eegvis.data.montage import standard_montage
from eegvis.models import Deep4Net
from eegvis.models.dense import to_dense_prediction_model

SFREQ = 160.0


# --- filterbank -----------------------------------------------------------------------------


def test_paper_filterbank_edges():
    bands = paper_filterbank()
    assert len(bands) == 32
    assert bands[:10] == [
        (0, 4),
        (1, 7),
        (4, 10),
        (7, 13),
        (10, 16),
        (13, 19),
        (16, 22),
        (19, 25),
        (22, 28),
        (25, 31),
    ]
    assert bands[10:] == [(low, low + 8) for low in range(27, 112, 4)]
    assert bands[-1] == (111, 119)
    centres = [(low + high) / 2 for low, high in bands[1:]]
    assert np.diff(centres).tolist() == [3] * 9 + [4] * 21  # 6 Hz bands every 3, 8 Hz every 4


def test_bands_below_nyquist():
    at_160 = bands_below_nyquist(160.0)
    assert len(at_160) == 22 and at_160[-1] == (71, 79)
    assert bands_below_nyquist(250.0) == paper_filterbank()
    assert bands_below_nyquist(160.0, [(7, 13), (60, 80), (60, 78)]) == [(7, 13), (60, 78)]


# --- band-pass ------------------------------------------------------------------------------


def sine(freq: float, n_times: int = 1600, phase: float = 0.3) -> np.ndarray:
    return np.sin(2 * np.pi * freq * np.arange(n_times) / SFREQ + phase)


def test_bandpass_is_sos_butterworth_forward_backward():
    data = np.random.default_rng(0).standard_normal((3, 2, 500))
    sos = scipy.signal.butter(4, [7, 13], btype="bandpass", fs=SFREQ, output="sos")
    np.testing.assert_array_equal(
        bandpass(data, SFREQ, 7, 13), scipy.signal.sosfiltfilt(sos, data, axis=-1)
    )
    # time along another axis gives the same result
    np.testing.assert_allclose(
        bandpass(data.transpose(2, 0, 1), SFREQ, 7, 13, axis=0),
        bandpass(data, SFREQ, 7, 13).transpose(2, 0, 1),
        rtol=0,
        atol=1e-12,
    )


def test_blocks_do_not_change_results():
    """Signals are filtered in blocks (here 6 blocks of up to 436); bit-identical results."""
    data = np.random.default_rng(7).standard_normal((40, 64, 300))
    sos = scipy.signal.butter(4, [13, 31], btype="bandpass", fs=SFREQ, output="sos")
    direct = scipy.signal.sosfiltfilt(sos, data, axis=-1)
    np.testing.assert_array_equal(bandpass(data, SFREQ, 13, 31), direct)


def test_bandpass_passes_band_without_phase_shift_and_blocks_the_rest():
    middle = slice(400, 1200)  # away from the edge transients
    passed = bandpass(sine(10.0), SFREQ, 7, 13)
    np.testing.assert_allclose(passed[middle], sine(10.0)[middle], atol=0.02)  # zero phase
    assert np.abs(bandpass(sine(30.0), SFREQ, 7, 13)[middle]).max() < 1e-3
    assert np.abs(bandpass(sine(2.0), SFREQ, 7, 13)[middle]).max() < 1e-3


def test_band_from_zero_is_lowpass():
    sos = scipy.signal.butter(4, 4, btype="lowpass", fs=SFREQ, output="sos")
    data = sine(1.0) + sine(20.0)
    np.testing.assert_array_equal(bandpass(data, SFREQ, 0, 4), scipy.signal.sosfiltfilt(sos, data))
    np.testing.assert_allclose(
        bandpass(data, SFREQ, 0, 4)[400:1200], sine(1.0)[400:1200], atol=0.01
    )


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [
        (75, 83, "band 75-83 Hz: the upper edge must be below the Nyquist frequency 80 Hz"),
        (60, 80, "band 60-80 Hz"),
        (13, 7, "band 13-7 Hz: need 0 <= low < high"),
        (-1, 4, "band -1-4 Hz"),
    ],
)
def test_bandpass_rejects_bad_bands(low, high, message):
    with pytest.raises(ValueError, match=message):
        bandpass(np.zeros(500), SFREQ, low, high)


# --- the two forms of bands -----------------------------------------------------------------


def test_both_forms_give_the_same_mapping_in_order():
    listed = [
        {"name": "beta", "low": 13, "high": 31.5},
        {"name": "alpha", "low": 7, "high": 13, "comment": "extra keys are ignored"},
    ]
    mapping = {"beta": (13, 31.5), "alpha": [7, 13]}
    assert (
        as_band_mapping(listed)
        == as_band_mapping(mapping)
        == {
            "beta": (13, 31.5),
            "alpha": (7, 13),
        }
    )
    assert list(as_band_mapping(listed)) == list(as_band_mapping(mapping)) == ["beta", "alpha"]
    assert as_band_mapping(()) == as_band_mapping({}) == {}
    assert as_band_mapping({"low": (np.float64(0), np.int64(4))}) == {"low": (0, 4)}


EXPECTED = (
    r"bands must be a mapping of name to \(low, high\) in Hz.*"
    r"or a list of \{'name', 'low', 'high'\}"
)


@pytest.mark.parametrize(
    "bands",
    [
        "alpha",
        (7, 13),
        [(7, 13)],
        [{"name": "alpha", "low": 7}],
        [{"name": "alpha", "low": 7, "high": 13}, ("beta", 13, 30)],
        7,
        None,
    ],
)
def test_bands_of_neither_form_raise_a_type_error_saying_what_is_expected(bands):
    with pytest.raises(TypeError, match=EXPECTED):
        as_band_mapping(bands)


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        (
            {"alpha": (7, 13, 20)},
            r"band 'alpha': edges must be \(low, high\) in Hz, got \(7, 13, 20\)",
        ),
        ({"alpha": "7-13"}, r"band 'alpha': edges must be \(low, high\) in Hz, got '7-13'"),
        ({"alpha": 7}, r"band 'alpha': edges must be \(low, high\) in Hz, got 7"),
        ([{"name": "alpha", "low": "7", "high": 13}], r"band 'alpha': edges must be"),
        ([{"name": "mu", "low": 7, "high": 13}] * 2, r"two bands are named 'mu'"),
    ],
)
def test_bad_bands_raise_a_value_error_naming_the_band(bands, message):
    with pytest.raises(ValueError, match=message):
        as_band_mapping(bands)


CHANNELS = ["FC3", "FC4", "C3", "Cz", "C4", "Pz"]


def small_epochs() -> mne.EpochsArray:
    rng = np.random.default_rng(5)
    n, n_times = 8, 470
    info = mne.create_info(CHANNELS, SFREQ, "eeg")
    info.set_montage(standard_montage())
    events = np.column_stack([np.arange(n) * 1000, np.zeros(n, int), np.tile([1, 2], n // 2)])
    return mne.EpochsArray(
        rng.standard_normal((n, len(CHANNELS), n_times)) * 1e-5,
        info,
        events,
        event_id={"left": 1, "right": 2},
        metadata=pd.DataFrame({"subject": np.repeat([1, 2], n // 2)}),
        verbose="error",
    )


def test_envelope_activation_maps_take_the_configs_form_of_bands():
    model = to_dense_prediction_model(
        Deep4Net(len(CHANNELS), 2, 450, **SMALL_DEEP4, random_state=0)
    ).eval()
    epochs = small_epochs()
    listed = eegvis.envelope_activation_maps(
        model, epochs, bands=[{"name": "alpha", "low": 7, "high": 13}], layers=["pool_nonlin"]
    )
    mapped = eegvis.envelope_activation_maps(
        model, epochs, bands={"alpha": (7, 13)}, layers=["pool_nonlin"]
    )
    assert listed.identical(mapped)
    assert listed["band"].values.tolist() == ["alpha"]
    assert (listed["band_low"].item(), listed["band_high"].item()) == (7.0, 13.0)
    assert np.isfinite(listed["correlation"].values).all()
    with pytest.raises(TypeError, match=EXPECTED):
        eegvis.envelope_activation_maps(model, epochs, bands=[(7, 13)], layers=["pool_nonlin"])
