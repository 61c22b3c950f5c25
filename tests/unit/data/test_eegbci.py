"""Facts about the EEGBCI dataset (eegvis.data.eegbci), checked against the real files and MNE."""

from __future__ import annotations

from pathlib import Path

import mne
import numpy as np
import pytest

from eegvis.data import eegbci
from eegvis.data.eegbci import dataset_root, run_filename, standard_channel_name
from eegvis.data.montage import standard_montage


@pytest.mark.parametrize(
    ("edf", "standard"),
    [
        ("Fcz.", "FCz"),
        ("Fc5.", "FC5"),
        ("Fp1.", "Fp1"),
        ("Fpz.", "Fpz"),
        ("Af7.", "AF7"),
        ("Cpz.", "CPz"),
        ("T10.", "T10"),
        ("Iz..", "Iz"),
        ("C3..", "C3"),
        ("Poz.", "POz"),
    ],
)
def test_standard_channel_names(edf, standard):
    assert standard_channel_name(edf) == standard


def test_the_names_are_mnes_standardized_ones_and_in_the_montage():
    raw = mne.io.RawArray(
        np.zeros((64, 10)),
        mne.create_info(list(eegbci.EDF_CHANNELS), eegbci.SFREQ, "eeg"),
        verbose="error",
    )
    mne.datasets.eegbci.standardize(raw)
    assert raw.ch_names == list(eegbci.CHANNELS)
    assert len(set(eegbci.CHANNELS)) == 64
    assert set(eegbci.CHANNELS) <= set(standard_montage().ch_names)


def test_the_real_files_have_these_channels_rate_and_cues(eegbci_dir):
    path = eegbci_dir / run_filename(1, 4)
    raw = mne.io.read_raw_edf(path, preload=False, verbose="error")
    assert raw.ch_names == list(eegbci.EDF_CHANNELS)
    assert raw.info["sfreq"] == eegbci.SFREQ
    assert set(raw.annotations.description) == {eegbci.REST, eegbci.LEFT_FIST, eegbci.RIGHT_FIST}
    assert (eegbci.REST, eegbci.LEFT_FIST, eegbci.RIGHT_FIST) == ("T0", "T1", "T2")


def test_run_files_and_the_dataset_root():
    assert run_filename(7, 4) == Path("S007", "S007R04.edf")
    assert run_filename(109, 14).as_posix() == "S109/S109R14.edf"
    assert dataset_root("/data") == Path("/data/MNE-eegbci-data/files/eegmmidb/1.0.0")
