"""Reading and checking EEGBCI recordings (EDF files).

A run is checked against the size its EDF header declares (MNE would read a
truncated file without an error), read with the 64 EEGBCI channels under their
standard 10-05 names and positions, and brought to the analysis sampling rate.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import mne

from eegvis.data.eegbci import EDF_CHANNELS
from eegvis.data.montage import standard_montage

logger = logging.getLogger(__name__)


class RecordingError(ValueError):
    """A recording cannot be used; the message names the file and the problem."""


def check_edf_size(path: str | os.PathLike) -> None:
    """Raise :class:`RecordingError` if an EDF file is shorter than its header declares.

    MNE reads a truncated EDF file without an error (it infers the number of
    data records from the file size and only warns), so a partly copied or
    downloaded recording would silently lose its end. The size the header
    declares is ``header bytes + records x samples per record x 2 bytes``
    (3 bytes for BDF). Files whose header cannot be parsed, or that declare
    an unknown number of records (``-1``), are left to the EDF reader.

    Parameters
    ----------
    path : path-like
        An EDF (or BDF) file.

    Raises
    ------
    RecordingError
        Naming the file, the declared and the actual size.
    """
    with open(path, "rb") as stream:
        header = stream.read(256)
        try:
            n_header_bytes = int(header[184:192])
            n_records = int(header[236:244])
            n_signals = int(header[252:256])
            stream.seek(256 + n_signals * 216)
            fields = stream.read(8 * n_signals)
            samples = sum(int(fields[8 * i : 8 * i + 8]) for i in range(n_signals))
        except ValueError:
            return
    if n_records < 0 or n_signals < 1:
        return
    sample_bytes = 3 if header[:1] == b"\xff" else 2
    expected = n_header_bytes + n_records * samples * sample_bytes
    actual = Path(path).stat().st_size
    if actual < expected:
        raise RecordingError(
            f"{path}: truncated EDF file: its header declares {n_records} data records "
            f"({expected} bytes) but the file has {actual} bytes. Delete it and fetch or "
            "copy it again."
        )


def read_run(path: str | os.PathLike) -> mne.io.BaseRaw:
    """Read one EEGBCI recording with standard channel names and positions.

    Parameters
    ----------
    path : path-like
        An EDF file in the EEGBCI format, or a FIF file of
        :func:`eegvis.data.sources.save_recordings` (read as it is).

    Returns
    -------
    raw : mne.io.Raw
        The 64 EEG channels in volts, names as in the 10-05 system (``C3``,
        ``FCz``), positions from :func:`eegvis.data.montage.standard_montage`.

    Raises
    ------
    RecordingError
        If the file cannot be read as EDF, is shorter than its header
        declares (truncated), or lacks one of the 64 channels.
    """
    if str(path).endswith(".fif"):  # written by eegvis.data.sources.save_recordings
        try:
            return mne.io.read_raw_fif(path, preload=True, verbose="error")
        except Exception as error:
            raise RecordingError(f"{path}: cannot be read as a FIF recording ({error}).") from error
    check_edf_size(path)
    try:
        raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
    except Exception as error:
        raise RecordingError(f"{path}: cannot be read as an EDF recording ({error}).") from error
    missing = [name for name in EDF_CHANNELS if name not in raw.ch_names]
    if missing:
        raise RecordingError(f"{path}: expected EEGBCI channels are missing: {missing}.")
    raw.pick(list(EDF_CHANNELS))
    mne.datasets.eegbci.standardize(raw)
    raw.set_montage(standard_montage())
    return raw


def read_runs(
    paths: Sequence[str | os.PathLike], sfreq: float
) -> list[tuple[mne.io.BaseRaw, float]]:
    """Read runs with :func:`read_run` and bring them to ``sfreq``.

    Parameters
    ----------
    paths : sequence of path-like
        EDF files.
    sfreq : float
        Target sampling rate in Hz; other runs are resampled, with a warning.

    Returns
    -------
    runs : list of (mne.io.Raw, float)
        Each run at ``sfreq``, with the rate it was recorded at.
    """
    runs = []
    for path in paths:
        raw = read_run(path)
        recorded = float(raw.info["sfreq"])
        if recorded != sfreq:
            logger.warning("%s: recorded at %g Hz, resampling to %g Hz", path, recorded, sfreq)
            raw.resample(sfreq, verbose="error")
        runs.append((raw, recorded))
    return runs
