"""The SLURM profile on a real single-node SLURM cluster that the test starts itself.

The cluster is private to the test: its own slurm.conf, gres.conf and cgroup.conf,
state, spool and log folders, a munge daemon with its own key and socket, and free
ports, all under a temporary folder; SLURM_CONF points the SLURM commands at it. An
existing SLURM or munge set-up (``/etc/slurm``, ``/etc/munge``, running daemons) is
never read, changed or stopped. Installing the Debian packages (only where ``sbatch``
or the daemons are missing) is the one change to the machine; their post-install
scripts create ``/etc/munge/munge.key`` but start no daemon without systemd.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, copy_workflow, tiny_config, write_config
from result_comparison import assert_same_results

pytestmark = pytest.mark.slow

PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
PROGRAMS = ("sbatch", "squeue", "sinfo", "srun", "slurmctld", "slurmd", "munged")
MIN_MEMORY_MB = 10_000  # the rules ask for up to 8000 MB per job
THREADS = 2  # per job, in the SLURM run and the local run alike


def _program(name: str) -> str | None:
    for folder in ("", "/usr/sbin", "/usr/bin", "/sbin"):
        found = shutil.which(name, path=folder or None)
        if found:
            return found
    return None


def _install_slurm() -> None:
    """Install SLURM and munge from the Debian archive, unless they are there."""
    if all(_program(name) for name in PROGRAMS):
        return
    if shutil.which("apt-get") is None:
        pytest.skip("SLURM is not installed and there is no apt-get to install it")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES],
    ):
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    missing = [name for name in PROGRAMS if not _program(name)]
    assert not missing, f"still missing after installing {PACKAGES}: {missing}"


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _memory_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no MemTotal in /proc/meminfo")


class Cluster:
    """slurmctld, slurmd and munged, started in the foreground; stopped by PID."""

    def __init__(self, root: Path, sock_dir: Path):
        self.root = root
        self.conf = root / "slurm.conf"
        self.sock_dir = sock_dir
        self.processes: list[subprocess.Popen] = []
        self.env = dict(os.environ, SLURM_CONF=str(self.conf))
        self.node = socket.gethostname().split(".")[0]

    def write_config(self, cpus: int, memory_mb: int) -> None:
        root = self.root
        for folder in ("state", "spool", "log", "bin"):
            (root / folder).mkdir()
        ctld_port, slurmd_port = _free_ports(2)
        self.conf.write_text(
            f"""\
ClusterName=eegvistest
SlurmctldHost={self.node}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.sock_dir / "munge.socket"}
StateSaveLocation={root / "state"}
SlurmdSpoolDir={root / "spool"}
SlurmctldPidFile={root / "slurmctld.pid"}
SlurmdPidFile={root / "slurmd.pid"}
SlurmctldLogFile={root / "log" / "slurmctld.log"}
SlurmdLogFile={root / "log" / "slurmd.log"}
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Finished jobs stay visible to squeue (there is no slurmdbd for sacct).
MinJobAge=900
ReturnToService=2
GresTypes=gpu
NodeName={self.node} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory_mb} Gres=gpu:1 \
State=UNKNOWN
PartitionName=test Nodes={self.node} Default=YES MaxTime=INFINITE State=UP
"""
        )
        # A stand-in GPU: lets SLURM schedule --gpus=1; the jobs run on the CPU.
        (root / "gres.conf").write_text(f"NodeName={self.node} Name=gpu File=/dev/null\n")
        (root / "cgroup.conf").write_text("CgroupAutomount=no\n")
        # snakemake-executor-plugin-slurm-jobstep drops every SLURM_* variable,
        # SLURM_CONF included, before its srun inside the job; this srun puts it back.
        srun = root / "bin" / "srun"
        srun.write_text(
            f'#!/bin/sh\nexport SLURM_CONF="{self.conf}"\nexec {_program("srun")} "$@"\n'
        )
        srun.chmod(0o755)
        self.env["PATH"] = f"{root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"

    def _start(self, name: str, command: list[str]) -> None:
        log = open(self.root / "log" / f"{name}.out", "w")  # noqa: SIM115
        process = subprocess.Popen(
            command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.processes.append(process)
        time.sleep(1)
        if process.poll() is not None:
            raise AssertionError(f"{name} exited at once:\n{self.logs()}")

    def start(self) -> None:
        key = self.root / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o600)
        self._start(
            "munged",
            [
                _program("munged"),
                "--foreground",
                f"--socket={self.sock_dir / 'munge.socket'}",
                f"--key-file={key}",
                f"--pid-file={self.root / 'munged.pid'}",
                f"--log-file={self.root / 'log' / 'munged.log'}",
                f"--seed-file={self.root / 'munged.seed'}",
            ],
        )
        self._start("slurmctld", [_program("slurmctld"), "-D", "-f", str(self.conf)])
        self._start("slurmd", [_program("slurmd"), "-D", "-f", str(self.conf)])
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            state = self.run("sinfo", "--noheader", "--Node", "--format=%T", check=False)
            if state.stdout.strip() == "idle":
                return
            time.sleep(1)
        raise AssertionError(f"the node did not become idle:\n{state.stdout}{self.logs()}")

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(command)}: {result.stdout}{result.stderr}")
        return result

    def logs(self) -> str:
        return "".join(
            f"\n--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted((self.root / "log").glob("*"))
        )

    def stop(self) -> None:
        if any(process.poll() is None for process in self.processes[1:]):
            self.run("scancel", "--full", "--user", str(os.getuid()), check=False)
        for process in reversed(self.processes):  # slurmd, slurmctld, munged
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=20)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if sys.platform != "linux":
        pytest.skip("the test cluster needs Linux")
    if os.geteuid() != 0:
        pytest.skip("slurmd must run as root to start jobs; run the tests as root")
    if (os.cpu_count() or 1) < THREADS:
        pytest.skip(f"the test runs {THREADS}-thread jobs; this machine has fewer CPUs")
    memory = _memory_mb() - 1024  # leave some to the daemons and the system
    if memory < MIN_MEMORY_MB:
        pytest.skip(f"the rules ask for up to 8000 MB per job; only {memory} MB here")
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        pytest.fail("snakemake-executor-plugin-slurm is missing (it is in requirements.txt)")
    _install_slurm()
    root = tmp_path_factory.mktemp("slurm")
    # munged wants every folder above its socket to be searchable by all users,
    # which pytest's private temporary folders are not.
    sock_dir = Path(tempfile.mkdtemp(prefix="eegvis-munge-"))
    sock_dir.chmod(0o755)
    cluster = Cluster(root, sock_dir)
    cluster.write_config(cpus=os.cpu_count(), memory_mb=memory)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(sock_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def runs(cluster, tmp_path_factory):
    """The tiny demo through the SLURM profile (its local run is the shared ``tiny_run``)."""
    slurm_dir = copy_workflow(tmp_path_factory.mktemp("runs") / "slurm", extra=("profiles",))
    slurm_config = write_config(slurm_dir, tiny_config())
    start = time.monotonic()
    slurm = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--workflow-profile",
            "profiles/slurm",
            "--configfile",
            str(slurm_config),
            # The test cluster: 2 CPUs per job at most (this caps the training's
            # threads and the width of group jobs, as on the local run), squeue
            # for the status (no slurmdbd, so no sacct), frequent status checks.
            "--cores",
            str(THREADS),
            "--slurm-status-command",
            "squeue",
            "--slurm-init-seconds-before-status-checks",
            "2",
            "--seconds-between-status-checks",
            "2",
            "--slurm-keep-successful-logs",
            "--latency-wait",
            "5",
            "--restart-times",
            "0",
        ],
        cwd=slurm_dir,
        env=cluster.env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    slurm_seconds = time.monotonic() - start
    output = slurm.stdout + slurm.stderr
    assert slurm.returncode == 0, f"SLURM run failed:\n{output}{cluster.logs()}"
    print(f"SLURM run {slurm_seconds:.0f} s")
    return {
        "slurm": slurm_dir / "results" / TINY,
        "output": output,
        "slurm_dir": slurm_dir,
    }


def _submitted(output: str) -> dict[str, str]:
    """SLURM job id -> the rule or group folder of its log, from Snakemake's output."""
    pattern = re.compile(r"submitted with SLURM jobid (\d+) \(log: .*/slurm_logs/([^/]+)/")
    return dict(pattern.findall(output))


def test_every_job_went_through_sbatch_and_completed(cluster, runs):
    submitted = _submitted(runs["output"])
    folders = set(submitted.values())
    for rule in ("train_model", "envelope_activation", "perturbation", "envelope_class"):
        assert f"rule_{rule}" in folders, (rule, submitted)
    # The profile's groups: one job for both subjects' fetch/epoch/band-pass chains,
    # one for the tables, figures and summaries.
    group_jobs = [name for name in folders if name.startswith("group_")]
    assert any(name.startswith("group_subject_data") for name in group_jobs), folders
    assert any(name.startswith("group_summaries") for name in group_jobs), folders
    assert sum(name.startswith("group_subject_data") for name in submitted.values()) == 1
    assert not any(name.startswith("rule_fetch_subject") for name in folders)
    states = dict(
        line.split("|")
        for line in cluster.run(
            "squeue", "--states=all", "--noheader", "--format=%i|%T"
        ).stdout.split()
    )
    for job_id in submitted:
        assert states.get(job_id) == "COMPLETED", (job_id, submitted[job_id], states)
    logs = runs["slurm_dir"] / ".snakemake" / "slurm_logs"
    for job_id, folder in submitted.items():
        assert list((logs / folder).rglob(f"{job_id}.log")), (job_id, folder)


def test_gpu_rules_asked_slurm_for_a_gpu(cluster, runs):
    for job_id, folder in _submitted(runs["output"]).items():
        details = cluster.run("scontrol", "show", "job", job_id).stdout
        tres = re.search(r"\bTRES=(\S+)", details).group(1)
        gpus = re.findall(r"\b(Tres\w*=\S*gpu\S*)", details)  # TresPerJob=gres:gpu:1
        wants_gpu = folder in (
            "rule_train_model",
            "rule_envelope_activation",
            "rule_perturbation",
            "rule_gradient",
            "rule_attribution_maps",
            "rule_attribution_sanity",
        )
        assert bool(gpus) == wants_gpu, (folder, details)
        if folder == "rule_train_model":
            assert any(gpu.endswith("gpu:1") for gpu in gpus), details
            assert "cpu=2" in tres and "mem=8000M" in tres, tres


def test_slurm_results_equal_the_local_run(runs, tiny_run):
    """Same config, seed and thread count (2), both on the CPU: every result file
    (models, epochs, maps, tables) of the SLURM run equals the local tiny run's bit for
    bit (made by whichever worker asked first, possibly while the SLURM run went on);
    logs, benchmarks, figures and the provenance's time stamps are not compared."""
    slurm, local = runs["slurm"], tiny_run / "results" / TINY
    assert assert_same_results(local, slurm) >= 20
    for figure in ("envelope_activation", "envelope_class", "training_curves"):
        assert (slurm / "figures" / f"{figure}.png").stat().st_size > 10_000
    assert np.isfinite(pd.read_csv(slurm / "envelope_class/correlations.csv")["correlation"]).all()
