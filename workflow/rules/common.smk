# Everything that is not a rule: config validation, paths and input functions.
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from eegvis.config import ConfigError, check_config, describe_schema_error
from eegvis.download import dataset_root

try:
    validate(config, "../schemas/config.schema.yaml")
except WorkflowError as error:
    raise ConfigError(describe_schema_error(error)) from None
check_config(config)

RESULTS = f"results/{config['name']}"
LOGS = f"{RESULTS}/logs"
BENCHMARKS = f"{RESULTS}/benchmarks"
SOURCE = config["dataset"]["source"]
RUNS = config["runs"]
SUBJECTS = config["subjects"]["train"] + config["subjects"]["valid"]
# Real recordings are shared between configs; synthetic ones depend on the seed.
RAW_DIR = (
    dataset_root(config["dataset"]["data_dir"]).as_posix()
    if SOURCE == "eegbci"
    else f"{RESULTS}/raw"
)

RAW_PATTERN = f"{RAW_DIR}/S{{subject}}/S{{subject}}R{{run:02d}}.edf"


wildcard_constraints:
    subject=r"\d{3}",


def raw_files(wildcards):
    """The EDF file of every configured run of one subject."""
    return expand(RAW_PATTERN, subject=wildcards.subject, run=RUNS)


def subject_files(split, suffix):
    """Epoching outputs (``_epo.fif`` or ``.json``) of the train or valid subjects."""
    return [f"{RESULTS}/epochs/sub-{subject:03d}{suffix}" for subject in config["subjects"][split]]


def final_outputs():
    """Everything the workflow can build for this config."""
    outputs = [
        f"{RESULTS}/epochs/summary.csv",
        f"{RESULTS}/models/trained.pt",
        f"{RESULTS}/models/untrained.pt",
    ]
    if SOURCE == "synthetic":
        outputs.append(f"{RESULTS}/raw/planted_effect.json")
    return outputs
