"""The per-subject epoching summaries: their table and who later steps use."""

from __future__ import annotations

import logging

from eegvis.data.epochs import EpochingSummary
from eegvis.data.summaries import summary_table, usable_subjects
from eegvis.utils.io import write_json


def summaries() -> list[EpochingSummary]:
    return [
        EpochingSummary(
            subject=4,
            sfreq=160.0,
            original_sfreq=[160.0],
            n_trials={"left_hand": 22, "right_hand": 23},
            dropped=[],
        ),
        EpochingSummary(
            subject=1,
            sfreq=160.0,
            original_sfreq=[128.0],
            resampled=True,
            n_trials={"left_hand": 20, "right_hand": 22},
            dropped=["run 4, cue at 121.3 s: TOO_SHORT", "run 8, cue at 121.1 s: TOO_SHORT"],
        ),
        EpochingSummary(
            subject=88,
            sfreq=160.0,
            original_sfreq=[128.0],
            excluded=True,
            reason="S088R04.edf: recorded at 128 Hz",
            n_trials={"left_hand": 0, "right_hand": 0},
        ),
    ]


def test_summary_table_has_one_row_per_subject():
    table = summary_table([s.to_dict() for s in summaries()], train_subjects=[1, 88])
    assert list(table.columns) == [
        "subject",
        "split",
        "n_left_hand",
        "n_right_hand",
        "n_dropped",
        "sfreq",
        "resampled",
        "excluded",
        "reason",
    ]
    assert table["subject"].tolist() == [4, 1, 88]  # in the given order
    assert table["split"].tolist() == ["valid", "train", "train"]
    assert table["n_left_hand"].tolist() == [22, 20, 0]
    assert table["n_right_hand"].tolist() == [23, 22, 0]
    assert table["n_dropped"].tolist() == [0, 2, 0]
    assert table["resampled"].tolist() == [False, True, False]
    assert table["excluded"].tolist() == [False, False, True]
    assert table["reason"].tolist() == ["", "", "S088R04.edf: recorded at 128 Hz"]


def test_usable_subjects_skip_the_excluded_ones_with_a_reason(tmp_path, caplog):
    paths = []
    for summary in summaries():
        paths.append(tmp_path / f"sub-{summary.subject:03d}.json")
        write_json(paths[-1], summary.to_dict())
    with caplog.at_level(logging.WARNING, logger="eegvis.data.summaries"):
        assert usable_subjects(paths) == [0, 1]  # positions in the given list
    assert [record.getMessage() for record in caplog.records] == [
        "Skipping subject 88: S088R04.edf: recorded at 128 Hz"
    ]
    assert usable_subjects(paths[2:] + paths[:1]) == [1]
    assert usable_subjects([]) == []
