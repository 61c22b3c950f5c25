# Everything that is not a rule: config validation, paths and input functions.
import os
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from eegvis.pipeline.config import (
    ConfigError,
    check_config,
    describe_schema_error,
    plants_anything,
    resolve_bands,
    resolve_training,
)
from eegvis.analyses.methods import METHOD_OPTIONS
from eegvis.data.eegbci import dataset_root
from eegvis.pipeline.variants import variant_configs
from eegvis.viz.labels import band_title

try:
    validate(config, "../schemas/config.schema.yaml")
except WorkflowError as error:
    raise ConfigError(describe_schema_error(error)) from None
config["bands"] = resolve_bands(config["bands"], config["epochs"]["sfreq"])
config["training"] = resolve_training(config)
check_config(config)
# Recordings and download records; a variant (variants.smk) shares its analysis's.
config["dataset"].setdefault("recordings_dir", f"results/{config['name']}/raw")

# Jobs draw their figures into files only: no display, no GUI toolkit (eegvis.viz
# itself never changes the backend). A backend chosen in the environment is kept.
os.environ.setdefault("MPLBACKEND", "agg")

RESULTS = f"results/{config['name']}"
RECORDINGS_DIR = config["dataset"]["recordings_dir"]
LOGS = f"{RESULTS}/logs"
BENCHMARKS = f"{RESULTS}/benchmarks"
SOURCE = config["dataset"]["source"]
# A MOABB or BIDS subject's sessions and runs are read into one file: one "run" 0.
ONE_FILE_SOURCES = ["moabb", "bids"]
RUNS = [0] if SOURCE in ONE_FILE_SOURCES else config["runs"]
SUBJECTS = config["subjects"]["train"] + config["subjects"]["valid"]
# Real recordings are shared between configs; synthetic ones depend on the seed.
RAW_DIR = (
    dataset_root(config["dataset"]["data_dir"]).as_posix() if SOURCE == "eegbci" else RECORDINGS_DIR
)

RAW_PATTERN = (
    f"{RAW_DIR}/S{{subject}}/S{{subject}}R{{run:02d}}.edf"
    if SOURCE not in ONE_FILE_SOURCES
    else f"{RAW_DIR}/S{{subject}}/S{{subject}}_raw.fif"
)
PROVENANCE = f"{RESULTS}/provenance.json"


CLASSES = list(config["epochs"]["classes"])
CONTROLS = config["controls"]
# A network trained elsewhere (model.class, model.checkpoint) is imported, not trained.
EXTERNAL = "class" in config["model"]
MODELS = ["trained", *CONTROLS]
# Every network, then trained minus each control: the contrasts of the statistics.
CONTRASTS = [*MODELS, *(f"trained-{control}" for control in CONTROLS)]
# Per-subject split, recorded in every per-subject map.
SPLITS = {subject: split for split in ("train", "valid") for subject in config["subjects"][split]}
# Attribution methods (attribution.smk): each is an analysis of its own, named after it.
ATTRIBUTION = config["attribution"]
METHODS = ATTRIBUTION["methods"]
ANALYSES = [
    "envelope_activation",
    "envelope_class",
    "gradient",
    "attribution",
    "perturbation",
    *METHODS,
]


def raw_files(wildcards):
    """The recording of every configured run of one subject, as downloaded or generated."""
    return expand(RAW_PATTERN, subject=wildcards.subject, run=RUNS)


# Line-noise removal, ICA or a channel selection: every analysis reads the cleaned runs.
PREPROCESSING = config["preprocessing"]
ICA = "ica" in PREPROCESSING
PREPROCESSED = ICA or PREPROCESSING["notch"] is not None or config["dataset"]["channels"] != "all"
CLEAN_PATTERN = f"{RESULTS}/preprocessing/S{{subject}}/S{{subject}}R{{run:02d}}_raw.fif"
ANALYSIS_PATTERN = CLEAN_PATTERN if PREPROCESSED else RAW_PATTERN


def analysis_files(wildcards):
    """The recording of every run of one subject as the analyses read it (cleaned or raw)."""
    return expand(ANALYSIS_PATTERN, subject=wildcards.subject, run=RUNS)


# Real recordings are never a job's output: Snakemake deletes the outputs of a job
# it reruns, and these files may be pre-staged, shared between configs or read-only.
# Their download job writes a record of the verified files instead.
FETCHED = (
    f"{RECORDINGS_DIR}/S{{subject}}_verified.json"
    if SOURCE == "eegbci"
    else expand(RAW_PATTERN, run=RUNS, allow_missing=True)
)


def synthetic_root(wildcards, output):
    """Folder the synthetic generator writes ``SXXX/SXXXRYY.edf`` into (unused for eegbci)."""
    return Path(output[0]).parents[1].as_posix()


def subject_ready(subject):
    """What reading one subject's recordings waits for: its files or their download record."""
    if SOURCE == "eegbci":
        return [FETCHED.format(subject=subject)]
    return expand(RAW_PATTERN, subject=subject, run=RUNS)


def recordings_ready(wildcards):
    """What cleaning a subject waits for: its recordings or their download record."""
    return subject_ready(wildcards.subject)


def analysis_ready(wildcards):
    """What a subject's epoching waits for: its cleaned runs, or its raw recordings."""
    if PREPROCESSED:
        return analysis_files(wildcards)
    return recordings_ready(wildcards)


# Every subject's recordings, for the envelope jobs, which band-pass them as they go.
RECORDINGS = {
    subject: expand(ANALYSIS_PATTERN, subject=f"{subject:03d}", run=RUNS) for subject in SUBJECTS
}
RECORDINGS_READY = (
    [path for paths in RECORDINGS.values() for path in paths]
    if PREPROCESSED
    else [path for subject in SUBJECTS for path in subject_ready(f"{subject:03d}")]
)


BAND_NAMES = [band["name"] for band in config["bands"]]
# Envelope bands as the analyses take them: name -> (low, high) in Hz.
BANDS = {band["name"]: (band["low"], band["high"]) for band in config["bands"]}
BAND_EDGES = [(band["low"], band["high"]) for band in config["bands"]]
BAND_TITLES = [band_title(band["name"], band["low"], band["high"]) for band in config["bands"]]
MAP_BANDS = {
    "perturbation": {band["name"]: band for band in config["perturbation"]["bands"]},
    "gradient": {band["name"]: band for band in config["gradient"]["bands"]},
}
# The gradient attribution is computed from the gradient results, on their bands; the
# attribution methods have result folders of their own and the gradient's bands too.
MAP_BANDS["attribution"] = MAP_BANDS["gradient"]
RESULT_FOLDER = {"attribution": "gradient"}
for method in METHODS:
    MAP_BANDS[method] = MAP_BANDS["gradient"]
    RESULT_FOLDER[method] = f"attribution/{method}"
# Analyses with their own result files per network (channel x frequency x class).
SPECTRAL = ["gradient", "perturbation"]
# Maps the artifact-reliance report divides among scalp regions and frequencies.
RELIANCE_ANALYSES = ["gradient", "attribution", *METHODS]


wildcard_constraints:
    subject=r"\d{3}",
    model="|".join(MODELS),
    analysis="|".join(ANALYSES),
    reliance_analysis="|".join(RELIANCE_ANALYSES),
    method="|".join(METHODS) or "no-method",
    band="|".join(sorted({name for bands in MAP_BANDS.values() for name in bands})),


# Shown under every figure made from the data.
MOABB_DATASET = config["dataset"].get("moabb", {}).get("dataset", "")
MOABB_REFERENCES = {
    "BNCI2014_001": "BCI Competition IV 2a; Tangermann et al. 2012",
    "Schirrmeister2017": "High-Gamma Dataset; Schirrmeister et al. 2017",
    "PhysionetMI": "Schalk et al. 2004; Goldberger et al. 2000",
}
DATA_NOTES = {
    "eegbci": "Data: PhysioNet EEG Motor Movement/Imagery (Schalk et al. 2004; Goldberger et al. 2000)",
    "synthetic": "Data: synthetic demo (eegvis.data.synthetic, seed {seed}{null})".format(
        seed=config["dataset"]["seed"],
        null="" if config["dataset"]["planted_effect"] else ", no planted effect",
    ),
    "bids": "Data: BIDS dataset {root}".format(root=config["dataset"].get("bids", {}).get("root")),
    "moabb": "Data: {name} via MOABB ({reference})".format(
        name=MOABB_DATASET,
        reference=MOABB_REFERENCES.get(
            MOABB_DATASET, f"see its reference in moabb.datasets.{MOABB_DATASET}"
        ),
    ),
}
DATA_NOTE = DATA_NOTES[SOURCE]


def subject_files(split, suffix, folder="epochs"):
    """Per-subject files of the train, valid or all subjects, e.g. ``_epo.fif``."""
    subjects = SUBJECTS if split == "all" else config["subjects"][split]
    return [f"{RESULTS}/{folder}/sub-{subject:03d}{suffix}" for subject in subjects]


# The network's channels are the recordings': read from the first subject's epochs.
FIRST_EPOCHS = f"{RESULTS}/epochs/sub-{SUBJECTS[0]:03d}_epo.fif"


def result_file(analysis, model):
    """The maps of one analysis (a spectral analysis or an attribution method) of one network."""
    return f"{RESULTS}/{RESULT_FOLDER.get(analysis, analysis)}/{model}.nc"


def analysis_results(wildcards):
    """The result files one analysis's statistics are computed from."""
    if wildcards.analysis == "envelope_class":
        return {"envelope_class": f"{RESULTS}/envelope_class/correlations.nc"}
    return {model: result_file(wildcards.analysis, model) for model in MODELS}


def map_bands(wildcards):
    """Bands of an analysis's maps: the envelope bands, or the gradient/perturbation bands."""
    if wildcards.analysis in MAP_BANDS:
        return list(MAP_BANDS[wildcards.analysis].values())
    return config["bands"]


def method_options(wildcards):
    """The config's options of one attribution method (n_steps, window, ...)."""
    options = METHOD_OPTIONS.get(wildcards.method, {})
    return {key: ATTRIBUTION[key] for key in options if key in ATTRIBUTION}


# Whether the synthetic recordings hold something planted to score the maps against
# (nothing on the null demo).
PLANTS_ANYTHING = SOURCE == "synthetic" and plants_anything(config["dataset"])
# The maps scored against the planted truth (synthetic data): every method's and, as the
# paper's own method, the amplitude gradient's, of every network.
QUALITY_MAPS = [(method, model) for method in ["gradient", *METHODS] for model in MODELS]


def label_randomisation_maps(wildcards):
    """The trained and the shuffled network's maps of one method (none without that control)."""
    if "shuffled" not in CONTROLS:
        return []
    return [result_file(wildcards.method, model) for model in ("trained", "shuffled")]


def map_band(wildcards):
    """The band of one gradient or perturbation scalp-map figure."""
    return MAP_BANDS[wildcards.analysis][wildcards.band]


def final_outputs():
    """Everything the workflow can build for this config."""
    outputs = [
        f"{RESULTS}/epochs/summary.csv",
        f"{RESULTS}/models/trained.pt",
        f"{RESULTS}/models/untrained.pt",
        *([] if EXTERNAL else [f"{RESULTS}/figures/training_curves.png"]),
        f"{RESULTS}/envelope_activation/correlations.csv",
        f"{RESULTS}/envelope_class/correlations.csv",
        *expand(f"{RESULTS}/figures/envelope_activation.{{ext}}", ext=["png", "pdf"]),
        *expand(f"{RESULTS}/figures/envelope_class.{{ext}}", ext=["png", "pdf"]),
        *expand(f"{RESULTS}/{{analysis}}/{{model}}.csv.gz", analysis=SPECTRAL, model=MODELS),
        *expand(
            f"{RESULTS}/figures/{{analysis}}_spectrum.{{ext}}",
            analysis=SPECTRAL,
            ext=["png", "pdf"],
        ),
        *expand(f"{RESULTS}/attribution/{{method}}/{{model}}.csv.gz", method=METHODS, model=MODELS),
        *(
            [f"{RESULTS}/sanity/flags.csv", f"{RESULTS}/figures/sanity_cascading.png"]
            if METHODS
            else []
        ),
        f"{RESULTS}/reliability.csv",
        f"{RESULTS}/diagnostics/artifact_reliance.csv",
        *expand(
            f"{RESULTS}/figures/artifact_reliance_{{analysis}}.png",
            analysis=RELIANCE_ANALYSES,
        ),
    ]
    # Phase perturbations are shared by all channels: no scalp maps.
    mapped = [
        a for a in MAP_BANDS if a != "perturbation" or config["perturbation"]["kind"] != "phase"
    ]
    for analysis in mapped:
        outputs += expand(
            f"{RESULTS}/figures/{analysis}_{{band}}.{{ext}}",
            band=MAP_BANDS[analysis],
            ext=["png", "pdf"],
        )
    if SOURCE == "synthetic":
        outputs.append(f"{RECORDINGS_DIR}/planted_effect.json")
        if METHODS and PLANTS_ANYTHING:
            outputs += [
                f"{RESULTS}/evaluation/attribution_quality.csv",
                *expand(f"{RESULTS}/figures/attribution_quality.{{ext}}", ext=["png", "pdf"]),
            ]
    if ICA:
        outputs += [
            f"{RESULTS}/preprocessing/ica_summary.csv",
            *expand(f"{RESULTS}/figures/ica/sub-{{subject:03d}}.png", subject=SUBJECTS),
        ]
    if config["variants"]:
        outputs += [
            f"{RESULTS}/comparison/artifact_control.csv",
            f"{RESULTS}/figures/artifact_control.png",
        ]
    outputs.append(SUMMARY)
    outputs.append(PROVENANCE)  # written last, see provenance.smk
    return outputs


# The report's first page (report.smk): the results summary, once a run has built it.
SUMMARY = f"{RESULTS}/report/summary.rst"
# Networks trained here, to their training history (none for an imported network).
TRAINING_HISTORIES = (
    {}
    if EXTERNAL
    else {
        "trained": f"{RESULTS}/models/history.csv",
        **(
            {"shuffled": f"{RESULTS}/models/shuffled_history.csv"} if "shuffled" in CONTROLS else {}
        ),
    }
)


def summary_inputs(wildcards):
    """The run's tables that the results summary reads, and its headline figure."""
    inputs = {
        "epochs": f"{RESULTS}/epochs/summary.csv",
        "histories": list(TRAINING_HISTORIES.values()),
        "statistics": expand(f"{RESULTS}/statistics/{{analysis}}.csv", analysis=ANALYSES),
        "reliability": f"{RESULTS}/reliability.csv",
        "reliance": f"{RESULTS}/diagnostics/artifact_reliance.csv",
        "headline": f"{RESULTS}/figures/envelope_activation.png",
    }
    if METHODS:
        inputs["sanity"] = f"{RESULTS}/sanity/flags.csv"
        if PLANTS_ANYTHING:
            inputs["quality"] = f"{RESULTS}/evaluation/attribution_quality.csv"
    return inputs


def landing_page():
    """The report's description: the results summary once built, else the workflow's text."""
    if os.path.exists(SUMMARY):
        return os.path.abspath(SUMMARY)
    return "workflow/report/workflow.rst"


def provenance_inputs():
    """Every final output but the provenance record itself."""
    return [path for path in final_outputs() if path != PROVENANCE]


# Artifact-control variants (variants.smk): each one's config and results folder.
VARIANT_CONFIGS = variant_configs(config)
VARIANT_RESULTS = {
    "raw": RESULTS,
    **{variant: f"results/{conf['name']}" for variant, conf in VARIANT_CONFIGS.items()},
}


def variant_outputs():
    """Every final output of every variant."""
    return [path for variant in VARIANT_CONFIGS for path in getattr(rules, f"{variant}_all").input]


# What the comparison reads of the analysis ("raw") and of each variant.
COMPARED_FILES = {
    "epochs": "epochs/summary.csv",
    **({} if EXTERNAL else {"history": "models/history.csv"}),
    "reliance": "diagnostics/artifact_reliance.csv",
    "gradient": "statistics/gradient.csv",
    "attribution": "statistics/attribution.csv",
}


def comparison_inputs(wildcards):
    """Each compared file of the analysis and of each variant, as ``<kind>_<variant>``."""
    return {
        f"{kind}_{variant}": f"{results}/{relative}"
        for kind, relative in COMPARED_FILES.items()
        for variant, results in VARIANT_RESULTS.items()
    }
