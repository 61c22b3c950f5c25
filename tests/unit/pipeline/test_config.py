"""Config validation: each bad config names its key, and no job runs."""

from __future__ import annotations

import copy

import jsonschema
import pytest
import yaml
from conftest import REPO, run_snakemake, write_config
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from eegvis.data.artifacts import Artifacts, planted_regions
from eegvis.pipeline.config import (
    ARTIFACT_AMPLITUDES,
    ConfigError,
    check_bands,
    check_config,
    describe_schema_error,
    plants_anything,
    resolve_bands,
    resolve_training,
)

SCHEMA = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())


@pytest.fixture()
def demo_config() -> dict:
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


def _validated(config: dict) -> dict:
    """The config as the workflow sees it: schema-checked, defaults filled."""
    config = copy.deepcopy(config)
    validate(config, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))
    return config


@pytest.mark.parametrize(
    "path",
    ["config/config.yaml", "config/physionet.yaml", "config/bci_iv_2a.yaml", "config/hgd.yaml"],
)
def test_shipped_configs_are_valid(path):
    config = yaml.safe_load((REPO / path).read_text())
    jsonschema.Draft202012Validator(SCHEMA).validate(config)
    config = _validated(config)
    config["bands"] = resolve_bands(config["bands"], config["epochs"]["sfreq"])  # as the workflow
    check_config(config)


def test_synthetic_artifacts_are_off_unless_configured(demo_config):
    assert "artifacts" not in _validated(demo_config)["dataset"]  # the demo's params unchanged
    demo_config["dataset"]["artifacts"] = {"saccade_uv": 30, "muscle_duration": [0.3, 0.5]}
    settings = _validated(demo_config)["dataset"]["artifacts"]
    # the schema's defaults are those of the generator
    assert Artifacts(**settings) == Artifacts(saccade_uv=30, muscle_duration=(0.3, 0.5))
    assert Artifacts(**settings).describe().keys() == {"saccade"}


def test_statistics_need_two_subjects(demo_config):
    demo_config["subjects"]["valid"] = [10]
    demo_config["statistics"] = {"subjects": "valid"}
    with pytest.raises(ConfigError, match=r"statistics\.subjects: 'valid' selects 1 subject"):
        check_config(_validated(demo_config))


def test_gradient_bands_are_checked(demo_config):
    demo_config["gradient"] = {"bands": [{"name": "hg", "low": 70, "high": 90}]}
    with pytest.raises(ConfigError, match=r"gradient\.bands\[0\] \('hg'\).*Nyquist"):
        check_config(_validated(demo_config))


def test_envelope_batch_size_is_a_config_key(demo_config):
    assert _validated(demo_config)["envelope_activation"] == {
        "batch_size": 16,
        "unit_summary": "mean_abs",
        "unit_maps": "pooled",
    }
    demo_config["envelope_activation"] = {"unit_summary": "median"}
    with pytest.raises(WorkflowError, match="'median' is not one of"):
        _validated(demo_config)
    demo_config["envelope_activation"] = {"batch_size": 4}
    assert _validated(demo_config)["envelope_activation"]["batch_size"] == 4
    demo_config["envelope_activation"] = {"batch_size": 0}
    with pytest.raises(WorkflowError, match="0 is less than the minimum of 1"):
        _validated(demo_config)


def test_a_network_trained_elsewhere_needs_its_weights_and_no_retraining(demo_config):
    demo_config["model"]["class"] = "eegvis.models:Deep4Net"
    with pytest.raises(ConfigError, match="model.class and model.checkpoint go together"):
        check_config(_validated(demo_config))
    demo_config["model"]["checkpoint"] = "weights.pt"
    check_config(_validated(demo_config))
    demo_config["controls"] = ["untrained", "shuffled"]
    with pytest.raises(ConfigError, match="controls: 'shuffled' retrains"):
        check_config(_validated(demo_config))
    demo_config["model"]["class"] = "not a class path"
    with pytest.raises(WorkflowError, match="does not match"):
        _validated(demo_config)


def test_each_architecture_has_its_training_recipe(demo_config):
    assert resolve_training(_validated(demo_config))["lr"] == 0.01
    demo_config["model"]["architecture"] = "shallow"
    training = resolve_training(_validated(demo_config))
    assert (training["lr"], training["weight_decay"]) == (0.000625, 0.0)
    demo_config["training"]["lr"] = 0.001  # a value set in the config wins
    assert resolve_training(_validated(demo_config))["lr"] == 0.001


def test_moabb_sources_need_their_dataset_and_eegbci_needs_its_codes(demo_config):
    demo_config["epochs"]["classes"] = {"left_hand": "left_hand", "right_hand": "right_hand"}
    with pytest.raises(ConfigError, match=r"epochs.classes: \['left_hand', 'right_hand'\] are not"):
        check_config(_validated(demo_config))
    demo_config["dataset"] = {"source": "moabb"}
    with pytest.raises(ConfigError, match="dataset.moabb: dataset.source moabb needs"):
        check_config(_validated(demo_config))
    demo_config["dataset"]["moabb"] = {"dataset": "BNCI2014_001"}
    del demo_config["runs"]  # MOABB datasets bring their own runs
    check_config(_validated(demo_config))
    demo_config["dataset"] = {"source": "bids"}
    with pytest.raises(ConfigError, match="dataset.bids: dataset.source bids needs"):
        check_config(_validated(demo_config))
    demo_config["dataset"]["bids"] = {"root": "/data/study", "task": "imagery"}
    check_config(_validated(demo_config))


def test_physionet_config_is_the_seed_setup():
    config = yaml.safe_load((REPO / "config" / "physionet.yaml").read_text())
    assert config["subjects"]["train"] == list(range(1, 51))
    assert config["subjects"]["valid"] == list(range(51, 56))
    assert config["runs"] == [4, 8, 12]
    assert (config["epochs"]["tmin"], config["epochs"]["tmax"]) == (1.0, 4.1)
    assert config["epochs"]["units"] == "uV"
    assert config["dataset"]["source"] == "eegbci"


def test_overlapping_splits_are_named(demo_config):
    demo_config["subjects"]["valid"] = [6, 7]
    with pytest.raises(ConfigError, match=r"subjects\.train and subjects\.valid overlap in \[6\]"):
        check_config(_validated(demo_config))


def test_input_longer_than_epochs_is_named(demo_config):
    demo_config["model"]["input_time_length"] = 498
    with pytest.raises(ConfigError, match=r"model\.input_time_length \(498 samples\).*497"):
        check_config(_validated(demo_config))


def test_empty_window_is_named(demo_config):
    demo_config["epochs"]["tmax"] = 0.5
    with pytest.raises(ConfigError, match=r"epochs\.tmax"):
        check_config(_validated(demo_config))


@pytest.mark.parametrize(
    ("band", "match"),
    [
        ({"name": "gamma", "low": 71, "high": 91}, r"bands\[0\] \('gamma'\).*Nyquist.*80 Hz"),
        ({"name": "edge", "low": 70, "high": 80}, r"bands\[0\] \('edge'\).*Nyquist"),
        ({"name": "flipped", "low": 13, "high": 7}, r"bands\[0\] \('flipped'\).*greater than low"),
    ],
)
def test_bad_bands_are_named(band, match):
    with pytest.raises(ConfigError, match=match):
        check_bands([band], 160.0)


def test_band_just_below_nyquist_passes():
    check_bands([{"name": "hg", "low": 60, "high": 79.9}], 160.0)
    check_bands([{"name": "gamma", "low": 71, "high": 91}], 250.0)


def test_schema_error_message_names_nested_key(demo_config):
    demo_config["subjects"]["valid"] = [5, 110]
    with pytest.raises(jsonschema.ValidationError) as info:
        jsonschema.Draft202012Validator(SCHEMA).validate(demo_config)
    message = describe_schema_error(info.value)
    assert message == "config key subjects.valid[1]: 110 is greater than the maximum of 109"


BAD_CONFIGS = {
    "subject above 109": (("subjects", "train"), [1, 110], "subjects.train[1]"),
    "subject 0": (("subjects", "valid"), [0], "subjects.valid[0]"),
    "run 15": (("runs",), [4, 15], "runs[1]"),
    "empty train list": (("subjects", "train"), [], "subjects.train"),
    "empty runs": (("runs",), [], "runs"),
    "overlap": (("subjects", "valid"), [1, 5], "subjects.train and subjects.valid overlap"),
    "unknown key": (("epochs", "tmax_s"), 4.1, "'tmax_s' was unexpected"),
    "band above Nyquist": (
        ("bands",),
        [{"name": "gamma", "low": 71, "high": 91}],
        "bands[0] ('gamma')",
    ),
    "unknown model option": (("model", "deep4", "n_filter_time"), 25, "model.deep4"),
    "bad device": (("training", "device"), "gpu", "training.device"),
    "bad base_url": (("dataset", "base_url"), "http://example.org/eeg/", "dataset.base_url"),
    "unknown test": (("statistics",), {"method": "ttest"}, "statistics.method"),
    "unknown control": (("controls",), ["untrained", "random"], "controls[1]"),
    "bad iterations": (("perturbation", "n_iterations"), "many", "perturbation.n_iterations"),
    "negative artifact": (
        ("dataset", "artifacts"),
        {"saccade_uv": -10},
        "dataset.artifacts.saccade_uv: -10 is less than the minimum of 0",
    ),
    "unknown artifact": (("dataset", "artifacts"), {"eog_uv": 10}, "'eog_uv' was unexpected"),
    "saccade probability": (
        ("dataset", "artifacts"),
        {"saccade_probability": 1.5},
        "dataset.artifacts.saccade_probability",
    ),
}


def _with_bad_value(config: dict, case: str) -> tuple[dict, str]:
    """The config with the bad value of ``case``; the text its error must contain."""
    keys, value, expected = BAD_CONFIGS[case]
    target = config
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return config, expected


def _config_error(config: dict) -> str:
    """The message of the first problem found, by the checks of workflow/rules/common.smk."""
    config = copy.deepcopy(config)
    try:
        validate(config, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))
    except WorkflowError as error:
        return describe_schema_error(error)
    config["bands"] = resolve_bands(config["bands"], config["epochs"]["sfreq"])
    with pytest.raises(ConfigError) as info:
        check_config(config)
    return str(info.value)


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_is_named(case, demo_config):
    config, expected = _with_bad_value(demo_config, case)
    assert expected in _config_error(config)


# One schema error and one semantic error through Snakemake (the other cases take the
# same path: a Snakemake run per case would add seconds each).
@pytest.mark.parametrize("case", ["subject above 109", "overlap"])
def test_bad_config_stops_workflow_before_any_job(case, workflow_dir, demo_config):
    config, expected = _with_bad_value(demo_config, case)
    path = write_config(workflow_dir, config)
    result = run_snakemake(workflow_dir, "--cores", "1", "--configfile", str(path), check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "ConfigError" in output
    assert expected in output
    assert not (workflow_dir / "results").exists()


def test_paper_filterbank_resolves_to_bands_below_nyquist():
    bands = resolve_bands("paper_filterbank", 160.0)
    assert bands[0] == {"name": "f0_4", "low": 0, "high": 4}
    assert len(bands) == 22 and bands[-1]["high"] < 80
    check_bands(bands, 160.0)
    assert len(resolve_bands("paper_filterbank", 250.0)) == 32


def test_filterbank_config_is_accepted_by_the_workflow(workflow_dir, demo_config):
    demo_config["bands"] = "paper_filterbank"
    path = write_config(workflow_dir, demo_config)
    result = run_snakemake(workflow_dir, "-n", "--configfile", str(path))
    assert "envelope_activation" in result.stdout and "bandpass_subject" not in result.stdout


@pytest.mark.parametrize(
    ("planted", "artifacts"),
    [
        (False, {}),
        (True, {}),
        (False, {"saccade_uv": 30.0}),
        (False, {"spike_uv": 5.0}),
        (False, {"blink_uv": 100.0, "blink_rate": 20.0}),
        (False, {"muscle_uv": 10.0}),
        (False, {"saccade_latency": 0.5, "blink_rate": 20.0}),  # no amplitude: nothing
    ],
)
def test_plants_anything_agrees_with_the_planted_regions(planted, artifacts):
    expected = bool(planted_regions(Artifacts(**artifacts), planted=planted))
    dataset = {"planted_effect": planted, "artifacts": artifacts}
    assert plants_anything(dataset) is expected
    assert set(ARTIFACT_AMPLITUDES) <= set(Artifacts.__dataclass_fields__)
