"""Per-subject ICA with ICLabel on subject 1's real EEGBCI runs (4, 8, 12).

The workflow's default cleaning of all three runs is fitted once (``fitted``,
15-25 s on two shared cores), so the tests of its properties are marked slow;
the fast ones fit a few components on 30 s of one run.
"""

from __future__ import annotations

import json
import logging

import mne
import numpy as np
import pytest
from mne_icalabel.iclabel import iclabel_label_components

from eegvis.data.recordings import read_run
from eegvis.preprocessing.ica import ICLABEL_LABELS, clean_with_ica, ica_summary

RUNS = (4, 8, 12)
FRONTOPOLAR = ["Fp1", "Fpz", "Fp2", "AF7", "AF3", "AFz", "AF4", "AF8"]
CENTRAL = ["C3", "C4"]


@pytest.fixture(scope="module")
def runs(eegbci_dir):
    return [read_run(eegbci_dir / "S001" / f"S001R{run:02d}.edf") for run in RUNS]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def fitted(runs):
    """The workflow's default cleaning of subject 1, fitted once; and what it logged."""
    handler = _Collect()
    logger = logging.getLogger("eegvis.preprocessing.ica")
    logger.addHandler(handler)
    try:
        cleaning = clean_with_ica(runs, subject=1)
    finally:
        logger.removeHandler(handler)
    return cleaning, handler.messages


@pytest.fixture(scope="module")
def cleaning(fitted):
    return fitted[0]


@pytest.fixture(scope="module")
def short_cleaning(runs):
    """Ten components of subject 1's first 30 s of run 4."""
    return clean_with_ica(runs[0].copy().crop(0, 30), subject=1, n_components=10)


def reference_input(runs) -> mne.io.BaseRaw:
    """ICLabel's input built independently: runs concatenated, high-passed at 1 Hz, CAR."""
    raw = mne.concatenate_raws([run.copy() for run in runs])
    raw.filter(1.0, None, verbose="error")
    return raw.set_eeg_reference("average", verbose="error")


def low_power(raws, channels, fmax=4.0) -> np.ndarray:
    """Mean Welch power per channel between 0.5 Hz and ``fmax`` over the runs."""
    power = [
        raw.compute_psd(fmin=0.5, fmax=fmax, picks=channels, n_fft=320, verbose="error")
        .get_data()
        .mean(axis=-1)
        for raw in raws
    ]
    return np.mean(power, axis=0)


@pytest.mark.slow
def test_labels_are_iclabel_torch_outputs_on_the_1hz_average_referenced_runs(runs, cleaning):
    with pytest.warns(RuntimeWarning, match="not filtered between 1 and 100 Hz"):
        probabilities = iclabel_label_components(
            reference_input(runs), cleaning.ica, inplace=False, backend="torch"
        )
    table = cleaning.components
    assert table["component"].tolist() == list(range(30))
    assert table["label"].tolist() == [ICLABEL_LABELS[i] for i in probabilities.argmax(axis=1)]
    np.testing.assert_allclose(table["probability"], probabilities.max(axis=1), rtol=1e-6)


@pytest.mark.slow
def test_eye_components_are_confident_and_frontal(cleaning):
    table = cleaning.components
    eye = table[table["label"] == "eye blink"].sort_values("probability", ascending=False)
    assert eye["probability"].iloc[0] >= 0.95
    topographies = np.abs(cleaning.ica.get_components())
    names = np.array(cleaning.ica.ch_names)
    assert names[topographies[:, eye["component"].iloc[0]].argmax()] in FRONTOPOLAR
    for component in eye["component"][eye["excluded"]]:
        peak = names[topographies[:, component].argmax()]
        assert peak.startswith(("Fp", "AF", "F")) and not peak.startswith(("FC", "FT")), peak


@pytest.mark.slow
def test_excluded_are_exactly_the_listed_labels_at_threshold(cleaning):
    table = cleaning.components
    expected = table["label"].isin(["eye blink", "muscle artifact"]) & (table["probability"] >= 0.8)
    assert table["excluded"].tolist() == expected.tolist()
    assert cleaning.excluded == cleaning.ica.exclude == table["component"][expected].tolist()
    assert set(table["label"][expected]) == {"eye blink", "muscle artifact"}
    # below the threshold, listed labels stay
    assert ((table["probability"] < 0.8) & table["label"].isin(["eye blink"])).any()


@pytest.mark.slow
def test_cleaning_removes_frontopolar_slow_power_and_keeps_central(runs, cleaning):
    referenced = [run.copy().set_eeg_reference("average", verbose="error") for run in runs]
    frontal = low_power(cleaning.runs, FRONTOPOLAR) / low_power(referenced, FRONTOPOLAR)
    central = low_power(cleaning.runs, CENTRAL) / low_power(referenced, CENTRAL)
    assert frontal.mean() < 0.35, frontal
    assert (central > 0.65).all(), central


@pytest.mark.slow
def test_runs_are_average_referenced_unfiltered_and_keep_their_boundaries(runs, cleaning):
    assert len(cleaning.runs) == len(runs)
    topographies = cleaning.ica.get_components()[:, cleaning.excluded]
    for run, cleaned in zip(runs, cleaning.runs, strict=True):
        data = cleaned.get_data()
        assert cleaned.ch_names == run.ch_names and cleaned.n_times == run.n_times
        assert cleaned.annotations == run.annotations
        assert np.abs(data.mean(axis=0)).max() < 1e-12 * np.abs(data).max()
        # what was removed from the average-referenced, unfiltered run lies in the span
        # of the excluded components' topographies (the 1 Hz copy would leave drifts)
        referenced = run.copy().set_eeg_reference("average", verbose="error").get_data()
        removed = referenced - data
        coefficients = np.linalg.lstsq(topographies, removed, rcond=None)[0]
        residual = removed - topographies @ coefficients
        assert np.linalg.norm(residual) < 1e-9 * np.linalg.norm(removed)
        assert np.linalg.norm(removed) > 0.1 * np.linalg.norm(referenced)


@pytest.mark.slow
def test_band_warning_is_logged_and_recorded(fitted):
    cleaning, logged = fitted
    assert len(cleaning.notes) == 1  # nothing about the reference or the ICA method
    note = cleaning.notes[0]
    assert "1-100 Hz" in note and "Nyquist frequency 80 Hz" in note and "160 Hz" in note
    assert logged == [note]


def test_record_layout_and_json(short_cleaning):
    cleaning = short_cleaning
    record = json.loads(json.dumps(cleaning.to_record()))
    assert record["subject"] == 1
    assert record["method"] == "picard"
    assert record["fit_params"] == {"ortho": False, "extended": True}
    assert (record["n_components"], record["threshold"]) == (10, 0.8)
    assert record["exclude_labels"] == ["eye blink", "muscle artifact"]
    assert record["reference"] == "average"
    assert (record["highpass"], record["lowpass"]) == (1.0, 80.0)
    assert (record["decim"], record["random_state"]) == (None, 0)
    assert record["notes"] == list(cleaning.notes)
    table = cleaning.components
    assert record["components"] == [
        {"index": i, "label": label, "probability": p, "excluded": bool(excluded)}
        for i, label, p, excluded in zip(
            table["component"],
            table["label"],
            table["probability"],
            table["excluded"],
            strict=True,
        )
    ]


def test_summary_rows(short_cleaning):
    record = short_cleaning.to_record()
    every = [dict(row, excluded=True) for row in record["components"]]
    summary = ica_summary([record, dict(record, subject=2, components=every)])
    table = short_cleaning.components
    assert summary.columns.tolist() == ["subject", "n_components", "n_excluded", "excluded_labels"]
    assert summary.to_dict("records") == [
        {
            "subject": 1,
            "n_components": 10,
            "n_excluded": int(table["excluded"].sum()),
            "excluded_labels": "; ".join(table["label"][table["excluded"]]),
        },
        {
            "subject": 2,
            "n_components": 10,
            "n_excluded": 10,
            "excluded_labels": "; ".join(table["label"]),
        },
    ]


def test_infomax_and_other_highpass_are_recorded(runs):
    short = runs[0].copy().crop(0, 30)
    cleaning = clean_with_ica(short, method="infomax", n_components=10, highpass=2.0)
    assert cleaning.ica.method == "infomax" and cleaning.ica.fit_params["extended"]
    assert cleaning.settings["highpass"] == 2.0 and cleaning.settings["n_components"] == 10
    assert len(cleaning.notes) == 1
    assert "high-passed at 2 Hz" in cleaning.notes[0] and "Nyquist" in cleaning.notes[0]


def test_upsampled_recording_keeps_its_own_lowpass(runs):
    short = runs[0].copy().crop(0, 30).resample(320.0, verbose="error")
    cleaning = clean_with_ica(short, n_components=10, exclude_labels="eye blink")
    assert cleaning.settings["lowpass"] == 80.0
    assert cleaning.settings["exclude_labels"] == ["eye blink"]
    assert "low-passed below that already" in cleaning.notes[0]


def test_rank_is_good_channels_less_one(runs):
    few = runs[0].copy().crop(0, 30).pick(FRONTOPOLAR + CENTRAL + ["Cz", "Pz", "O1", "O2"])
    few.info["bads"] = ["O1", "O2"]
    cleaning = clean_with_ica(few, n_components=None, threshold=1.0)
    assert cleaning.ica.n_components_ == 11
    assert "O1" not in cleaning.ica.ch_names
    assert cleaning.runs[0].ch_names == few.ch_names
    with pytest.raises(ValueError, match="between 1 and 61.*62 good EEG channels"):
        clean_with_ica(runs[0].copy().drop_channels(["T9", "T10"]), n_components=62)


@pytest.mark.slow
def test_same_seed_same_result(runs, cleaning):
    again = clean_with_ica(runs, subject=1)
    assert again.components.equals(cleaning.components)
    for first, second in zip(cleaning.runs, again.runs, strict=True):
        assert np.array_equal(first.get_data(), second.get_data())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"method": "fastica"}, "method must be 'picard' or 'infomax'"),
        ({"exclude_labels": ["eye blink", "blink"]}, "exclude_labels.*'blink'.*'heart beat'"),
        ({"threshold": 0.0}, r"threshold must be in \(0, 1\]"),
        ({"threshold": 1.5}, r"threshold must be in \(0, 1\]"),
        ({"n_components": 64}, "n_components must be between 1 and 63"),
        ({"n_components": 0.99}, "n_components must be an int or None"),
        ({"highpass": 80.0}, "highpass must be between 0 and the Nyquist frequency 80 Hz"),
        ({"decim": 0}, "decim must be None or a positive int"),
    ],
)
def test_bad_settings_name_the_parameter(runs, options, message):
    with pytest.raises(ValueError, match=message):
        clean_with_ica(runs[0], **options)


def test_bad_runs_are_refused(runs):
    with pytest.raises(ValueError, match="runs must hold at least one"):
        clean_with_ica([])
    unplaced = runs[0].copy().set_montage(None)
    with pytest.raises(ValueError, match="without positions.*set a montage"):
        clean_with_ica(unplaced)
    other_rate = runs[1].copy().crop(0, 10).resample(80.0, verbose="error")
    with pytest.raises(ValueError, match="runs: run 2 has other channels or another sampling"):
        clean_with_ica([runs[0], other_rate])
