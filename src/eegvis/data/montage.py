"""MNE's standard 10-05 montage under its name in the installed MNE."""

from __future__ import annotations

import mne


def standard_montage() -> mne.channels.DigMontage:
    """Return MNE's standard 10-05 montage (positions of all EEGBCI channels).

    MNE 1.13 renamed ``standard_1005`` to ``colin27_1005`` (same positions);
    the new name is used where it exists.
    """
    builtin = mne.channels.get_builtin_montages()
    return mne.channels.make_standard_montage(
        "colin27_1005" if "colin27_1005" in builtin else "standard_1005"
    )
