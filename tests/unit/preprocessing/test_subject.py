"""One subject's runs cleaned as the config asks, on subject 1's real EEGBCI run 4."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import welch

from eegvis.data.channels import EEGBCI_SENSORIMOTOR
from eegvis.data.recordings import read_run
from eegvis.preprocessing.subject import preprocess_runs

ICA = {
    "method": "picard",
    "n_components": 10,
    "exclude": ["eye blink"],
    "threshold": 0.8,
    "highpass": 1.0,
    "seed": 0,
}


@pytest.fixture(scope="module")
def runs(eegbci_dir):
    """Two 30 s pieces of subject 1's run 4, as two runs."""
    raw = read_run(eegbci_dir / "S001" / "S001R04.edf")
    return [raw.copy().crop(0, 30), raw.copy().crop(30, 60)]


def test_nothing_asked_nothing_changed(runs):
    cleaned, cleaning = preprocess_runs(runs, 1)
    assert cleaning is None
    for before, after in zip(runs, cleaned, strict=True):
        assert after is not before
        np.testing.assert_array_equal(after.get_data(), before.get_data())


def test_ica_on_every_channel_then_the_selection(runs):
    before = [run.get_data() for run in runs]
    cleaned, cleaning = preprocess_runs(runs, 1, ica=ICA, channels="sensorimotor")
    assert [run.ch_names for run in cleaned] == [list(EEGBCI_SENSORIMOTOR)] * 2
    assert [len(run.times) for run in cleaned] == [len(run.times) for run in runs]
    # the input runs are not changed
    for run, data in zip(runs, before, strict=True):
        np.testing.assert_array_equal(run.get_data(), data)
    # the ICA saw every channel and its cleaned runs are what was kept, channel for channel
    assert cleaning.ica.info["nchan"] == 64 and cleaning.settings["n_components"] == 10
    for run, ica_run in zip(cleaned, cleaning.runs, strict=True):
        np.testing.assert_array_equal(run.get_data(), ica_run.get_data(picks=run.ch_names))


def test_the_notch_removes_the_mains_line_only(runs):
    plain, _ = preprocess_runs(runs, 1, channels="sensorimotor")
    notched, _ = preprocess_runs(runs, 1, notch=60.0, channels="sensorimotor")
    freqs, before = welch(plain[0].get_data(), 160.0, nperseg=320)
    _, after = welch(notched[0].get_data(), 160.0, nperseg=320)
    at60, at40 = np.argmin(np.abs(freqs - 60)), np.argmin(np.abs(freqs - 40))
    assert np.all(after[:, at60] < 0.2 * before[:, at60])
    np.testing.assert_allclose(after[:, at40], before[:, at40], rtol=0.01)


def test_a_bad_channel_selection_names_the_key(runs):
    with pytest.raises(ValueError, match=r"dataset\.channels"):
        preprocess_runs(runs, 1, channels=["C3", "Q7"])
