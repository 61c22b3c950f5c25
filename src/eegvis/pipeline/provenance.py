"""Provenance of a workflow run: config, software, seeds, machine and outputs.

:func:`collect_provenance` gathers what is needed to tell whether two sets of
results were made the same way: the configuration exactly as the workflow
used it (validated, defaults filled), the versions of the packages that
compute the results, the git commit of the workflow, every random seed, the
platform and the torch set-up (device, threads, CUDA), and the SHA-256 of
every output it documents. :func:`write_provenance` writes it as JSON,
atomically.

Only the ``created`` timestamp, the host name and the run-time fields
(threads, device names) may differ between two runs that made bit-identical
arrays; compare results by their arrays or the ``outputs`` digests, not by
the bytes of this file.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from eegvis.data.download import sha256
from eegvis.utils.io import write_json

#: Distributions whose versions are recorded.
PACKAGES = (
    "eegvis",
    "torch",
    "numpy",
    "scipy",
    "mne",
    "snakemake",
    "pandas",
    "matplotlib",
    "edfio",
    "pooch",
    "mne-icalabel",
    "python-picard",
    "captum",
    "zennit",
)

#: Config keys (section, key) that seed a random number generator.
SEED_KEYS = (
    ("dataset", "seed"),
    ("training", "seed"),
    ("perturbation", "seed"),
    ("statistics", "seed"),
)

#: Environment variables that change thread counts or numerics.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "CUBLAS_WORKSPACE_CONFIG",
    "PYTHONHASHSEED",
)


def package_versions(packages: Iterable[str] = PACKAGES) -> dict[str, str]:
    """Return the installed version of each distribution.

    Parameters
    ----------
    packages : iterable of str
        Distribution names.

    Returns
    -------
    versions : dict of str to str
        ``"not installed"`` for a distribution that cannot be found.
    """
    versions = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit(directory: str | os.PathLike) -> dict[str, Any]:
    """Return the git commit of the checkout that holds ``directory``.

    Parameters
    ----------
    directory : path-like
        Any folder of the workflow (e.g. Snakemake's ``workflow.basedir``).

    Returns
    -------
    git : dict
        ``commit``: the full hash, or ``"unknown"`` outside a git checkout
        (or without git); ``dirty``: whether tracked files differ from the
        commit (``None`` when unknown).
    """

    def run(*args: str) -> str | None:
        try:
            result = subprocess.run(
                ["git", *args],
                cwd=directory,
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return result.stdout.strip() if result.returncode == 0 else None

    commit = run("rev-parse", "HEAD")
    if not commit:
        return {"commit": "unknown", "dirty": None}
    status = run("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def seeds(config: Mapping[str, Any]) -> dict[str, int | None]:
    """Return every random seed of a (validated) config, by its dotted key.

    Parameters
    ----------
    config : mapping
        The workflow config with defaults filled.

    Returns
    -------
    seeds : dict of str to int or None
        E.g. ``{"dataset.seed": 0, "training.seed": 20170629,
        "perturbation.seed": 0, "statistics.seed": 0}``; ``None`` for a missing key.
    """
    return {f"{section}.{key}": config.get(section, {}).get(key) for section, key in SEED_KEYS}


def torch_info(device: str = "auto") -> dict[str, Any]:
    """Describe torch's set-up in this process.

    Parameters
    ----------
    device : str
        The config's ``training.device``; reported with what it resolves to here.

    Returns
    -------
    info : dict
        Requested and resolved device, intra- and inter-op threads, CUDA and
        cuDNN versions, GPU names, and the determinism switches.
    """
    import torch

    from eegvis.utils.devices import resolve_device

    cuda = torch.cuda.is_available()
    return {
        "device_requested": device,
        "device_resolved": str(resolve_device(device)),
        "num_threads": torch.get_num_threads(),
        "num_interop_threads": torch.get_num_interop_threads(),
        "cuda_available": cuda,
        "cuda_version": torch.version.cuda,
        "cudnn_version": torch.backends.cudnn.version() if cuda else None,
        "gpus": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        if cuda
        else [],
        "deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
        "cudnn_deterministic": torch.backends.cudnn.deterministic,
        "cudnn_benchmark": torch.backends.cudnn.benchmark,
    }


def platform_info() -> dict[str, Any]:
    """Return the Python version, operating system, machine and CPU count."""
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "system": platform.platform(),
        "machine": platform.machine(),
        "node": platform.node(),
        "cpu_count": os.cpu_count(),
        "environment": {name: os.environ[name] for name in THREAD_VARIABLES if name in os.environ},
    }


def output_digests(
    paths: Iterable[str | os.PathLike], root: str | os.PathLike | None = None
) -> dict[str, str]:
    """Return the SHA-256 of each file, keyed by its path relative to ``root``.

    Parameters
    ----------
    paths : iterable of path-like
        Files to hash.
    root : path-like | None
        Paths are given relative to it when they lie below it.

    Returns
    -------
    digests : dict of str to str
        Sorted by path.
    """
    digests = {}
    for path in paths:
        key = Path(path)
        if root is not None and key.is_absolute():
            try:
                key = key.relative_to(root)
            except ValueError:
                pass
        digests[key.as_posix()] = sha256(path)
    return dict(sorted(digests.items()))


def collect_provenance(
    config: Mapping[str, Any],
    workflow_dir: str | os.PathLike,
    outputs: Iterable[str | os.PathLike] = (),
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Gather the provenance of a workflow run.

    Parameters
    ----------
    config : mapping
        The config as the workflow used it (schema-validated, defaults filled).
    workflow_dir : path-like
        The workflow's folder, for its git commit.
    outputs : iterable of path-like
        Result files to record with their SHA-256.
    now : datetime | None
        Time stamp to record (default: now, UTC).

    Returns
    -------
    provenance : dict
        JSON-serialisable: ``created``, ``config``, ``seeds``, ``packages``,
        ``git``, ``platform``, ``torch``, ``outputs``.
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    device = config.get("training", {}).get("device", "auto")
    return {
        "created": now.isoformat(timespec="seconds"),
        "config": _plain(config),
        "seeds": seeds(config),
        "packages": package_versions(),
        "git": git_commit(workflow_dir),
        "platform": platform_info(),
        "torch": torch_info(device),
        "outputs": output_digests(outputs),
    }


def write_provenance(path: str | os.PathLike, provenance: Mapping[str, Any]) -> None:
    """Write provenance as indented JSON, atomically (see :func:`eegvis.utils.io.atomic_output`)."""
    write_json(path, provenance)


def _plain(value: Any) -> Any:
    """Convert Snakemake's config containers (and tuples) to plain JSON types."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
