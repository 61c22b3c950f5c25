"""The scripts' shared steps read a job's inputs and parameters where the rules put them."""

from __future__ import annotations

import operator
import subprocess
import sys
from types import SimpleNamespace

import mne
import numpy as np
import pandas as pd
import pytest

from eegvis.analyses import gradient_subjects
from eegvis.data.epochs import EpochingSummary, iter_subjects
from eegvis.maps import read_maps
from eegvis.models.io import build_dense_network, load_model, save_model
from eegvis.pipeline import jobs
from eegvis.utils.io import write_json

CLASSES = ["left_hand", "right_hand"]
CH_NAMES = ["C3", "Cz", "C4"]
ARCHITECTURE = dict(
    n_chans=len(CH_NAMES),
    n_classes=len(CLASSES),
    input_time_length=450,
    deep4=dict(final_conv_length=1, filter_length_3=5, filter_length_4=5, pool_time_stride=2),
)


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """A gradient job's inputs: epochs and summaries of subjects 1-3 (3 excluded), a network."""
    folder = tmp_path_factory.mktemp("job")
    rng = np.random.default_rng(0)
    info = mne.create_info(CH_NAMES, 160.0, "eeg")
    labels = ["left_hand", "right_hand", "right_hand", "left_hand"]
    events = np.column_stack(
        [np.arange(4) * 1000, np.zeros(4, int), [CLASSES.index(label) + 1 for label in labels]]
    )
    epochs, summaries = [], []
    for subject in (1, 2, 3):
        data = rng.standard_normal((len(labels), len(CH_NAMES), 500)) * 1e-5
        trials = mne.EpochsArray(
            data,
            info,
            events,
            event_id={name: i + 1 for i, name in enumerate(CLASSES)},
            metadata=pd.DataFrame({"subject": subject, "label": labels}),
            verbose="error",
        )
        epochs.append(folder / f"sub-{subject:03d}_epo.fif")
        trials.save(epochs[-1], verbose="error")
        summary = EpochingSummary(subject, 160.0, excluded=subject == 3, reason="test")
        summaries.append(folder / f"sub-{subject:03d}.json")
        write_json(summaries[-1], summary.to_dict())
    model = folder / "trained.pt"
    weights = build_dense_network(**ARCHITECTURE, seed=0).state_dict()
    save_model(model, weights, ARCHITECTURE, {"classes": CLASSES})
    return SimpleNamespace(
        input=SimpleNamespace(model=model, epochs=epochs, summaries=summaries),
        params=SimpleNamespace(units="uV", splits={1: "train", 2: "valid"}, device="cpu"),
        wildcards=SimpleNamespace(model="trained"),
        output=SimpleNamespace(maps=folder / "maps.nc", table=folder / "maps.csv.gz"),
        threads=1,
    )


def test_job_subjects_are_the_usable_subjects_of_its_epochs_with_their_splits(job):
    stream = jobs.job_subjects(job, CLASSES)
    assert operator.length_hint(stream) == 2  # the progress lines' total: 3 is excluded
    subjects = list(stream)
    expected = list(iter_subjects(job.input.epochs, job.input.summaries, CLASSES, "uV"))
    assert [(s.subject, s.split) for s in subjects] == [(1, "train"), (2, "valid")]
    for trials, reference in zip(subjects, expected, strict=True):
        np.testing.assert_array_equal(trials.X, reference.X)
        np.testing.assert_array_equal(trials.y, reference.y)
    assert jobs.job_info(job).ch_names == CH_NAMES


def test_network_maps_are_the_subjects_function_on_the_jobs_network(job):
    maps = jobs.network_maps(job, gradient_subjects, batch_size=5)
    model, _ = load_model(job.input.model)
    expected = gradient_subjects(
        model,
        iter_subjects(job.input.epochs, job.input.summaries, CLASSES, "uV", splits={1: "train"}),
        jobs.job_info(job),
        CLASSES,
        batch_size=5,
        input_length=450,
        network="trained",
    )
    assert maps.attrs == expected.attrs
    np.testing.assert_array_equal(maps["gradient"], expected["gradient"])
    assert list(maps["split"].values) == ["train", "valid"]
    jobs.save_maps(job, maps, "gradient")
    np.testing.assert_array_equal(read_maps(job.output.maps)["gradient"], maps["gradient"])
    assert "gradient" in pd.read_csv(job.output.table).columns


def test_bandpassed_job_subjects_band_pass_the_jobs_recordings_in_its_threads(monkeypatch):
    calls = []
    monkeypatch.setattr(jobs, "bandpassed_subjects", lambda *a, **k: calls.append((a, k)))
    params = SimpleNamespace(
        recordings={1: ["S001R04.edf"]},
        runs=[4],
        epochs={"tmin": 0.0},
        bands={"alpha": (7.0, 13.0), "beta": (13.0, 30.0)},
        splits={1: "train"},
    )
    job = SimpleNamespace(
        input=SimpleNamespace(epochs=["sub-001_epo.fif"], summaries=["sub-001.json"]),
        params=params,
        threads=2,
    )
    jobs.bandpassed_job_subjects(job, CLASSES)
    assert calls == [
        (
            (
                ["sub-001_epo.fif"],
                ["sub-001.json"],
                CLASSES,
                params.recordings,
                [4],
                {"tmin": 0.0},
                [(7.0, 13.0), (13.0, 30.0)],
                {1: "train"},
            ),
            {"n_jobs": 2},
        )
    ]


def test_read_tables_in_the_order_named(tmp_path):
    for name in ("statistics", "reliability"):
        pd.DataFrame({"table": [name]}).to_csv(tmp_path / f"{name}.csv", index=False)
    job = SimpleNamespace(
        input=SimpleNamespace(
            statistics=tmp_path / "statistics.csv", reliability=tmp_path / "reliability.csv"
        )
    )
    tables = jobs.read_tables(job, "reliability", "statistics")
    assert [table["table"][0] for table in tables] == ["reliability", "statistics"]


JOB = """
import sys
from types import SimpleNamespace
import torch
from eegvis.pipeline.jobs import start_job

log = start_job(SimpleNamespace(log=[sys.argv[1]], threads=1))
log.info("progress message")
print(torch.get_num_threads())
"""


def test_start_job_logs_to_the_jobs_file_and_uses_its_threads(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", JOB, str(tmp_path / "job.log")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
    assert "INFO eegvis: progress message" in (tmp_path / "job.log").read_text()
