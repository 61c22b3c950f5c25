# Artifact-control variants (config key variants): the workflow once more per variant, as
# a Snakemake module with the variant's config (eegvis.pipeline.variants), writing to
# results/<name>-<variant>/. The recordings are this analysis's (their rules are not
# repeated), so one command runs everything and shared jobs run once.
from eegvis.pipeline.variants import variant_configs

VARIANT_CONFIGS = variant_configs(config)
VARIANT_RESULTS = {
    "raw": RESULTS,
    **{variant: f"results/{conf['name']}" for variant, conf in VARIANT_CONFIGS.items()},
}

for VARIANT, VARIANT_CONFIG in VARIANT_CONFIGS.items():
    # Snakemake resolves a module named by a variable, and the prefix of its rules'
    # names from the variable named like the prefix without its "*".
    variant_module = f"variant_{VARIANT}"
    variant_ = f"{VARIANT}_"

    module:
        name: variant_module
        snakefile:
            "../../Snakefile"
        config:
            VARIANT_CONFIG

    use rule * from variant_module exclude fetch_subject, describe_planted_effect as variant_*


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


rule compare_variants:
    input:
        unpack(comparison_inputs),
    output:
        table=report(
            f"{RESULTS}/comparison/artifact_control.csv",
            caption="../report/artifact_control.rst",
            category="Artifact control",
        ),
        figure=report(
            f"{RESULTS}/figures/artifact_control.png",
            caption="../report/artifact_control.rst",
            category="Artifact control",
        ),
    log:
        f"{LOGS}/compare_variants.log",
    conda:
        "../../envs/eegvis.yaml"
    params:
        variants=list(VARIANT_RESULTS),
        kinds=list(COMPARED_FILES),
        data=DATA_NOTE,
    script:
        "../../scripts/compare_variants.py"
