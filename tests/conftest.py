"""Shared fixtures: the real EEGBCI files in ../shared/eegbci and a local mirror; the
whole-workflow runs that several test modules read (the demo, the tiny demo).

A whole-workflow run that several modules read is made once per test session, by
whichever pytest-xdist worker asks for it first (:func:`shared_run`); under
``--dist loadscope`` each module's tests run on one worker, so a module-scoped run is
made once too. Tests must not change a shared run's results (they copy it first).
"""

from __future__ import annotations

import functools
import http.server
import importlib
import json
import os
import shutil
import subprocess
import sys
import threading
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import mne
import numpy as np
import pandas as pd
import pytest
import yaml
from filelock import FileLock

from eegvis.models import SEED_000_OPTIONS

REPO = Path(__file__).resolve().parents[1]
SHARED_EEGBCI = REPO.parent / "shared" / "eegbci"

#: 128 channels of a 10-05 cap like the High-Gamma Dataset's (MOABB ``Schirrmeister2017``),
#: with its half-position names (FFC5h, CCP3h, ...), mastoids and inion row.
HGD_CHANNELS = (
    "Fp1 Fp2 Fpz F7 F3 Fz F4 F8 FC5 FC1 FC2 FC6 M1 T7 C3 Cz C4 T8 M2 CP5 CP1 CP2 CP6 P7 P3 Pz P4 "
    "P8 POz O1 Oz O2 AF7 AF3 AF4 AF8 F5 F1 F2 F6 FC3 FCz FC4 C5 C1 C2 C6 CP3 CPz CP4 P5 P1 P2 P6 "
    "PO5 PO3 PO4 PO6 FT7 FT8 TP7 TP8 PO7 PO8 FT9 FT10 TPP9h TPP10h PO9 PO10 P9 P10 AFF1 AFz AFF2 "
    "FFC5h FFC3h FFC4h FFC6h FCC5h FCC3h FCC4h FCC6h CCP5h CCP3h CCP4h CCP6h CPP5h CPP3h CPP4h "
    "CPP6h PPO1 PPO2 I1 Iz I2 AFp3h AFp4h AFF5h AFF6h FFT7h FFC1h FFC2h FFT8h FTT9h FTT7h FCC1h "
    "FCC2h FTT8h FTT10h TTP7h CCP1h CCP2h TTP8h TPP7h CPP1h CPP2h TPP8h PPO9h PPO5h PPO6h PPO10h "
    "POO9h POO3h POO4h POO10h OI1h OI2h"
).split()

mne.set_log_level("WARNING")


#: Modules that run whole workflows, heaviest first: they start first, one per worker,
#: and the lighter modules fill in around them (with ``--no-loadscope-reorder``).
HEAVY_MODULES = (
    "test_null_demo",
    "test_artifact_control",
    "test_slurm",
    "test_robustness",
    "test_workflow",
    "test_any_network",
    "test_demo_workflow",
    "test_docs_site",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the heavy modules' tests first, each module's tests in their own order."""

    def rank(item: pytest.Item) -> int:
        name = item.module.__name__
        return HEAVY_MODULES.index(name) if name in HEAVY_MODULES else len(HEAVY_MODULES)

    items.sort(key=rank)  # stable: the order within a module is kept


def pytest_configure(config: pytest.Config) -> None:
    """Share the CPU cores between pytest-xdist's workers instead of oversubscribing them."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        import torch

        torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))


#: A Deep4Net of the seed-000 tutorial's shape with few filters: fast, but every layer kind.
SMALL_DEEP4 = dict(
    SEED_000_OPTIONS,
    n_filters_time=4,
    n_filters_spat=4,
    n_filters_2=5,
    n_filters_3=6,
    n_filters_4=7,
)


def deep4_architecture(n_chans: int) -> dict:
    """A model file's architecture: a two-class Deep4Net on 450-sample crops of ``n_chans``
    channels, with the seed-000 options but the stride after the pooling (the default)."""
    return dict(
        n_chans=n_chans,
        n_classes=2,
        input_time_length=450,
        deep4=dict(final_conv_length=1, filter_length_3=5, filter_length_4=5, pool_time_stride=2),
    )


def lateralized_mu_epochs(
    channels: list[str],
    n_samples: int,
    seed: int,
    n_subjects: int,
    n_trials: int,
    subjects: bool = True,
    sfreq: float = 160.0,
) -> mne.EpochsArray:
    """Random epochs, in volts, of alternating classes "left" and "right" (the first is
    "left"), ``n_trials`` a subject; "right" has less 10 Hz power over C3.

    Their metadata's ``subject`` column numbers the subjects from 1 (no metadata when
    ``subjects`` is False). Draws from ``numpy.random.default_rng(seed)``.
    """
    from eegvis.data.montage import standard_montage

    rng = np.random.default_rng(seed)
    n = n_subjects * n_trials
    labels = np.tile([0, 1], n // 2)
    times = np.arange(n_samples) / sfreq
    data = rng.standard_normal((n, len(channels), n_samples))
    mu = np.sin(2 * np.pi * 10 * times + rng.uniform(0, 2 * np.pi, (n, 1)))
    data[:, channels.index("C3")] += np.where(labels == 1, 0.5, 2.0)[:, None] * mu
    info = mne.create_info(channels, sfreq, "eeg")
    info.set_montage(standard_montage())
    events = np.column_stack([np.arange(n) * 1000, np.zeros(n, int), labels + 1])
    metadata = pd.DataFrame({"subject": np.repeat(np.arange(1, n_subjects + 1), n_trials)})
    return mne.EpochsArray(
        data * 1e-5,
        info,
        events,
        event_id={"left": 1, "right": 2},
        metadata=metadata if subjects else None,
        verbose="error",
    )


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


#: Name of the tiny demo run (results/tiny).
TINY = "tiny"


def tiny_config() -> dict:
    """The demo, shrunk: subject 1 trains, subject 2 validates, one run, four epochs, CPU,
    one attribution method."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config.update(name=TINY, subjects={"train": [1], "valid": [2]}, runs=[4])
    config["training"].update(epochs=4, device="cpu")
    config["perturbation"]["n_iterations"] = 2
    # one attribution method (the fastest), its sanity check on few crops
    config["attribution"] = {"methods": ["saliency"], "sanity": {"n_crops": 8}}
    return config


def shared_run(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]
) -> Path:
    """Return the folder ``make`` filled, made once for all pytest-xdist workers.

    The first worker to ask makes it under a file lock, in the temporary folder the
    workers share; the others wait for it and read it. A folder whose ``make`` did not
    finish is made again.
    """
    root = tmp_path_factory.getbasetemp()
    if "PYTEST_XDIST_WORKER" in os.environ:
        root = root.parent  # the session's folder, above each worker's own
    target = root / f"shared-{name}"
    with FileLock(f"{target}.lock"):
        if not (target / ".complete").is_file():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            make(target)
            (target / ".complete").touch()
    return target


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny demo (:func:`tiny_config`), run once; returns its workflow folder.

    Read by the robustness tests (the uninterrupted reference run) and the report tests.
    Tests that need to change its results must copy it.
    """

    def make(target: Path) -> None:
        directory = copy_workflow(target / "wf")
        path = write_config(directory, tiny_config())
        run_snakemake(directory, "--cores", "2", "--configfile", str(path))

    return shared_run(tmp_path_factory, "tiny", make) / "wf"


def finished_demo(repository: Path = REPO) -> Path | None:
    """The demo's results in ``repository``, if they are a finished run of its committed code.

    ``.ci/run`` runs the demo (``snakemake --cores all``) just before the tests. Its
    results are reused when the run finished (its provenance file, written last,
    exists), its provenance records the repository's current commit with no change to
    tracked files, then and now, its config holds every value of ``config/config.yaml``,
    and every final output still has the digest the provenance recorded.

    Returns
    -------
    results : Path | None
        ``results/demo`` of ``repository``, or None when it cannot be reused.
    """
    from eegvis.data.download import sha256
    from eegvis.pipeline.provenance import git_commit

    results = repository / "results" / "demo"
    if not (results / "provenance.json").is_file():
        return None
    provenance = json.loads((results / "provenance.json").read_text())
    now = git_commit(repository)
    if now["commit"] == "unknown" or now["dirty"] is not False:
        return None
    if provenance["git"] != now:
        return None
    config = yaml.safe_load((repository / "config" / "config.yaml").read_text())
    if not _holds(provenance["config"], config):
        return None
    for name, digest in provenance["outputs"].items():
        path = repository / name
        if not path.is_file() or sha256(path) != digest:
            return None
    return results


def _holds(validated: object, given: object) -> bool:
    """Whether the validated config has every value of the given one (bands are resolved)."""
    if isinstance(given, dict):
        return isinstance(validated, dict) and all(
            key == "bands" or (key in validated and _holds(validated[key], value))
            for key, value in given.items()
        )
    return validated == given


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workflow's results (default config) in a workflow copy of their own.

    The demo that ``.ci/run`` just ran is copied (results, Snakemake's metadata, file
    times kept) when :func:`finished_demo` accepts it; otherwise the demo runs here.

    Returns
    -------
    results : Path
        ``results/demo`` of the copy.
    """

    def make(target: Path) -> None:
        workflow = copy_workflow(target / "workflow")
        finished = finished_demo()
        if finished is None:
            run_snakemake(workflow, "--cores", "2")
            return
        shutil.copytree(finished, workflow / "results" / "demo", symlinks=True)
        metadata = REPO / ".snakemake" / "metadata"
        if metadata.is_dir():
            shutil.copytree(metadata, workflow / ".snakemake" / "metadata")

    return shared_run(tmp_path_factory, "demo", make) / "workflow" / "results" / "demo"


#: braindecode 0.8.1 (test oracle of eegvis.analyses.gradients) and the modules its
#: ``braindecode.visualization.gradients`` import chain needs that the venv lacks
#: (``braindecode/__init__`` imports skorch, which imports scikit-learn; braindecode's
#: util imports h5py), pinned to versions that import with this venv's numpy and torch.
BRAINDECODE_081_PINS = (
    "braindecode==0.8.1",
    "skorch==1.4.0",
    "scikit-learn==1.7.2",
    "joblib==1.5.3",
    "threadpoolctl==3.8.0",
    "h5py==3.16.0",
    "einops==0.8.2",
    "torchinfo==1.8.0",
    "docstring-inheritance==3.0.0",
)


@pytest.fixture(scope="session")
def braindecode081_dir() -> Path:
    """A folder holding braindecode 0.8.1, for ``PYTHONPATH`` in a subprocess only.

    Installed once with ``pip install --no-deps --target`` (so pip never touches torch,
    numpy or the venv) into the git-ignored ``.oracle/`` of the repository, one folder
    per Python version, by one pytest-xdist worker at a time (a file lock); reused while
    its ``.complete`` marker lists the same pins. The venv's own braindecode (0.4.85)
    stays importable in this process.
    """
    tag = f"py{sys.version_info.major}{sys.version_info.minor}"
    target = REPO / ".oracle" / f"braindecode-0.8.1-{tag}"
    marker = "\n".join(BRAINDECODE_081_PINS) + "\n"
    target.parent.mkdir(exist_ok=True)
    with FileLock(f"{target}.lock"):  # one install, whichever worker asks first
        if (target / ".complete").is_file() and (target / ".complete").read_text() == marker:
            return target
        partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        command = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-input"]
        command += ["--disable-pip-version-check", "--target", str(partial)]
        result = subprocess.run(
            [*command, *BRAINDECODE_081_PINS], capture_output=True, text=True, timeout=900
        )
        if result.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            pytest.fail(f"cannot install the braindecode 0.8.1 oracle:\n{result.stderr[-3000:]}")
        (partial / ".complete").write_text(marker)
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
    return target
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-input"]
    command += ["--disable-pip-version-check", "--target", str(partial), *BRAINDECODE_081_PINS]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        pytest.fail(f"cannot install the braindecode 0.8.1 oracle:\n{result.stderr[-3000:]}")
    (partial / ".complete").write_text(marker)
    shutil.rmtree(target, ignore_errors=True)
    try:
        partial.rename(target)
    except OSError:  # another process finished first
        shutil.rmtree(partial, ignore_errors=True)
    return target


#: braindecode 1.8.1, the oracle of the attribution methods and their scores. Its package
#: ``__init__`` needs torchaudio (no build for this torch), but ``braindecode.visualization``'s
#: ``metrics``, ``sanity``, ``topology`` and ``attribution`` import only numpy, torch, mne,
#: scipy and captum: they are loaded with both package ``__init__`` files bypassed.
BRAINDECODE_181 = "braindecode==1.8.1"


@pytest.fixture(scope="session")
def braindecode181() -> Callable[[str], types.ModuleType]:
    """Load a ``braindecode.visualization`` module of braindecode 1.8.1, e.g. ``"metrics"``.

    Installed once with ``pip install --no-deps --target`` into ``.oracle/`` (as the 0.8.1
    oracle). ``braindecode`` and ``braindecode.visualization`` are registered as bare
    module objects whose ``__path__`` is the installed folder while the module is
    imported; afterwards ``sys.modules`` is restored, so the venv's braindecode 0.4.85
    stays the one ``import braindecode`` gives. The loaded modules keep their own
    references and work after that.
    """
    tag = f"py{sys.version_info.major}{sys.version_info.minor}"
    target = REPO / ".oracle" / f"braindecode-1.8.1-{tag}"
    target.parent.mkdir(exist_ok=True)
    with FileLock(f"{target}.lock"):
        if not (target / ".complete").is_file():
            partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
            shutil.rmtree(partial, ignore_errors=True)
            command = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-input"]
            command += ["--disable-pip-version-check", "--target", str(partial), BRAINDECODE_181]
            result = subprocess.run(command, capture_output=True, text=True, timeout=900)
            if result.returncode != 0:
                shutil.rmtree(partial, ignore_errors=True)
                pytest.fail(
                    f"cannot install the braindecode 1.8.1 oracle:\n{result.stderr[-3000:]}"
                )
            (partial / ".complete").write_text(BRAINDECODE_181 + "\n")
            shutil.rmtree(target, ignore_errors=True)
            partial.rename(target)
    loaded: dict[str, types.ModuleType] = {}

    def load(name: str) -> types.ModuleType:
        if name in loaded:
            return loaded[name]
        saved = {k: v for k, v in sys.modules.items() if k.split(".")[0] == "braindecode"}
        for key in saved:
            del sys.modules[key]
        try:
            for package in ("braindecode", "braindecode.visualization"):
                module = types.ModuleType(package)
                module.__path__ = [str(target.joinpath(*package.split(".")))]
                sys.modules[package] = module
            for done, module in loaded.items():  # modules they import from each other
                sys.modules[f"braindecode.visualization.{done}"] = module
            loaded[name] = importlib.import_module(f"braindecode.visualization.{name}")
        finally:
            for key in [k for k in sys.modules if k.split(".")[0] == "braindecode"]:
                del sys.modules[key]
            sys.modules.update(saved)
        return loaded[name]

    return load


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """Run torch single-threaded in a module (``pytest.mark.usefixtures``): small models
    gain nothing from a second thread, and on a busy 2-core machine spinning OpenMP
    threads slow them down several times over."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def image_value_at(ax, xy: np.ndarray) -> float:
    """Value of the interpolated scalp-map image of ``ax`` at the pixel nearest ``xy``."""
    image = ax.images[0]
    data = np.ma.filled(image.get_array(), np.nan)
    x0, x1, y0, y1 = image.get_extent()
    column = round((xy[0] - x0) / (x1 - x0) * (data.shape[1] - 1))
    row = round((xy[1] - y0) / (y1 - y0) * (data.shape[0] - 1))
    return float(data[row, column])
