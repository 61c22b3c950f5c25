"""Facts about the PhysioNet EEG Motor Movement/Imagery dataset (EEGBCI).

The dataset: Schalk et al. (2004), BCI2000: A General-Purpose Brain-Computer
Interface (BCI) System, IEEE TBME 51(6):1034-1043; distributed by PhysioNet
(Goldberger et al. 2000, Circulation 101(23):e215-e220).
"""

from __future__ import annotations

import os
from pathlib import Path

#: Sampling rate of (almost) every recording, in Hz.
SFREQ = 160.0

#: Channel names exactly as they are stored in the EDF files (10-10 names padded
#: with dots to four characters).
EDF_CHANNELS: tuple[str, ...] = (
    "Fc5.", "Fc3.", "Fc1.", "Fcz.", "Fc2.", "Fc4.", "Fc6.",
    "C5..", "C3..", "C1..", "Cz..", "C2..", "C4..", "C6..",
    "Cp5.", "Cp3.", "Cp1.", "Cpz.", "Cp2.", "Cp4.", "Cp6.",
    "Fp1.", "Fpz.", "Fp2.", "Af7.", "Af3.", "Afz.", "Af4.", "Af8.",
    "F7..", "F5..", "F3..", "F1..", "Fz..", "F2..", "F4..", "F6..", "F8..",
    "Ft7.", "Ft8.", "T7..", "T8..", "T9..", "T10.", "Tp7.", "Tp8.",
    "P7..", "P5..", "P3..", "P1..", "Pz..", "P2..", "P4..", "P6..", "P8..",
    "Po7.", "Po3.", "Poz.", "Po4.", "Po8.", "O1..", "Oz..", "O2..", "Iz..",
)  # fmt: skip

#: Annotation codes: T0 rest; in imagery runs 4, 8 and 12, T1 is the left fist
#: and T2 the right fist.
REST, LEFT_FIST, RIGHT_FIST = "T0", "T1", "T2"


def standard_channel_name(edf_name: str) -> str:
    """Return the standard 10-05 spelling of an EEGBCI EDF channel name.

    Parameters
    ----------
    edf_name : str
        Name as stored in the EDF file, e.g. ``"Fcz."`` or ``"Fp1."``.

    Returns
    -------
    name : str
        The name as in MNE's ``standard_1005`` montage, e.g. ``"FCz"``,
        ``"Fp1"``. The same rule as :func:`mne.datasets.eegbci.standardize`.
    """
    name = edf_name.strip(".").upper()
    if name.endswith("Z"):
        name = name[:-1] + "z"
    if name.startswith("FP"):
        name = "Fp" + name[2:]
    return name


#: Standard 10-05 names of :data:`EDF_CHANNELS`, in the same order.
CHANNELS: tuple[str, ...] = tuple(standard_channel_name(n) for n in EDF_CHANNELS)


def run_filename(subject: int, run: int) -> Path:
    """Return the relative path of one recording, ``SXXX/SXXXRYY.edf``.

    Parameters
    ----------
    subject : int
        Subject number, 1 to 109.
    run : int
        Run number, 1 to 14.

    Returns
    -------
    path : Path
        The path under the dataset root, as PhysioNet serves it.
    """
    return Path(f"S{subject:03d}", f"S{subject:03d}R{run:02d}.edf")


def dataset_root(data_dir: str | os.PathLike) -> Path:
    """Return where MNE keeps the EEGBCI files below ``data_dir``.

    Parameters
    ----------
    data_dir : path-like
        The ``path`` given to ``mne.datasets.eegbci.load_data``.

    Returns
    -------
    root : Path
        ``data_dir/MNE-eegbci-data/files/eegmmidb/1.0.0``; recordings lie below
        it as ``SXXX/SXXXRYY.edf``.
    """
    return Path(data_dir, "MNE-eegbci-data", "files", "eegmmidb", "1.0.0")
