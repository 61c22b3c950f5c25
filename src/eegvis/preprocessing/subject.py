"""One subject's runs cleaned as the config asks: line noise, ICA with ICLabel, channels."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import mne

from eegvis.data.channels import select_channels
from eegvis.preprocessing.ica import ICACleaning, clean_with_ica
from eegvis.preprocessing.line_noise import remove_line_noise

logger = logging.getLogger(__name__)


def preprocess_runs(
    runs: Sequence[mne.io.BaseRaw],
    subject: int,
    *,
    notch: float | None = None,
    ica: Mapping[str, Any] | None = None,
    channels: str | Sequence[str] = "all",
) -> tuple[list[mne.io.BaseRaw], ICACleaning | None]:
    """Clean one subject's continuous runs before epoching and band-passing.

    In this order: the mains frequency and its harmonics are notch-filtered
    out of each run (:func:`eegvis.preprocessing.line_noise.remove_line_noise`);
    an ICA fitted on all runs removes the components ICLabel labels as
    artifacts (:func:`eegvis.preprocessing.ica.clean_with_ica`, on every
    channel; the runs come out average-referenced); then the selected channels
    are kept (:func:`eegvis.data.channels.select_channels`).

    Parameters
    ----------
    runs : sequence of mne.io.Raw
        The subject's runs in volts, standard channel names and positions, as
        :func:`eegvis.data.recordings.read_runs` returns them. Not changed.
    subject : int
        Subject number (recorded in the ICA's result and the log).
    notch : float | None
        Mains frequency in Hz, or None for no notch filter.
    ica : mapping | None
        The config's ``preprocessing.ica`` (``method``, ``n_components``,
        ``exclude``, ``threshold``, ``highpass``, ``seed``), or None for no ICA.
    channels : str | sequence of str
        The config's ``dataset.channels``.

    Returns
    -------
    runs : list of mne.io.Raw
        The cleaned runs, in the order given.
    cleaning : ICACleaning | None
        The ICA, its labels and notes; None without ICA.
    """
    cleaned = [run.copy() for run in runs]
    if notch is not None:
        for run in cleaned:
            remove_line_noise(run, notch)
    cleaning = None
    if ica is not None:
        cleaning = clean_with_ica(
            cleaned,
            subject,
            method=ica["method"],
            n_components=ica["n_components"],
            highpass=ica["highpass"],
            exclude_labels=ica["exclude"],
            threshold=ica["threshold"],
            random_state=ica["seed"],
        )
        cleaned = list(cleaning.runs)
        removed = cleaning.components[cleaning.components["excluded"]]
        logger.info(
            "Subject %d: ICA removed %d of %d components: %s",
            subject,
            len(removed),
            len(cleaning.components),
            ", ".join(
                f"{r.component} ({r.label}, p={r.probability:.2f})" for r in removed.itertuples()
            )
            or "none",
        )
    picks = select_channels(cleaned[0].ch_names, channels)
    if len(picks) < len(cleaned[0].ch_names):
        logger.info("Subject %d: %d channels kept: %s", subject, len(picks), ", ".join(picks))
    return [run.pick(picks) for run in cleaned], cleaning
