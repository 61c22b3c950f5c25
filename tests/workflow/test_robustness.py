"""Reliability through Snakemake: bad inputs, interruptions and reproducibility.

Every bad input must stop only its own job, with a log that names the file and
the problem, while ``--keep-going`` finishes the other subjects; a killed run
must leave no output that looks complete and, rerun, give bit-identical results
(training resumes from its checkpoint); two runs from scratch must agree bit
for bit on CPU. The runs use a tiny demo (two subjects, one run, four epochs).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import mne
import numpy as np
import pytest
import torch
import yaml
from conftest import (
    REPO,
    TINY,
    copy_workflow,
    deep4_architecture,
    run_snakemake,
    serve,
    tiny_config,
    write_config,
)
from result_comparison import assert_same, assert_same_file, assert_same_results

from eegvis.data.download import sha256
from eegvis.data.eegbci import dataset_root
from eegvis.data.epochs import load_epochs
from eegvis.models.io import ModelFileError, build_dense_network, load_model, save_model
from eegvis.pipeline.provenance import collect_provenance, git_commit, seeds
from eegvis.utils.io import atomic_output

pytestmark = pytest.mark.slow


# --- helpers --------------------------------------------------------------------------------


def eegbci_config(name: str, data_dir: Path, base_url: str, train: list, valid: list) -> dict:
    config = yaml.safe_load((REPO / "config" / "physionet.yaml").read_text())
    config.update(name=name, subjects={"train": train, "valid": valid}, runs=[4])
    config["dataset"].update(data_dir=str(data_dir), base_url=base_url)
    return config


def start_snakemake(directory: Path, *args: str) -> subprocess.Popen:
    """Start Snakemake in its own process group (so the whole group can be killed)."""
    return subprocess.Popen(
        [sys.executable, "-m", "snakemake", *args],
        cwd=directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def kill_when(
    process: subprocess.Popen, condition: Callable[[], bool], sig: int, timeout: float = 240
) -> str:
    """Poll ``condition`` while Snakemake runs; when it holds, send ``sig`` to the group."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"Snakemake ended before the kill:\n{process.stdout.read()}")
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            raise AssertionError("the condition to kill Snakemake never held")
        time.sleep(0.05)
    os.killpg(process.pid, sig)
    output, _ = process.communicate(timeout=120)
    if sig == signal.SIGTERM:  # the jobs' processes may outlive Snakemake briefly
        time.sleep(1)
    return output


def partial_files(*folders: Path) -> list[Path]:
    return [path for folder in folders for path in folder.rglob(".partial-*")]


def text(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def export_edf(raw: mne.io.BaseRaw, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mne.export.export_raw(path, raw, fmt="edf", overwrite=True)


def truncate(source: Path, target: Path, fraction: float = 0.6) -> None:
    data = source.read_bytes()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data[: int(len(data) * fraction)])


def corrupt_header(source: Path, target: Path) -> None:
    data = bytearray(source.read_bytes())
    data[236:244] = b"garbage!"  # the number-of-records field
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(bytes(data))


# --- the reference run ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference(tiny_run: Path) -> Path:
    """The tiny demo, run once without interruption (shared); returns the workflow folder."""
    return tiny_run


# --- 4. reproducibility ---------------------------------------------------------------------


def test_two_runs_from_scratch_are_bit_identical(killed_training, reference):
    """The killed run is a second run from scratch (interrupted, then rerun to the end)."""
    directory, _, _ = killed_training
    a, b = reference / "results" / TINY, directory / "results" / TINY
    n_compared = assert_same_results(a, b)
    assert n_compared >= 20  # models, checkpoint, epochs, nc, csv, csv.gz, json, edf
    for name in ("models/trained.pt", "models/untrained.pt", "envelope_activation/trained.nc"):
        assert (a / name).exists()
    # The provenance differs at most in its time stamp and machine state, never in its
    # config, seeds or packages; its output digests cover the final outputs.
    prov_a, prov_b = (json.loads((r / "provenance.json").read_text()) for r in (a, b))
    for key in ("config", "seeds", "packages", "git"):
        assert prov_a[key] == prov_b[key], key
    assert set(prov_a["outputs"]) == set(prov_b["outputs"])
    for name in prov_a["outputs"]:
        if name.endswith((".csv", ".json")) and not name.endswith("history.csv"):
            assert prov_a["outputs"][name] == prov_b["outputs"][name], name


def test_provenance_file_of_the_workflow(reference):
    results = reference / "results" / TINY
    provenance = json.loads((results / "provenance.json").read_text())
    config = provenance["config"]
    # The exact config as validated: given values plus the schema's defaults.
    assert config["subjects"] == {"train": [1], "valid": [2]}
    assert config["training"]["lr"] == 0.01 and config["training"]["optimizer"] == "braindecode"
    assert config["epochs"]["other_sfreq"] == "resample"
    assert config["perturbation"]["batch_size"] == 64
    assert provenance["seeds"] == {
        "dataset.seed": 20170629,
        "training.seed": 20170629,
        "perturbation.seed": 0,
        "statistics.seed": 0,
    }
    assert provenance["packages"]["torch"] == torch.__version__
    assert provenance["packages"]["numpy"] == np.__version__
    assert provenance["packages"]["mne"] == mne.__version__
    for name in ("eegvis", "scipy", "snakemake", "pandas", "matplotlib"):
        assert provenance["packages"][name] != "not installed"
    assert provenance["git"] == {"commit": "unknown", "dirty": None}  # a copy, not a checkout
    assert provenance["platform"]["python"] == sys.version.split()[0]
    assert provenance["torch"]["device_resolved"] == "cpu"
    assert provenance["torch"]["num_threads"] >= 1
    trained = results / "models" / "trained.pt"
    assert provenance["outputs"][f"results/{TINY}/models/trained.pt"] == sha256(trained)
    assert f"results/{TINY}/provenance.json" not in provenance["outputs"]
    assert "provenance" in text(results / "logs" / "provenance.log").lower()
    # Nothing is left to do: the provenance does not make the workflow rerun.
    again = run_snakemake(reference, "-n", "--configfile", str(reference / "config" / "test.yaml"))
    assert "Nothing to be done" in again.stdout + again.stderr


#: A line of each long job's log (eegvis.utils.progress): its first item, with the time left.
PROGRESS_LINES = {
    "train_model.log": "training: 1/4 epochs (25%), ",
    "gradient/trained.log": "gradient maps: 1/2 subjects (50%), ",
    "perturbation/trained.log": "additive perturbation: 1/2 iterations (50%), ",
    "attribution/saliency/trained.log": "saliency maps: 1/2 subjects (50%), ",
    "envelope_activation.log": "envelope-activation maps: 1/2 subjects (50%), ",
    "envelope_class.log": "envelope-class maps: 1/2 subjects (50%), ",
    "attribution_sanity/saliency.log": "cascading randomisation: 1/11 maps (9%), ",
}


@pytest.mark.parametrize("job", sorted(PROGRESS_LINES))
def test_long_jobs_log_their_progress_with_the_time_left(reference, job):
    lines = text(reference / "results" / TINY / "logs" / job).splitlines()
    first = [line for line in lines if PROGRESS_LINES[job] in line]
    assert len(first) == 1 and first[0].endswith(" left"), lines
    assert "\r" not in "".join(lines)  # no progress bar in a job's log


def test_provenance_library(tmp_path):
    config = tiny_config()
    output = tmp_path / "out.txt"
    output.write_text("x")
    provenance = collect_provenance(config, tmp_path, outputs=[output])
    assert provenance["config"] == config
    assert provenance["seeds"] == seeds(config)
    assert list(provenance["outputs"].values()) == [
        "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    ]
    json.dumps(provenance)  # serialisable
    assert git_commit(tmp_path)["commit"] == "unknown"
    commit = git_commit(REPO)["commit"]
    assert commit == "unknown" or re.fullmatch(r"[0-9a-f]{40}", commit)


# --- 2. interruptions -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def killed_training(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """Kill the tiny demo from scratch (SIGKILL to Snakemake's process group) during epoch 3
    of 4, then rerun the whole workflow with --rerun-incomplete; return the folder, the
    kill's and the rerun's output."""
    directory = copy_workflow(tmp_path_factory.mktemp("killed") / "wf")
    config = str(write_config(directory, tiny_config()))
    results = directory / "results" / TINY
    log = results / "logs" / "train_model.log"
    checkpoint = results / "models" / "checkpoint.pt"
    target = f"results/{TINY}/models/trained.pt"
    process = start_snakemake(directory, target, "--cores", "2", "--configfile", config)
    killed = kill_when(
        process, lambda: "Epoch 2/4" in text(log) and checkpoint.exists(), signal.SIGKILL
    )
    assert not (results / "models" / "trained.pt").exists()
    assert (results / "models" / "untrained.pt").exists()  # its own job, done before training
    assert not (results / "models" / "history.csv").exists()
    assert "Epoch 4/4" not in text(log)
    # Snakemake's lock outlives a SIGKILL; --unlock is the documented way out.
    run_snakemake(directory, "--unlock", "--configfile", config)
    rerun = run_snakemake(directory, "--cores", "2", "--rerun-incomplete", "--configfile", config)
    return directory, killed, rerun.stdout + rerun.stderr


def test_killed_training_resumes_and_matches_uninterrupted_run(killed_training, reference):
    directory, _, output = killed_training
    results = directory / "results" / TINY
    log = text(results / "logs" / "train_model.log")
    match = re.search(r"Resuming from \S*checkpoint\.pt after epoch (\d+)", log)
    assert match, log
    resumed = int(match.group(1))
    assert 1 <= resumed <= 3
    assert "Epoch 4/4" in log
    # The progress counts on from the checkpoint's epoch.
    assert f"training: {resumed + 1}/4 epochs ({25 * (resumed + 1)}%), " in log
    assert "training: 4/4 epochs (100%), done in " in log
    assert "train_model" in output
    reference_models = reference / "results" / TINY / "models"
    for name in ("trained.pt", "untrained.pt", "history.csv"):
        assert_same_file(reference_models / name, results / "models" / name)
    model, _ = load_model(results / "models" / "trained.pt")
    reference_model, _ = load_model(reference_models / "trained.pt")
    assert_same(model.state_dict(), reference_model.state_dict(), "state_dict")
    assert not partial_files(results)


def test_killed_envelope_job_reruns_to_identical_arrays(killed_training, reference):
    """SIGTERM to the group while envelope_activation runs: Snakemake cleans up; a rerun
    gives the arrays of the uninterrupted run."""
    directory, _, _ = killed_training
    config = str(directory / "config" / "test.yaml")
    results = directory / "results" / TINY
    output = results / "envelope_activation" / "trained.nc"
    log = results / "logs" / "envelope_activation.log"
    output.unlink()  # the killed run was rerun to the end: make the job run again
    log.unlink()
    started: dict[str, float] = {}

    def running() -> bool:  # the script has started (its log exists) and had a moment
        if log.exists():
            started.setdefault("at", time.monotonic())
        return "at" in started and time.monotonic() - started["at"] > 0.5

    target = f"results/{TINY}/envelope_activation/trained.nc"
    process = start_snakemake(directory, target, "--cores", "2", "--configfile", config)
    killed = kill_when(process, running, signal.SIGTERM)
    assert not output.exists(), killed
    assert not partial_files(results)
    run_snakemake(directory, "--unlock", "--configfile", config)
    run_snakemake(directory, target, "--cores", "2", "--rerun-incomplete", "--configfile", config)
    assert_same_file(reference / "results" / TINY / "envelope_activation" / "trained.nc", output)
    assert not partial_files(results)


class _SlowHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files in 32 kB chunks with a pause after each (``delay`` seconds)."""

    delay = 0.05

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def copyfile(self, source, outputfile) -> None:  # noqa: ANN001
        while chunk := source.read(32768):
            outputfile.write(chunk)
            outputfile.flush()
            time.sleep(type(self).delay)


@pytest.fixture()
def slow_mirror(tmp_path: Path, eegbci_dir: Path) -> Iterator[tuple[str, type]]:
    """A PhysioNet-layout mirror that takes ~4 s per file; yields (base_url, handler)."""
    site = tmp_path / "site"
    (site / "files" / "eegmmidb").mkdir(parents=True)
    (site / "files" / "eegmmidb" / "1.0.0").symlink_to(eegbci_dir, target_is_directory=True)
    handler = type("Handler", (_SlowHandler,), {})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/files/eegmmidb/1.0.0/", handler
    finally:
        server.shutdown()
        server.server_close()


def test_killed_download_leaves_no_complete_looking_file(
    workflow_dir, tmp_path, slow_mirror, eegbci_dir
):
    base_url, handler = slow_mirror
    data_dir = tmp_path / "data"
    config = eegbci_config("download", data_dir, base_url, [1], [2])
    path = str(write_config(workflow_dir, config))
    folder = dataset_root(data_dir) / "S001"
    final = folder / "S001R04.edf"

    def downloading() -> bool:  # pooch writes into a temporary file next to the target
        return folder.is_dir() and any(p.stat().st_size > 100_000 for p in folder.iterdir())

    target = "results/download/epochs/sub-001.json"
    process = start_snakemake(workflow_dir, target, "--cores", "1", "--configfile", path)
    kill_when(process, downloading, signal.SIGKILL)
    assert not final.exists()  # only pooch's temporary file, never the final name
    leftovers = list(folder.iterdir())
    assert all(not p.name.endswith(".edf") for p in leftovers), leftovers

    handler.delay = 0.0
    run_snakemake(workflow_dir, "--unlock", "--configfile", path)
    run_snakemake(workflow_dir, target, "--cores", "1", "--rerun-incomplete", "--configfile", path)
    assert final.read_bytes() == (eegbci_dir / "S001" / "S001R04.edf").read_bytes()
    logs = workflow_dir / "results" / "download" / "logs"
    assert "verified against MNE's checksums" in text(logs / "fetch_subject" / "S001.log")
    assert (workflow_dir / target).exists()
    assert not partial_files(workflow_dir / "results", data_dir)
    # What SIGKILL leaves behind is pooch's temporary file (never removed, never used).
    assert all(p.name.startswith("tmp") for p in folder.iterdir() if p != final)


# --- 1. bad inputs --------------------------------------------------------------------------


def failed_jobs(output: str) -> set[str]:
    """Rule and wildcards of each job Snakemake reports as failed."""
    return set(re.findall(r"Error in rule (\w+):", output))


def test_bad_eegbci_files_fail_their_own_jobs_only(workflow_dir, tmp_path, eegbci_dir):
    """Through the real download/verify path: a truncated and a header-corrupted pre-staged
    file fail their download job (which verifies pre-staged files) with ChecksumError; a
    download whose checksum does not match fails its fetch job too; the good subject
    finishes (--keep-going), and the bad files are left where they were staged."""
    site = tmp_path / "site" / "files" / "eegmmidb" / "1.0.0"
    for subject in (1, 3):
        name = f"S{subject:03d}/S{subject:03d}R04.edf"
        (site / name).parent.mkdir(parents=True)
        shutil.copyfile(eegbci_dir / name, site / name)
    tampered = bytearray((site / "S003" / "S003R04.edf").read_bytes())
    tampered[-1] ^= 0xFF
    (site / "S003" / "S003R04.edf").write_bytes(bytes(tampered))
    data_dir = tmp_path / "data"
    root = dataset_root(data_dir)
    truncate(eegbci_dir / "S002" / "S002R04.edf", root / "S002" / "S002R04.edf")
    corrupt_header(eegbci_dir / "S004" / "S004R04.edf", root / "S004" / "S004R04.edf")

    targets = [f"results/bad/epochs/sub-{s:03d}.json" for s in (1, 2, 3, 4)]
    for base_url in serve(tmp_path / "site"):
        mirror = base_url + "files/eegmmidb/1.0.0/"
        path = str(
            write_config(workflow_dir, eegbci_config("bad", data_dir, mirror, [1, 2], [3, 4]))
        )
        args = ("--cores", "2", "--keep-going", "--configfile", path)
        result = run_snakemake(workflow_dir, *targets, *args, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    results = workflow_dir / "results" / "bad"
    epochs = results / "epochs"
    logs = results / "logs"
    # The good subject finished.
    assert (epochs / "sub-001.json").exists() and (epochs / "sub-001_epo.fif").exists()
    # Each failure names the file and the problem, in the job's log and in Snakemake's output.
    for subject in (2, 4):
        log = text(logs / "fetch_subject" / f"S{subject:03d}.log")
        assert "ChecksumError" in log
        assert f"S{subject:03d}R04.edf: SHA-256" in log and "does not match" in log
        assert f"S{subject:03d}R04.edf: SHA-256" in output
        assert (root / f"S{subject:03d}" / f"S{subject:03d}R04.edf").exists()  # not deleted
        assert not (results / "raw" / f"S{subject:03d}_verified.json").exists()
    fetch_log = text(logs / "fetch_subject" / "S003.log")
    assert "DownloadError" in fetch_log and "S003/S003R04.edf" in fetch_log
    assert "hash" in fetch_log.lower()
    assert failed_jobs(output) == {"fetch_subject"}
    assert "results/bad/logs/fetch_subject/S002.log" in output
    # Nothing that looks complete: no outputs of failed jobs, no downloaded bad file.
    for subject in (2, 3, 4):
        assert not (epochs / f"sub-{subject:03d}.json").exists()
        assert not (epochs / f"sub-{subject:03d}_epo.fif").exists()
    assert not (root / "S003" / "S003R04.edf").exists()
    assert not partial_files(results, data_dir)


SYNTHETIC_CASES = {
    # subject: (what is wrong, pattern the log and Snakemake's output must show)
    2: ("truncated", r"S002R04\.edf: truncated EDF file: its header declares \d+ data records"),
    3: ("corrupt header", r"S003R04\.edf: cannot be read as an EDF recording"),
    4: ("missing channel", r"S004R04\.edf: expected EEGBCI channels are missing: \['C3\.\.'\]"),
    5: ("no cues", r"S005R04\.edf: no T1/T2 annotations"),
    6: ("one class only", r"subject 6 \(\S*S006R04\.edf\): no trials of class right_hand"),
}


def stage_bad_recordings(raw_dir: Path, eegbci_dir: Path) -> None:
    """Stage real recordings (good: subjects 1 and 7) and the bad ones of SYNTHETIC_CASES."""

    def source(subject: int) -> Path:
        return eegbci_dir / f"S{subject:03d}" / f"S{subject:03d}R04.edf"

    def target(subject: int) -> Path:
        return raw_dir / f"S{subject:03d}" / f"S{subject:03d}R04.edf"

    target(1).parent.mkdir(parents=True)
    shutil.copyfile(source(1), target(1))
    truncate(source(2), target(2))
    corrupt_header(source(3), target(3))
    raw = mne.io.read_raw_edf(source(4), preload=True)
    export_edf(raw.drop_channels(["C3.."]), target(4))
    raw = mne.io.read_raw_edf(source(5), preload=True)
    export_edf(raw.set_annotations(raw.annotations[raw.annotations.description == "T0"]), target(5))
    raw = mne.io.read_raw_edf(source(6), preload=True)
    export_edf(raw.set_annotations(raw.annotations[raw.annotations.description != "T2"]), target(6))
    raw = mne.io.read_raw_edf(source(7), preload=True)
    export_edf(raw.resample(128.0), target(7))  # like EEGBCI subjects 88, 92 and 100


def test_bad_recordings_fail_their_own_jobs_only(workflow_dir, eegbci_dir):
    """Recordings that cannot be pre-staged as EEGBCI files (their checksums would fail
    first) go through the synthetic source's folder, which epoching reads without the
    checksum step: the EDF reader and the epoching code must catch each problem."""
    config = tiny_config()
    config.update(name="badsyn", subjects={"train": [1, 2, 3, 4], "valid": [5, 6, 7]})
    path = str(write_config(workflow_dir, config))
    results = workflow_dir / "results" / "badsyn"
    stage_bad_recordings(results / "raw", eegbci_dir)
    targets = [f"results/badsyn/epochs/sub-{s:03d}.json" for s in range(1, 8)]
    result = run_snakemake(
        workflow_dir, *targets, "--cores", "2", "--keep-going", "--configfile", path, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "fetch_subject" not in output  # the staged recordings were used as they are
    epochs, logs = results / "epochs", results / "logs" / "epoch_subject"
    for subject, (problem, pattern) in SYNTHETIC_CASES.items():
        log = text(logs / f"sub-{subject:03d}.log")
        assert re.search(pattern, log), (problem, log)
        assert "RecordingError" in log, problem
        assert re.search(pattern, output), problem
        assert not (epochs / f"sub-{subject:03d}.json").exists(), problem
        assert not (epochs / f"sub-{subject:03d}_epo.fif").exists(), problem
    assert failed_jobs(output) == {"epoch_subject"}
    assert output.count("Error in rule epoch_subject") == len(SYNTHETIC_CASES)
    # The good subjects finished; the one at 128 Hz was resampled, with a warning.
    for subject in (1, 7):
        assert (epochs / f"sub-{subject:03d}_epo.fif").exists()
    summary = json.loads((epochs / "sub-007.json").read_text())
    assert summary["original_sfreq"] == [128.0] and summary["resampled"]
    assert not summary["excluded"]
    assert "recorded at 128 Hz, resampling to 160 Hz" in text(logs / "sub-007.log")
    assert load_epochs(epochs / "sub-007_epo.fif").info["sfreq"] == 160.0
    assert not partial_files(results)


# --- model files ----------------------------------------------------------------------------


ARCHITECTURE = deep4_architecture(64)


def test_model_file_of_another_architecture_is_named(tmp_path):
    other = dict(ARCHITECTURE, deep4=dict(ARCHITECTURE["deep4"], n_filters_4=100))
    weights = build_dense_network(**other, seed=0).state_dict()
    path = tmp_path / "trained.pt"
    save_model(path, weights, ARCHITECTURE, metadata={})
    with pytest.raises(ModelFileError, match=r"trained\.pt: weights do not fit the architecture"):
        load_model(path)
    # The matching weights load.
    save_model(path, build_dense_network(**ARCHITECTURE, seed=0).state_dict(), ARCHITECTURE, {})
    load_model(path)


def test_truncated_or_foreign_model_file_is_named(tmp_path):
    path = tmp_path / "trained.pt"
    save_model(path, build_dense_network(**ARCHITECTURE, seed=0).state_dict(), ARCHITECTURE, {})
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ModelFileError, match=r"trained\.pt: not a readable model file"):
        load_model(path)
    torch.save({"state_dict": {}}, path)
    with pytest.raises(ModelFileError, match=r"trained\.pt: not an eegvis model file"):
        load_model(path)


def test_atomic_output_removes_leftovers_of_killed_writers(tmp_path):
    """A SIGKILL during a write leaves ``.partial-<pid>-<name>``; the next write removes it
    (and only the leftovers of that name)."""
    names = [".partial-1-checkpoint.pt", ".partial-2-x-checkpoint.pt", ".partial-3-trained.pt"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    with pytest.raises(RuntimeError):
        with atomic_output(tmp_path / "checkpoint.pt") as path:
            path.write_bytes(b"half")
            raise RuntimeError
    assert not (tmp_path / "checkpoint.pt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    with atomic_output(tmp_path / "checkpoint.pt") as path:
        path.write_bytes(b"whole")
    assert (tmp_path / "checkpoint.pt").read_bytes() == b"whole"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["checkpoint.pt", *names[1:]])
