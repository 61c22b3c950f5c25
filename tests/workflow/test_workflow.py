"""The workflow through Snakemake: DAG shape, real download path, synthetic data."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from conftest import REPO, run_snakemake, write_config

from eegvis.data.artifacts import Artifacts
from eegvis.data.eegbci import dataset_root
from eegvis.data.synthetic import write_subject
from eegvis.maps import read_maps
from eegvis.models import SEED_000_OPTIONS, Deep4Net
from eegvis.models.io import load_model


def job_counts(output: str) -> dict[str, int]:
    """Parse Snakemake's job-stats table."""
    table = output.split("job ", 1)[1].split("total", 1)[0]
    return {name: int(count) for name, count in re.findall(r"^(\w+)\s+(\d+)$", table, re.M)}


@pytest.mark.parametrize(
    ("path", "n_subjects"), [("config/bci_iv_2a.yaml", 9), ("config/hgd.yaml", 14)]
)
def test_the_papers_dataset_configs_plan_a_fetch_per_subject(path, n_subjects):
    counts = job_counts(run_snakemake(REPO, "-n", "--configfile", path).stdout)
    assert counts["fetch_subject"] == counts["epoch_subject"] == n_subjects
    # five analyses and the three default attribution methods
    assert counts["train_model"] == 1 and counts["statistics"] == 8
    assert counts["attribution_maps"] == 6 and counts["attribution_sanity"] == 3


def test_physionet_dry_run_has_one_download_and_one_epoching_job_per_subject():
    result = run_snakemake(REPO, "-n", "--configfile", "config/physionet.yaml")
    counts = job_counts(result.stdout)
    assert counts["fetch_subject"] == 55
    assert counts["epoch_subject"] == 55
    assert counts["summarize_epochs"] == 1
    # The demo config's keys do not leak into a run with another config.
    assert "describe_planted_effect" not in counts


def test_config_values_apply_on_top_of_the_demo_config(workflow_dir):
    # --config alone changes single values of the demo config; nested values are merged.
    result = run_snakemake(
        workflow_dir, "-n", "--config", "name=override", "training={device: cpu}"
    )
    counts = job_counts(result.stdout)
    assert counts["fetch_subject"] == 10
    assert counts["describe_planted_effect"] == 1
    assert "results/override/" in result.stdout
    assert "results/demo/" not in result.stdout


def test_config_values_apply_on_top_of_a_config_file():
    result = run_snakemake(
        REPO, "-n", "--configfile", "config/physionet.yaml", "--config", "name=physionet_override"
    )
    counts = job_counts(result.stdout)
    assert counts["fetch_subject"] == 55
    assert "describe_planted_effect" not in counts
    assert "results/physionet_override/" in result.stdout


def test_envelope_class_correlations_do_not_wait_for_training(workflow_dir):
    # They need the network's geometry only: the initial weights, drawn before training.
    target = "results/demo/envelope_class/correlations.nc"
    counts = job_counts(run_snakemake(workflow_dir, "-n", target).stdout)
    assert counts["initialize_model"] == 1
    assert "train_model" not in counts


def test_training_curves_are_redrawn_from_the_history_alone(workflow_dir):
    history = workflow_dir / "results" / "demo" / "models" / "history.csv"
    history.parent.mkdir(parents=True)
    pd.DataFrame(
        {
            "epoch": [0, 1, 2],
            "train_loss": [0.7, 0.5, 0.3],
            "valid_loss": [0.7, 0.6, 0.5],
            "train_misclass": [0.5, 0.3, 0.1],
            "valid_misclass": [0.5, 0.4, 0.3],
        }
    ).to_csv(history, index=False)
    target = "results/demo/figures/training_curves.png"
    planned = job_counts(run_snakemake(workflow_dir, "-n", target).stdout)
    assert planned == {"plot_training_curves": 1}  # no training, no data
    run_snakemake(workflow_dir, target, "--cores", "1")
    assert (workflow_dir / target).stat().st_size > 10_000


def test_real_download_and_epoching_through_snakemake(
    workflow_dir, tmp_path, eegbci_mirror, eegbci_dir
):
    config = yaml.safe_load((REPO / "config" / "physionet.yaml").read_text())
    config["name"] = "mirror"
    config["dataset"].update(data_dir=str(tmp_path / "data"), base_url=eegbci_mirror)
    config["subjects"] = {"train": [1], "valid": [2]}
    path = write_config(workflow_dir, config)

    summary_csv = "results/mirror/epochs/summary.csv"
    run_snakemake(workflow_dir, summary_csv, "--cores", "2", "--configfile", str(path))

    root = dataset_root(tmp_path / "data")
    for subject in (1, 2):
        for run in (4, 8, 12):
            name = f"S{subject:03d}/S{subject:03d}R{run:02d}.edf"
            assert (root / name).read_bytes() == (eegbci_dir / name).read_bytes()
    summary = pd.read_csv(workflow_dir / "results" / "mirror" / "epochs" / "summary.csv")
    assert summary["subject"].tolist() == [1, 2]
    assert summary["split"].tolist() == ["train", "valid"]
    assert (summary["n_left_hand"] + summary["n_right_hand"]).tolist() == [45, 42]
    log = (workflow_dir / "results" / "mirror" / "logs" / "fetch_subject" / "S001.log").read_text()
    assert "verified against MNE's checksums" in log
    again = run_snakemake(workflow_dir, summary_csv, "-n", "--configfile", str(path))
    assert "Nothing to be done" in again.stdout + again.stderr


def test_rerunning_the_download_never_deletes_recordings(workflow_dir, tmp_path, eegbci_dir):
    # Snakemake deletes a job's outputs before it reruns the job, so real recordings
    # (pre-staged, shared between configs, perhaps the only copy) must not be outputs.
    root = dataset_root(tmp_path / "data")
    for subject in ("S001", "S002"):
        shutil.copytree(eegbci_dir / subject, root / subject)
    config = yaml.safe_load((REPO / "config" / "physionet.yaml").read_text())
    config["name"] = "staged"
    closed_port = "http://127.0.0.1:9/files/eegmmidb/1.0.0/"  # any download would fail
    config["dataset"].update(data_dir=str(tmp_path / "data"), base_url=closed_port)
    config["subjects"] = {"train": [1], "valid": [2]}
    path = write_config(workflow_dir, config)
    target = "results/staged/raw/S001_verified.json"  # the download job alone
    run_snakemake(workflow_dir, target, "--cores", "2", "--configfile", str(path))
    record = json.loads((workflow_dir / "results/staged/raw/S001_verified.json").read_text())
    assert sorted(Path(name).name for name in record["sha256"]) == [
        "S001R04.edf",
        "S001R08.edf",
        "S001R12.edf",
    ]
    again = run_snakemake(
        workflow_dir,
        target,
        "--cores",
        "2",
        "--configfile",
        str(path),
        "--forcerun",
        "fetch_subject",
    )
    assert "fetch_subject" in again.stdout + again.stderr
    for name in sorted((eegbci_dir / "S001").glob("*.edf")):
        assert (root / "S001" / name.name).read_bytes() == name.read_bytes()


def test_bids_recordings_through_snakemake_give_the_native_epochs(
    workflow_dir, tmp_path, eegbci_dir
):
    """Two subjects' shared EEGBCI runs written to BIDS, epoched by the workflow."""
    from mne_bids import BIDSPath, write_raw_bids

    from eegvis.data.epochs import epoch_subject, load_epochs
    from eegvis.data.recordings import read_run

    root = tmp_path / "bids"
    for subject in (1, 2):
        for run in (4, 8, 12):
            raw = read_run(eegbci_dir / f"S{subject:03d}" / f"S{subject:03d}R{run:02d}.edf")
            bids_path = BIDSPath(
                subject=f"{subject:02d}", task="imagery", run=f"{run:02d}", root=root
            )
            write_raw_bids(raw, bids_path, allow_preload=True, format="EDF", verbose="error")
    config = yaml.safe_load((REPO / "config" / "physionet.yaml").read_text())
    del config["runs"]
    config.update(name="bids", subjects={"train": [1], "valid": [2]})
    config["dataset"] = {"source": "bids", "bids": {"root": str(root), "task": "imagery"}}
    path = write_config(workflow_dir, config)
    run_snakemake(
        workflow_dir, "results/bids/epochs/summary.csv", "--cores", "2", "--configfile", str(path)
    )
    epochs = load_epochs(workflow_dir / "results" / "bids" / "epochs" / "sub-002_epo.fif")
    files = [eegbci_dir / "S002" / f"S002R{run:02d}.edf" for run in (4, 8, 12)]
    native, _ = epoch_subject(2, files, [4, 8, 12], config["epochs"]["classes"], 1.0, 4.1, 160.0)
    assert epochs.metadata["label"].tolist() == native.metadata["label"].tolist()
    assert len(epochs) == 42 and epochs.ch_names == native.ch_names
    step = np.abs(np.diff(np.unique(native.get_data()[0, 0]))).min()  # EDF quantisation
    np.testing.assert_allclose(epochs.get_data(), native.get_data(), rtol=0, atol=step)


def test_synthetic_dataset_through_snakemake(workflow_dir):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config.update(name="tiny", subjects={"train": [1], "valid": [2]}, runs=[4])
    config["dataset"]["artifacts"] = {"saccade_uv": 30.0, "blink_uv": 80.0}
    path = write_config(workflow_dir, config)

    results = workflow_dir / "results" / "tiny"
    targets = ["results/tiny/epochs/summary.csv", "results/tiny/raw/planted_effect.json"]
    run_snakemake(workflow_dir, *targets, "--cores", "2", "--configfile", str(path))

    assert sorted(p.name for p in (results / "raw").rglob("*.edf")) == [
        "S001R04.edf",
        "S002R04.edf",
    ]
    planted = json.loads((results / "raw" / "planted_effect.json").read_text())
    assert planted["bands"]["mu"] == [8.0, 13.0]
    artifacts = Artifacts(saccade_uv=30.0, blink_uv=80.0)
    assert planted["artifacts"] == artifacts.describe()
    assert list(planted["masks"]) == ["left_hand", "right_hand", "saccade", "blinks"]
    (reference,) = write_subject(1, [4], workflow_dir / "reference", 20170629, artifacts=artifacts)
    assert (results / "raw" / "S001" / "S001R04.edf").read_bytes() == reference.read_bytes()
    summary = pd.read_csv(results / "epochs" / "summary.csv")
    assert (summary["n_left_hand"] + summary["n_right_hand"]).tolist() == [15, 15]
    assert not any(results.rglob(".partial-*"))


@pytest.mark.slow
def test_a_network_trained_elsewhere_is_analysed_without_training(workflow_dir):
    """model.class + model.checkpoint: a strided Deep4Net from eegvis.models, imported."""
    options = dict(n_chans=64, n_classes=2, n_times=450, **SEED_000_OPTIONS)
    checkpoint = workflow_dir / "trained_elsewhere.pt"
    torch.save(Deep4Net(**options, random_state=7).state_dict(), checkpoint)
    config = yaml.safe_load((workflow_dir / "config" / "config.yaml").read_text())
    config.update(name="external", subjects={"train": [1, 2, 3], "valid": [4]}, runs=[4])
    config["model"] = dict(
        input_time_length=450,
        kwargs=options,
        checkpoint=str(checkpoint),
        **{"class": "eegvis.models:Deep4Net"},
    )
    config["perturbation"]["n_iterations"] = 2
    # one attribution method on the strided network, on few crops: the demo runs them all
    config["attribution"] = {"methods": ["saliency"], "sanity": {"n_crops": 8}}
    path = write_config(workflow_dir, config)
    result = run_snakemake(workflow_dir, "--cores", "2", "--configfile", str(path))
    jobs = job_counts(result.stdout + result.stderr)
    assert jobs["import_model"] == 1 and "train_model" not in jobs
    results = workflow_dir / "results" / "external"
    trained, _ = load_model(results / "models" / "trained.pt")
    for name, weights in torch.load(checkpoint).items():
        assert torch.equal(trained.state_dict()[name], weights)
    untrained, _ = load_model(results / "models" / "untrained.pt")
    seeded = Deep4Net(**options, random_state=config["training"]["seed"])
    assert torch.equal(untrained.conv_4.weight, seeded.conv_4.weight)
    maps = read_maps(results / "envelope_activation" / "trained.nc")
    assert maps["layer_stride"].values.tolist() == [2, 4, 8, 16, 16]  # analysed strided
    for analysis in (
        "envelope_activation",
        "envelope_class",
        "gradient",
        "perturbation",
        "saliency",
    ):
        table = pd.read_csv(results / "statistics" / f"{analysis}.csv")
        assert set(table["n_subjects"]) == {4}
    assert not (results / "figures" / "training_curves.png").exists()


@pytest.mark.slow
def test_a_shallow_convnet_on_a_moabb_dataset_with_four_classes_another_montage_and_rate(
    workflow_dir,
):
    """MOABB's FakeDataset (4 classes, 22 channels at 128 Hz resampled to 100 Hz), trained
    and analysed as a Shallow ConvNet: one run for the dataset path and the architecture."""
    channels = ["Fz", "FC3", "FC1", "FCz", "FC2", "FC4", "C5", "C3", "C1", "Cz", "C2"]
    channels += ["C4", "C6", "CP3", "CP1", "CPz", "CP2", "CP4", "P1", "Pz", "P2", "POz"]
    classes = ["left_hand", "right_hand", "feet", "tongue"]
    options = dict(event_list=classes, n_sessions=1, n_runs=2, n_subjects=4, sfreq=128)
    options.update(duration=100, n_events=24, seed=3, channels=channels)
    config = {
        "name": "fake",
        "dataset": {"source": "moabb", "moabb": {"dataset": "FakeDataset", "options": options}},
        "subjects": {"train": [1, 2, 3], "valid": [4]},
        "epochs": {"tmin": 0.0, "tmax": 3.0, "classes": {c: c for c in classes}, "sfreq": 100.0},
        "model": {
            "input_time_length": 250,
            "architecture": "shallow",
            "shallow": {"final_conv_length": 6},  # 77 dense predictions per 250-sample crop
        },
        "training": {"epochs": 2, "batch_size": 16},
        "perturbation": {"n_iterations": 2},
        "attribution": {"methods": ["saliency"], "sanity": {"n_crops": 8}},
        "bands": [{"name": "alpha", "low": 7, "high": 13}, {"name": "beta", "low": 13, "high": 31}],
    }
    path = write_config(workflow_dir, config)
    run_snakemake(workflow_dir, "--cores", "2", "--configfile", str(path))
    results = workflow_dir / "results" / "fake"
    summary = pd.read_csv(results / "epochs" / "summary.csv")
    assert summary["resampled"].all() and (summary[[f"n_{c}" for c in classes]] == 12).all().all()
    assert (
        "resampling to 100 Hz" in (results / "logs" / "epoch_subject" / "sub-001.log").read_text()
    )
    trained, metadata = load_model(results / "models" / "trained.pt")
    assert type(trained).__name__ == "ShallowFBCSPNet"
    assert metadata["training"]["lr"] == 0.000625  # the shallow recipe
    activation = read_maps(results / "envelope_activation" / "trained.nc")
    assert activation["layer"].values.tolist() == ["conv_spat", "pool_nonlin", "conv_classifier"]
    assert activation["receptive_field"].values.tolist() == [25, 25 + 74, 25 + 74 + 15 * 5]
    gradient = read_maps(results / "gradient" / "trained.nc")
    assert gradient["class"].values.tolist() == classes
    saliency = read_maps(results / "attribution" / "saliency" / "trained.nc")
    assert saliency["class"].values.tolist() == classes and saliency.sizes["subject"] == 4
    assert gradient["channel"].values.tolist() == channels
    statistics = pd.read_csv(results / "statistics" / "envelope_class.csv")
    assert set(statistics["class"]) == set(classes) and set(statistics["channel"]) == set(channels)
    figures = ("envelope_class", "envelope_activation", "gradient_mu", "perturbation_mu")
    for figure in (*figures, "training_curves"):
        assert (results / "figures" / f"{figure}.png").stat().st_size
