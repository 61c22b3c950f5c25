"""Per-subject ICA with ICLabel: fit, label, and remove eye and muscle components.

One subject's runs are concatenated, high-passed at 1 Hz and average-referenced
(ICLabel was trained on average-referenced data band-passed 1-100 Hz), and an
ICLabel-compatible ICA (extended Picard or extended Infomax) is fitted on that
copy. ICLabel (:func:`mne_icalabel.label_components`, torch backend) labels
each component; components whose label is one of ``exclude_labels`` with a
probability of at least ``threshold`` are removed from each run separately,
average-referenced but otherwise as given (not high-passed), so the run
boundaries stay intact.

Where the data cannot meet ICLabel's expectations, mne-icalabel warns; those
warnings are caught, logged (``logging.getLogger(__name__)``) with what was not
met and why, and kept in the result's ``notes``. At EEGBCI's 160 Hz sampling
rate the 100 Hz low-pass is impossible (the Nyquist frequency is 80 Hz): the
components are labelled on data that keep their band up to 80 Hz.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import mne
import numpy as np
import pandas as pd
from mne.preprocessing import ICA
from mne_icalabel import label_components

logger = logging.getLogger(__name__)

#: ICLabel's classes, in the order of its outputs.
ICLABEL_LABELS: tuple[str, ...] = (
    "brain",
    "muscle artifact",
    "eye blink",
    "heart beat",
    "line noise",
    "channel noise",
    "other",
)
#: The ICA algorithms ICLabel was trained for, with the fit parameters that make them so.
FIT_PARAMS: dict[str, dict[str, bool]] = {
    "picard": {"ortho": False, "extended": True},
    "infomax": {"extended": True},
}
#: The band (Hz) of the data ICLabel was trained on.
ICLABEL_BAND: tuple[float, float] = (1.0, 100.0)
#: The reference the ICA is fitted and applied in.
REFERENCE = "average"


@dataclass(frozen=True, eq=False)
class ICACleaning:
    """One subject's ICA, its ICLabel labels and the cleaned runs.

    Attributes
    ----------
    subject : int | str | None
        The subject, as given to :func:`clean_with_ica`.
    runs : tuple of mne.io.Raw
        The cleaned runs, in the order given, in volts: **average-referenced**
        (the ICA is fitted and applied in average reference), not high-passed,
        with the excluded components removed.
    ica : mne.preprocessing.ICA
        The fitted ICA; ``ica.exclude`` lists the excluded components.
    components : pandas.DataFrame
        One row per component: ``component`` (int, the ICA's index),
        ``label`` (str, ICLabel's most probable class), ``probability``
        (float, that class's probability), ``excluded`` (bool).
    settings : dict
        ``method``, ``fit_params``, ``n_components``, ``threshold``,
        ``exclude_labels``, ``reference`` (``"average"``), ``highpass`` and
        ``lowpass`` (Hz, of the data the ICA was fitted and labelled on),
        ``decim``, ``random_state``.
    notes : tuple of str
        What did not meet ICLabel's or the ICA's expectations (the warnings
        caught while fitting, labelling and applying), in words.
    """

    subject: int | str | None
    runs: tuple[mne.io.BaseRaw, ...]
    ica: ICA
    components: pd.DataFrame
    settings: dict[str, Any]
    notes: tuple[str, ...]

    @property
    def excluded(self) -> list[int]:
        """Indices of the excluded components, ascending."""
        return self.components["component"][self.components["excluded"]].tolist()

    def to_record(self) -> dict[str, Any]:
        """Return the JSON-serialisable record of this cleaning.

        Returns
        -------
        record : dict
            ``subject``, the :attr:`settings` (``method``, ``fit_params``,
            ``n_components``, ``threshold``, ``exclude_labels``, ``reference``,
            ``highpass``, ``lowpass``, ``decim``, ``random_state``),
            ``components`` (a list of ``{"index", "label", "probability",
            "excluded"}``, one per component) and ``notes`` (list of str).
        """
        components = [
            {
                "index": int(row.component),
                "label": str(row.label),
                "probability": float(row.probability),
                "excluded": bool(row.excluded),
            }
            for row in self.components.itertuples()
        ]
        return {
            "subject": self.subject,
            **self.settings,
            "components": components,
            "notes": list(self.notes),
        }


def clean_with_ica(
    runs: mne.io.BaseRaw | Sequence[mne.io.BaseRaw],
    subject: int | str | None = None,
    *,
    method: str = "picard",
    n_components: int | None = 30,
    highpass: float = 1.0,
    exclude_labels: str | Sequence[str] = ("eye blink", "muscle artifact"),
    threshold: float = 0.8,
    decim: int | None = None,
    random_state: int | None = 0,
) -> ICACleaning:
    """Fit an ICA on one subject's runs, label it with ICLabel, remove artifact components.

    The ICA is fitted on the runs' concatenation, high-passed at ``highpass``,
    low-passed at 100 Hz where the sampling rate allows, and average-referenced;
    ICLabel labels its components on the same data. The runs are then
    average-referenced, each on its own and otherwise unfiltered, and the
    excluded components are removed from each.

    Parameters
    ----------
    runs : mne.io.Raw | sequence of mne.io.Raw
        One subject's continuous recordings in volts, all with the same EEG
        channels (10-05 names, montage set; bad channels in ``info["bads"]``
        are left out of the ICA) and sampling rate, as
        :func:`eegvis.data.recordings.read_run` returns them.
    subject : int | str | None
        The subject, recorded in the result.
    method : {"picard", "infomax"}
        ICA algorithm, in the extended form ICLabel was trained on: Picard
        with ``ortho=False, extended=True``, or extended Infomax.
    n_components : int | None
        Number of ICA components (the leading principal components are
        unmixed). The default, 30, keeps 98.8% of the variance of EEGBCI
        subject 1's 1 Hz high-passed 64 channels and leaves 67 samples per
        unmixing weight for three two-minute runs at 160 Hz (ICA wants
        ``k x n_components**2`` samples with ``k`` of 20 or more); all 63
        would leave 15 and took two to five times as long
        (``benchmarks/ica.py``). None: the rank of the average-referenced
        data, the number of good EEG channels less one.
    highpass : float
        High-pass edge in Hz of the data the ICA is fitted on (ICLabel
        expects 1 Hz).
    exclude_labels : str | sequence of str
        ICLabel classes to remove, among :data:`ICLABEL_LABELS`.
    threshold : float
        Least probability, in (0, 1], of a component's (most probable) label
        for the component to be removed. The default 0.8 removes components
        ICLabel is confident about: the label then has at least four times
        the probability of the six other classes together. On EEGBCI subject
        1 it removes the blink and the saccade component (0.99, 0.96) and the
        clearest muscle component (0.87), and keeps an eye component of 0.60.
    decim : int | None
        Fit the ICA on every ``decim``-th sample only; the labels always use
        all samples. Fewer samples make each iteration cheaper, but Picard
        may need more of them.
    random_state : int | None
        Seed of the ICA's initialisation; with an int the result is the same
        on every call with the same number of BLAS threads (the fit's sums
        depend on it). None: not reproducible.

    Returns
    -------
    cleaning : ICACleaning
        The cleaned, average-referenced runs, the fitted ICA, the
        per-component table, the settings and the notes.

    Raises
    ------
    ValueError
        If ``method``, ``n_components``, ``highpass``, ``exclude_labels``,
        ``threshold`` or ``decim`` is not allowed, or ``runs`` is empty, lacks
        channel positions or mixes channels or sampling rates.
    """
    runs = _check_runs(runs)
    exclude = _check_settings(runs[0].info, method, highpass, exclude_labels, threshold, decim)
    n_components = _check_n_components(n_components, runs[0].info)
    notes: list[str] = []
    with _noting_warnings("fitting the ICA", notes):
        fitted = _ica_input(runs, highpass)
        ica = ICA(
            n_components,
            method=method,
            fit_params=dict(FIT_PARAMS[method]),
            random_state=random_state,
        )
        ica.fit(fitted, decim=decim)
    with _noting_warnings("ICLabel", notes, fitted.info):
        labelled = label_components(fitted, ica, method="iclabel")
    probability = np.asarray(labelled["y_pred_proba"], dtype=np.float64)
    components = pd.DataFrame(
        {
            "component": np.arange(ica.n_components_),
            "label": list(labelled["labels"]),
            "probability": probability,
            "excluded": np.isin(labelled["labels"], exclude) & (probability >= threshold),
        }
    )
    ica.exclude = components["component"][components["excluded"]].tolist()
    with _noting_warnings("applying the ICA", notes):
        cleaned = tuple(
            ica.apply(run.copy().set_eeg_reference(REFERENCE, projection=False)) for run in runs
        )
    settings = {
        "method": method,
        "fit_params": dict(FIT_PARAMS[method]),
        "n_components": int(ica.n_components_),
        "threshold": float(threshold),
        "exclude_labels": list(exclude),
        "reference": REFERENCE,
        "highpass": float(fitted.info["highpass"]),
        "lowpass": float(fitted.info["lowpass"]),
        "decim": decim,
        "random_state": random_state,
    }
    return ICACleaning(subject, cleaned, ica, components, settings, tuple(notes))


def ica_summary(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Tabulate the excluded components of several subjects (``ica_summary.csv``).

    Parameters
    ----------
    records : iterable of dict
        Records of :meth:`ICACleaning.to_record` (or read back from their
        JSON files).

    Returns
    -------
    summary : pandas.DataFrame
        One row per record: ``subject``, ``n_components``, ``n_excluded`` and
        ``excluded_labels``, the labels of the excluded components in
        component order, joined by ``"; "`` (empty when none).
    """
    rows = []
    for record in records:
        excluded = [row["label"] for row in record["components"] if row["excluded"]]
        rows.append(
            {
                "subject": record["subject"],
                "n_components": record["n_components"],
                "n_excluded": len(excluded),
                "excluded_labels": "; ".join(excluded),
            }
        )
    return pd.DataFrame(rows, columns=["subject", "n_components", "n_excluded", "excluded_labels"])


def _check_runs(runs: mne.io.BaseRaw | Sequence[mne.io.BaseRaw]) -> tuple[mne.io.BaseRaw, ...]:
    """Return ``runs`` as a tuple after checking their channels, positions and rates."""
    runs = (runs,) if isinstance(runs, mne.io.BaseRaw) else tuple(runs)
    if not runs:
        raise ValueError("runs must hold at least one recording, got none")
    first = runs[0].info
    for number, run in enumerate(runs, start=1):
        if run.ch_names != first.ch_names or run.info["sfreq"] != first["sfreq"]:
            raise ValueError(
                f"runs: run {number} has other channels or another sampling rate than run 1 "
                f"({len(run.ch_names)} channels at {run.info['sfreq']:g} Hz against "
                f"{len(first.ch_names)} at {first['sfreq']:g} Hz)"
            )
    picks = mne.pick_types(first, eeg=True, exclude="bads")
    if not len(picks):
        raise ValueError("runs have no good EEG channels")
    positions = np.array([first["chs"][pick]["loc"][:3] for pick in picks])
    unplaced = ~np.isfinite(positions).all(axis=1) | ~positions.any(axis=1)
    if unplaced.any():
        names = [first.ch_names[pick] for pick in picks[unplaced]]
        raise ValueError(
            f"runs have EEG channels without positions ({', '.join(names[:5])}"
            f"{', ...' if len(names) > 5 else ''}); ICLabel needs them: set a montage first "
            "(raw.set_montage, e.g. eegvis.data.montage.standard_montage())"
        )
    return runs


def _check_settings(
    info: mne.Info,
    method: str,
    highpass: float,
    exclude_labels: str | Sequence[str],
    threshold: float,
    decim: int | None,
) -> tuple[str, ...]:
    """Check the settings of :func:`clean_with_ica`; return the labels to exclude."""
    if method not in FIT_PARAMS:
        raise ValueError(
            f"method must be 'picard' or 'infomax' (the extended ICA algorithms ICLabel "
            f"was trained on), got {method!r}"
        )
    nyquist = info["sfreq"] / 2
    if not 0 < highpass < nyquist:
        raise ValueError(
            f"highpass must be between 0 and the Nyquist frequency {nyquist:g} Hz "
            f"(exclusive), got {highpass!r}"
        )
    exclude = (exclude_labels,) if isinstance(exclude_labels, str) else tuple(exclude_labels)
    unknown = [label for label in exclude if label not in ICLABEL_LABELS]
    if unknown:
        raise ValueError(
            f"exclude_labels has labels ICLabel does not know: {unknown}; "
            f"its labels are {list(ICLABEL_LABELS)}"
        )
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    if decim is not None and (isinstance(decim, bool) or not isinstance(decim, int) or decim < 1):
        raise ValueError(f"decim must be None or a positive int, got {decim!r}")
    return exclude


def _check_n_components(n_components: int | None, info: mne.Info) -> int:
    """Return the number of components; the average reference leaves one dimension fewer."""
    n_good = len(mne.pick_types(info, eeg=True, exclude="bads"))
    rank = n_good - 1
    if n_components is None:
        return rank
    if isinstance(n_components, bool) or not isinstance(n_components, int | np.integer):
        raise ValueError(f"n_components must be an int or None, got {n_components!r}")
    if not 1 <= n_components <= rank:
        raise ValueError(
            f"n_components must be between 1 and {rank}, the rank of the average-referenced "
            f"data ({n_good} good EEG channels less one), got {n_components}"
        )
    return int(n_components)


def _ica_input(runs: Sequence[mne.io.BaseRaw], highpass: float) -> mne.io.BaseRaw:
    """Concatenate the runs' EEG channels, band-pass them for ICLabel, average-reference them.

    Each run is filtered on its own (MNE's filters stop at the concatenation
    boundaries); the low-pass is ICLabel's 100 Hz where the sampling rate and
    the recording's own low-pass leave room for it, else none.
    """
    raw = mne.concatenate_raws([run.copy().pick("eeg") for run in runs])
    lowpass = ICLABEL_BAND[1] if ICLABEL_BAND[1] < raw.info["lowpass"] else None
    raw.filter(highpass, lowpass)
    return raw.set_eeg_reference(REFERENCE, projection=False)


@contextmanager
def _noting_warnings(step: str, notes: list[str], info: mne.Info | None = None) -> Iterator[None]:
    """Catch the warnings of ``step``, log each in words and append it to ``notes``.

    MNE's log level is held at "warning" meanwhile, so MNE and mne-icalabel
    warn whatever level the caller set. ``info`` is that of the data ICLabel
    labels: its band explains mne-icalabel's filter warning.
    """
    with warnings.catch_warnings(record=True) as caught, mne.use_log_level("warning"):
        warnings.simplefilter("always")
        yield
    for warning in caught:
        message = str(warning.message)
        if info is not None and "not filtered between 1 and 100 Hz" in message:
            note = _band_note(info)
        else:
            note = f"{step}: {warning.category.__name__}: {message}"
        logger.warning(note)
        notes.append(note)


def _band_note(info: mne.Info) -> str:
    """Say which part of ICLabel's 1-100 Hz band the labelled data (``info``) miss, and why."""
    low, high = ICLABEL_BAND
    missed = []
    if info["highpass"] != low:
        missed.append(
            f"the data were high-passed at {info['highpass']:g} Hz (parameter highpass), "
            f"not {low:g} Hz"
        )
    if info["lowpass"] != high:
        nyquist = info["sfreq"] / 2
        if nyquist <= high:
            reason = (
                f"a {high:g} Hz low-pass is impossible at {info['sfreq']:g} Hz sampling "
                f"(Nyquist frequency {nyquist:g} Hz)"
            )
        else:
            reason = "the recording was low-passed below that already"
        missed.append(f"{reason}, so the data keep their band up to {info['lowpass']:g} Hz")
    return (
        f"ICLabel expects data band-passed {low:g}-{high:g} Hz (mne-icalabel warned): "
        f"{'; '.join(missed)}. The labels may be less accurate than on ICLabel's "
        "training data."
    )
