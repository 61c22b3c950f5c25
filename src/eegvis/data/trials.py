"""Per-subject trials from an ``mne.Epochs``: what the analyses' notebook API iterates over.

Subjects come from a ``subject`` column of the epochs' metadata when there is
one, else all trials are subject :data:`SINGLE_SUBJECT`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import mne
import numpy as np

from eegvis.data.bandpassing import bandpass_trials
from eegvis.data.filters import as_band_mapping, bandpass
from eegvis.data.subjects import SubjectTrials
from eegvis.utils.docs import fill_doc
from eegvis.utils.progress import counted

#: Subject number of epochs without a ``subject`` metadata column.
SINGLE_SUBJECT = 0


def event_classes(epochs: mne.BaseEpochs, classes: Sequence[str] | None = None) -> list[str]:
    """Return the class names in the network's order, checked against ``epochs.event_id``.

    Parameters
    ----------
    epochs : mne.Epochs
        The trials.
    classes : sequence of str | None
        Event names in the order of the network's classes; default the order
        of ``epochs.event_id``.

    Returns
    -------
    classes : list of str
    """
    classes = list(epochs.event_id) if classes is None else list(classes)
    unknown = [name for name in classes if name not in epochs.event_id]
    if unknown:
        raise ValueError(f"classes {unknown} are not in the epochs' event_id {epochs.event_id}")
    return classes


def subject_numbers(epochs: mne.BaseEpochs) -> np.ndarray:
    """Return each trial's subject: the ``subject`` metadata column, else :data:`SINGLE_SUBJECT`."""
    metadata = epochs.metadata
    if metadata is not None and "subject" in metadata:
        return metadata["subject"].to_numpy(dtype=int)
    return np.full(len(epochs), SINGLE_SUBJECT)


@fill_doc
def iter_epochs_subjects(
    epochs: mne.BaseEpochs,
    classes: Sequence[str] | None = None,
    units: str = "uV",
    bands: Mapping[str, tuple[float, float]] | Sequence[Mapping] | None = None,
    raw: mne.io.BaseRaw | Mapping[int, mne.io.BaseRaw] | None = None,
) -> Iterator[SubjectTrials]:
    """Return each subject's trials from an ``mne.Epochs``, one at a time.

    Parameters
    ----------
    %(epochs)s
    %(classes)s
    %(units)s
    %(bands)s
        Bands to band-pass into (Butterworth order 4, zero phase); None: none.
    %(raw)s

    Returns
    -------
    subjects : iterator of SubjectTrials
        In increasing subject order, with their number as length hint
        (:func:`eegvis.utils.progress.counted`).
    """
    bands = None if bands is None else as_band_mapping(bands)
    classes = event_classes(epochs, classes)
    subjects = subject_numbers(epochs)
    codes = {epochs.event_id[name]: i for i, name in enumerate(classes)}

    def trials_of(subject: int) -> SubjectTrials:
        picked = epochs[np.flatnonzero(subjects == subject)]
        keep = np.isin(picked.events[:, 2], list(codes))
        picked = picked[np.flatnonzero(keep)]
        X = picked.get_data(units=units).astype(np.float32)
        y = np.array([codes[code] for code in picked.events[:, 2]], dtype=np.int64)
        filtered = None
        if bands is not None:
            recording = raw.get(int(subject)) if isinstance(raw, Mapping) else raw
            if recording is None:
                sfreq, data = picked.info["sfreq"], X.astype(np.float64)
                filtered = np.stack([bandpass(data, sfreq, *band) for band in bands.values()])
            else:
                filtered = bandpass_trials(recording, picked, bands, units, dtype=np.float64)
        return SubjectTrials(int(subject), X, y, filtered)

    numbers = np.unique(subjects)
    return counted(map(trials_of, numbers), len(numbers))
