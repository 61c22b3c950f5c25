"""One subject's recordings from the configured source (eegvis.data.fetch)."""

from __future__ import annotations

import hashlib
import json

import mne
import pytest

import eegvis.data.sources as sources
from eegvis.data.artifacts import Artifacts
from eegvis.data.eegbci import dataset_root, run_filename
from eegvis.data.fetch import SOURCES, fetch_recordings
from eegvis.data.synthetic import write_subject

SYNTHETIC = {"source": "synthetic", "seed": 3, "planted_effect": True}


def test_synthetic_source_writes_the_subjects_edf_files(tmp_path):
    root = tmp_path / "synthetic"
    paths = fetch_recordings(2, SYNTHETIC, [8, 4], tmp_path / "unused.json", synthetic_root=root)
    assert paths == [root / run_filename(2, 8), root / run_filename(2, 4)]  # in the runs' order
    (reference,) = write_subject(2, [4], tmp_path / "reference", 3, planted=True)
    assert paths[1].read_bytes() == reference.read_bytes()  # the same generator and seed
    raw = mne.io.read_raw_edf(paths[0], preload=False, verbose="error")
    assert raw.info["sfreq"] == 160.0 and len(raw.ch_names) == 64
    null = fetch_recordings(
        2, SYNTHETIC | {"planted_effect": False}, [4], tmp_path / "x.json", tmp_path / "null"
    )
    assert null[0].read_bytes() != paths[1].read_bytes()
    eyes = {"saccade_uv": 30.0, "muscle_duration": [0.2, 0.5]}
    (with_eyes,) = fetch_recordings(
        2, SYNTHETIC | {"artifacts": eyes}, [4], tmp_path / "x.json", tmp_path / "eyes"
    )
    (reference,) = write_subject(2, [4], tmp_path / "ref", 3, artifacts=Artifacts(**eyes))
    assert with_eyes.read_bytes() == reference.read_bytes() != paths[1].read_bytes()
    assert not (tmp_path / "unused.json").exists()
    with pytest.raises(ValueError, match="synthetic recordings need synthetic_root"):
        fetch_recordings(2, SYNTHETIC, [4], tmp_path / "unused.json")


def test_an_unknown_source_is_named(tmp_path):
    assert SOURCES == ("eegbci", "moabb", "bids", "synthetic")
    with pytest.raises(
        ValueError,
        match=r"dataset.source must be one of \('eegbci', 'moabb', 'bids', 'synthetic'\), "
        r"got 'physionet'",
    ):
        fetch_recordings(1, {"source": "physionet"}, [4], tmp_path / "out.fif")


def test_eegbci_source_downloads_and_records_each_files_sha256(tmp_path, eegbci_mirror, eegbci_dir):
    dataset = {"source": "eegbci", "data_dir": tmp_path / "data", "base_url": eegbci_mirror}
    output = tmp_path / "records" / "sub-001.json"
    paths = fetch_recordings(1, dataset, [4, 12], output)
    root = dataset_root(tmp_path / "data")
    assert paths == [root / "S001" / "S001R04.edf", root / "S001" / "S001R12.edf"]
    record = json.loads(output.read_text())
    assert record == {
        "subject": 1,
        "sha256": {
            path.as_posix(): hashlib.sha256(
                (eegbci_dir / "S001" / path.name).read_bytes()
            ).hexdigest()
            for path in paths
        },
    }
    assert list(record["sha256"]) == [path.as_posix() for path in paths]


def test_moabb_and_bids_sources_hand_their_settings_on(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(
        sources, "fetch_moabb_subject", lambda *args: calls.append(("moabb", args)) or "moabb.fif"
    )
    monkeypatch.setattr(
        sources, "read_bids_subject", lambda *args: calls.append(("bids", args)) or "bids.fif"
    )
    output = tmp_path / "sub-007_raw.fif"
    moabb = {"dataset": "BNCI2014_001", "options": {"sessions": 1}, "channels": ["C3", "C4"]}
    assert fetch_recordings(7, {"source": "moabb", "moabb": moabb}, [], output) == ["moabb.fif"]
    bids = {"root": "/data/bids", "task": "imagery", "session": "01", "runs": ["1"]}
    assert fetch_recordings(7, {"source": "bids", "bids": bids}, [4], output) == ["bids.fif"]
    assert calls == [
        ("moabb", ("BNCI2014_001", 7, output, {"sessions": 1}, ["C3", "C4"])),
        ("bids", ("/data/bids", 7, output, "imagery", "01", ["1"], None)),
    ]
