# Artifact-control variants (config key variants): the workflow once more per variant, as
# a Snakemake module with the variant's config (eegvis.pipeline.variants), writing to
# results/<name>-<variant>/. The recordings are this analysis's (their rules are not
# repeated), so one command runs everything and shared jobs run once.
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
