"""MNE's standard 10-05 montage under its name in the installed MNE (eegvis.data.montage)."""

from __future__ import annotations

import warnings

import mne
import numpy as np

from eegvis.data.eegbci import CHANNELS
from eegvis.data.montage import standard_montage


def test_the_montage_places_every_eegbci_channel():
    montage = standard_montage()
    positions = montage.get_positions()["ch_pos"]
    assert set(CHANNELS) <= set(positions)
    assert len(positions) > 300  # the whole 10-05 system
    info = mne.create_info(list(CHANNELS), 160.0, "eeg").set_montage(montage)
    assert info.get_montage().ch_names == list(CHANNELS)


def test_it_is_the_name_of_the_installed_mne_without_deprecation_warnings():
    builtin = mne.channels.get_builtin_montages()
    name = "colin27_1005" if "colin27_1005" in builtin else "standard_1005"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = standard_montage()
    theirs = mne.channels.make_standard_montage(name).get_positions()["ch_pos"]
    for channel, position in ours.get_positions()["ch_pos"].items():
        np.testing.assert_array_equal(position, theirs[channel])


def test_the_other_name_is_used_where_the_new_one_does_not_exist(monkeypatch):
    names = [n for n in mne.channels.get_builtin_montages() if n != "colin27_1005"]
    monkeypatch.setattr(mne.channels, "get_builtin_montages", lambda: names)
    requested = []
    make = mne.channels.make_standard_montage
    monkeypatch.setattr(
        mne.channels, "make_standard_montage", lambda name: requested.append(name) or make(name)
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Montage name 'standard_1005' is deprecated")
        standard_montage()
    assert requested == ["standard_1005"]
