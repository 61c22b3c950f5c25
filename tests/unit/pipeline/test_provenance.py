"""Provenance of a workflow run (eegvis.pipeline.provenance)."""

from __future__ import annotations

import datetime
import hashlib
import json
import subprocess
from collections import OrderedDict
from importlib import metadata
from types import MappingProxyType

import pytest
import torch

from eegvis.pipeline.provenance import (
    PACKAGES,
    THREAD_VARIABLES,
    collect_provenance,
    git_commit,
    output_digests,
    package_versions,
    platform_info,
    seeds,
    torch_info,
    write_provenance,
)


def git(directory, *args):
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args]
    return subprocess.run(command, cwd=directory, check=True, capture_output=True, text=True)


@pytest.fixture()
def checkout(tmp_path):
    repo = tmp_path / "workflow"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "Snakefile").write_text("rule all:\n")
    git(repo, "add", "Snakefile")
    git(repo, "commit", "-q", "-m", "first")
    (repo / "rules").mkdir()
    return repo


def test_git_commit_and_whether_tracked_files_changed(checkout, tmp_path):
    head = git(checkout, "rev-parse", "HEAD").stdout.strip()
    assert git_commit(checkout) == {"commit": head, "dirty": False}
    assert git_commit(checkout / "rules") == {"commit": head, "dirty": False}  # any folder
    (checkout / "new.py").write_text("untracked\n")
    assert git_commit(checkout)["dirty"] is False  # untracked files do not count
    (checkout / "Snakefile").write_text("rule all:\n    input: []\n")
    assert git_commit(checkout) == {"commit": head, "dirty": True}
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert git_commit(outside) == {"commit": "unknown", "dirty": None}


def test_package_versions_and_seeds():
    versions = package_versions()
    assert list(versions) == list(PACKAGES)
    assert versions["numpy"] == metadata.version("numpy")
    assert package_versions(["no-such-distribution-eegvis"]) == {
        "no-such-distribution-eegvis": "not installed"
    }
    config = {"dataset": {"seed": 3}, "training": {"seed": 20170629}, "statistics": {}}
    assert seeds(config) == {
        "dataset.seed": 3,
        "training.seed": 20170629,
        "perturbation.seed": None,
        "statistics.seed": None,
    }


def test_output_digests_are_sha256_by_relative_path(tmp_path):
    results = tmp_path / "results"
    (results / "maps").mkdir(parents=True)
    files = [results / "maps" / "b.nc", results / "a.csv", tmp_path / "outside.txt"]
    for i, path in enumerate(files):
        path.write_bytes(bytes([i]) * 1000)
    digests = output_digests(files, root=results)
    assert list(digests) == sorted([(tmp_path / "outside.txt").as_posix(), "a.csv", "maps/b.nc"])
    assert digests["maps/b.nc"] == hashlib.sha256(bytes([0]) * 1000).hexdigest()
    assert digests["a.csv"] == hashlib.sha256(bytes([1]) * 1000).hexdigest()
    assert list(output_digests(files[:1])) == [files[0].as_posix()]  # no root: as given


def test_torch_and_platform_info(monkeypatch):
    info = torch_info("cpu")
    assert info["device_requested"] == "cpu" and info["device_resolved"] == "cpu"
    assert info["num_threads"] == torch.get_num_threads()
    assert info["cuda_available"] == torch.cuda.is_available()
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.setenv("EEGVIS_UNRELATED", "x")
    platform = platform_info()
    assert platform["environment"] == {"OMP_NUM_THREADS": "3"}
    assert platform["python"].count(".") == 2


def test_collect_and_write_provenance(checkout, tmp_path):
    output = tmp_path / "table.csv"
    output.write_text("a,b\n1,2\n")
    config = {
        "name": "tiny",
        "training": MappingProxyType({"device": "cpu", "seed": 7}),  # read-only mappings
        "subjects": OrderedDict(train=(1, 2), valid=[3]),  # and tuples become plain JSON
        "dataset": {"seed": 0},
    }
    now = datetime.datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=datetime.timezone.utc)
    provenance = collect_provenance(config, checkout, [output], now=now)
    assert list(provenance) == [
        "created",
        "config",
        "seeds",
        "packages",
        "git",
        "platform",
        "torch",
        "outputs",
    ]
    assert provenance["created"] == "2026-01-02T03:04:05+00:00"
    assert provenance["config"] == {
        "name": "tiny",
        "training": {"device": "cpu", "seed": 7},
        "subjects": {"train": [1, 2], "valid": [3]},
        "dataset": {"seed": 0},
    }
    assert provenance["seeds"]["training.seed"] == 7 and provenance["seeds"]["dataset.seed"] == 0
    assert provenance["git"] == git_commit(checkout)
    assert provenance["torch"]["device_requested"] == "cpu"
    assert provenance["outputs"] == {output.as_posix(): hashlib.sha256(b"a,b\n1,2\n").hexdigest()}
    path = tmp_path / "provenance" / "run.json"
    write_provenance(path, provenance)
    assert json.loads(path.read_text()) == provenance
    assert sorted(p.name for p in path.parent.iterdir()) == ["run.json"]
