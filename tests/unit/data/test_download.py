"""The real download path (MNE + pooch) against a local mirror of PhysioNet files."""

from __future__ import annotations

import socket

import pytest

from eegvis.data.download import (
    ChecksumError,
    DownloadError,
    fetch_subject,
    registry,
    verify_checksums,
)
from eegvis.data.eegbci import dataset_root


def test_fetch_subject_downloads_byte_identical_files(tmp_path, eegbci_mirror, eegbci_dir):
    paths = fetch_subject(2, [4, 8, 12], tmp_path, base_url=eegbci_mirror)
    root = dataset_root(tmp_path)
    assert paths == [root / f"S002/S002R{run:02d}.edf" for run in (4, 8, 12)]
    for path in paths:
        assert path.read_bytes() == (eegbci_dir / "S002" / path.name).read_bytes()
    # Nothing but the three recordings is left in the download folder.
    assert sorted(p.name for p in (root / "S002").iterdir()) == [p.name for p in paths]


def test_fetch_subject_skips_verified_files(tmp_path, eegbci_mirror):
    (first,) = fetch_subject(3, [4], tmp_path, base_url=eegbci_mirror)
    mtime = first.stat().st_mtime_ns
    # The mirror is not contacted again: an unreachable base_url still works.
    fetch_subject(3, [4], tmp_path, base_url="http://127.0.0.1:9/files/eegmmidb/1.0.0/")
    assert first.stat().st_mtime_ns == mtime


def test_checksum_mismatch_leaves_no_file(tmp_path, tampered_mirror):
    with pytest.raises(DownloadError, match=r"S001/S001R04\.edf") as info:
        fetch_subject(1, [4], tmp_path, base_url=tampered_mirror)
    assert "hash" in str(info.value.__cause__).lower()
    folder = dataset_root(tmp_path) / "S001"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_corrupt_prestaged_file_is_named(tmp_path, eegbci_dir):
    root = dataset_root(tmp_path)
    target = root / "S001" / "S001R08.edf"
    target.parent.mkdir(parents=True)
    target.write_bytes((eegbci_dir / "S001" / "S001R08.edf").read_bytes()[:-100])
    with pytest.raises(ChecksumError, match="S001R08.edf: SHA-256"):
        verify_checksums([target])


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_no_network_error_names_url_and_remedy(tmp_path):
    base_url = f"http://127.0.0.1:{_closed_port()}/files/eegmmidb/1.0.0/"
    with pytest.raises(DownloadError) as info:
        fetch_subject(5, [4], tmp_path, base_url=base_url)
    message = str(info.value)
    assert base_url + "S005/S005R04.edf" in message
    assert "dataset.base_url" in message
    assert not (dataset_root(tmp_path) / "S005" / "S005R04.edf").exists()


def test_shared_files_match_mne_registry(eegbci_dir):
    known = registry()
    paths = sorted(eegbci_dir.glob("S*/S*R*.edf"))
    assert len(paths) == 30
    assert all(path.relative_to(eegbci_dir).as_posix() in known for path in paths)
    verify_checksums(paths)
