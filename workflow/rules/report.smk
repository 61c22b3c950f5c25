# The report's first page: a results summary read from the run's tables, then the
# workflow's description and configuration (the Snakefile's `report:` takes it once built).


rule report_summary:
    input:
        unpack(summary_inputs),
        description="workflow/report/workflow.rst",
    output:
        SUMMARY,
    log:
        f"{LOGS}/report_summary.log",
    conda:
        "../../envs/eegvis.yaml"
    params:
        classes=CLASSES,
        analyses=ANALYSES,
        networks=list(TRAINING_HISTORIES),
        data=DATA_NOTE,
    script:
        "../../scripts/report_summary.py"
