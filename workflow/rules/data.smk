# Raw recordings (downloaded or synthetic) and epochs, one job per subject.


rule fetch_subject:
    output:
        FETCHED,
    log:
        f"{LOGS}/fetch_subject/S{{subject}}.log",
    benchmark:
        f"{BENCHMARKS}/fetch_subject/S{{subject}}.tsv"
    conda:
        "../../envs/eegvis.yaml"
    resources:
        mem_mb=1000,
        runtime=30,
    params:
        dataset=config["dataset"],
        runs=RUNS,
        root=synthetic_root,
    script:
        "../../scripts/fetch_subject.py"


rule describe_planted_effect:
    output:
        f"{RECORDINGS_DIR}/planted_effect.json",
    log:
        f"{LOGS}/describe_planted_effect.log",
    conda:
        "../../envs/eegvis.yaml"
    params:
        planted=config["dataset"]["planted_effect"],
        artifacts=config["dataset"].get("artifacts", {}),
    script:
        "../../scripts/describe_planted_effect.py"


rule epoch_subject:
    input:
        analysis_ready,
    output:
        epochs=f"{RESULTS}/epochs/sub-{{subject}}_epo.fif",
        summary=f"{RESULTS}/epochs/sub-{{subject}}.json",
    log:
        f"{LOGS}/epoch_subject/sub-{{subject}}.log",
    benchmark:
        f"{BENCHMARKS}/epoch_subject/sub-{{subject}}.tsv"
    conda:
        "../../envs/eegvis.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        recordings=analysis_files,
        runs=RUNS,
        epochs=config["epochs"],
        verify_checksums=SOURCE == "eegbci" and not PREPROCESSED,
    script:
        "../../scripts/epoch_subject.py"


rule summarize_epochs:
    input:
        expand(f"{RESULTS}/epochs/sub-{{subject:03d}}.json", subject=SUBJECTS),
    output:
        f"{RESULTS}/epochs/summary.csv",
    log:
        f"{LOGS}/summarize_epochs.log",
    conda:
        "../../envs/eegvis.yaml"
    params:
        train=config["subjects"]["train"],
    script:
        "../../scripts/summarize_epochs.py"
