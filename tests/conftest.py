"""Shared fixtures: the real EEGBCI files in ../shared/eegbci and a local mirror."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import mne
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED_EEGBCI = REPO.parent / "shared" / "eegbci"

mne.set_log_level("WARNING")


@pytest.fixture(scope="session")
def eegbci_dir() -> Path:
    """The read-only folder of real PhysioNet recordings (subjects 1-10, runs 4/8/12)."""
    if not (SHARED_EEGBCI / "S001" / "S001R04.edf").is_file():
        pytest.fail(f"real EEGBCI recordings not found in {SHARED_EEGBCI}")
    return SHARED_EEGBCI


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def eegbci_mirror(tmp_path_factory: pytest.TempPathFactory, eegbci_dir: Path) -> Iterator[str]:
    """A PhysioNet-layout mirror of the real files; yields its ``base_url``."""
    site = tmp_path_factory.mktemp("mirror")
    (site / "files" / "eegmmidb").mkdir(parents=True)
    (site / "files" / "eegmmidb" / "1.0.0").symlink_to(eegbci_dir, target_is_directory=True)
    for url in serve(site):
        yield url + "files/eegmmidb/1.0.0/"


@pytest.fixture()
def tampered_mirror(tmp_path: Path, eegbci_dir: Path) -> Iterator[str]:
    """A mirror whose S001R04.edf has one byte changed; yields its ``base_url``."""
    root = tmp_path / "site" / "files" / "eegmmidb" / "1.0.0" / "S001"
    root.mkdir(parents=True)
    for source in (eegbci_dir / "S001").glob("*.edf"):
        shutil.copyfile(source, root / source.name)
    data = bytearray((root / "S001R04.edf").read_bytes())
    data[-1] ^= 0xFF
    (root / "S001R04.edf").write_bytes(bytes(data))
    for url in serve(tmp_path / "site"):
        yield url + "files/eegmmidb/1.0.0/"


WORKFLOW_PARTS = ("Snakefile", "workflow", "scripts", "config", "envs")


def copy_workflow(target: Path, extra: tuple[str, ...] = ()) -> Path:
    """Copy the workflow (and ``extra`` repository paths) into a new folder ``target``."""
    target.mkdir(parents=True)
    for part in (*WORKFLOW_PARTS, *extra):
        source = REPO / part
        copy = shutil.copytree if source.is_dir() else shutil.copy2
        copy(source, target / part)
    return target


@pytest.fixture()
def workflow_dir(tmp_path: Path) -> Path:
    """A fresh copy of the workflow (no results) to run Snakemake in."""
    return copy_workflow(tmp_path / "workflow-copy")


def run_snakemake(
    directory: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run Snakemake (of this interpreter's environment) in ``directory``."""
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result


def write_config(directory: Path, config: dict, name: str = "test.yaml") -> Path:
    """Write ``config`` as YAML into ``directory/config``; return the path."""
    path = directory / "config" / name
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
