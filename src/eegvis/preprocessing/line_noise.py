"""Line noise: the mains frequency and its harmonics removed with MNE's notch filter."""

from __future__ import annotations

import logging

import mne
import numpy as np

logger = logging.getLogger(__name__)


def line_frequencies(mains: float, sfreq: float) -> np.ndarray:
    """Return the mains frequency and its harmonics below the Nyquist frequency.

    Parameters
    ----------
    mains : float
        Mains frequency in Hz (50 or 60).
    sfreq : float
        Sampling rate in Hz.

    Returns
    -------
    freqs : numpy.ndarray, shape (n_harmonics,)
        ``mains, 2 mains, ...`` strictly below ``sfreq / 2``.

    Raises
    ------
    ValueError
        If ``mains`` is not positive or not below the Nyquist frequency.
    """
    nyquist = sfreq / 2
    if not 0 < mains < nyquist:
        raise ValueError(
            f"config key preprocessing.notch: {mains} Hz must be positive and below the "
            f"Nyquist frequency ({nyquist:g} Hz at {sfreq:g} Hz)"
        )
    return np.arange(mains, nyquist, mains)


def remove_line_noise(raw: mne.io.BaseRaw, mains: float) -> mne.io.BaseRaw:
    """Notch-filter the mains frequency and its harmonics out of a recording.

    Parameters
    ----------
    raw : mne.io.Raw
        A preloaded recording; filtered in place.
    mains : float
        Mains frequency in Hz (EEGBCI: 60).

    Returns
    -------
    raw : mne.io.Raw
        The same object, filtered (MNE's FIR notch filter, zero phase, at
        :func:`line_frequencies`).
    """
    freqs = line_frequencies(mains, raw.info["sfreq"])
    logger.info("Notch filter at %s Hz", ", ".join(f"{f:g}" for f in freqs))
    return raw.notch_filter(freqs, picks="eeg", verbose="error")
