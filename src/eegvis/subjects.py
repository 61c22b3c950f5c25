"""One subject's trials, the unit every analysis streams over (one subject in memory at a time)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SubjectTrials:
    """One subject's trials as the network sees them.

    Attributes
    ----------
    subject : int
        Subject number.
    X : ndarray, shape (n_trials, n_channels, n_times)
        Trials in the network's units.
    y : ndarray, shape (n_trials,), int64
        Class index of each trial.
    filtered : ndarray, shape (n_bands, n_trials, n_channels, n_times), or None
        The same trials band-passed per band (envelope analyses only).
    split : str
        ``"train"``, ``"valid"`` or empty.
    """

    subject: int
    X: np.ndarray
    y: np.ndarray
    filtered: np.ndarray | None = None
    split: str = ""
