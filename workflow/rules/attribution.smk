# Attribution methods (eegvis.analyses.attribution) on the gradient's per-subject pipeline:
# one job per method and network; their statistics and scalp maps come from statistics.smk.


rule attribution_maps:
    input:
        model=f"{RESULTS}/models/{{model}}.pt",
        epochs=subject_files("all", "_epo.fif"),
        summaries=subject_files("all", ".json"),
    output:
        maps=f"{RESULTS}/attribution/{{method}}/{{model}}.nc",
        table=f"{RESULTS}/attribution/{{method}}/{{model}}.csv.gz",
    log:
        f"{LOGS}/attribution/{{method}}/{{model}}.log",
    benchmark:
        f"{BENCHMARKS}/attribution/{{method}}/{{model}}.tsv"
    conda:
        "../../envs/eegvis.yaml"
    threads: 2
    resources:
        gpu=1,
        mem_mb=4000,
        runtime=120,
    params:
        batch_size=ATTRIBUTION["batch_size"],
        options=method_options,
        units=config["epochs"]["units"],
        device=config["training"]["device"],
        splits=SPLITS,
    script:
        "../../scripts/attribution_maps.py"


rule attribution_quality:
    input:
        planted=f"{RECORDINGS_DIR}/planted_effect.json",
        maps=[result_file(method, model) for method, model in QUALITY_MAPS],
    output:
        summary=report(
            f"{RESULTS}/evaluation/attribution_quality.csv",
            caption="../report/attribution_quality.rst",
            category="Attribution methods",
        ),
        subjects=f"{RESULTS}/evaluation/attribution_quality_subjects.csv",
    log:
        f"{LOGS}/attribution_quality.log",
    conda:
        "../../envs/eegvis.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        maps=QUALITY_MAPS,
        variables={"gradient": "gradient"},
    script:
        "../../scripts/attribution_quality.py"


rule plot_attribution_quality:
    input:
        f"{RESULTS}/evaluation/attribution_quality.csv",
    output:
        report(
            f"{RESULTS}/figures/attribution_quality.png",
            caption="../report/attribution_quality.rst",
            category="Attribution methods",
        ),
        f"{RESULTS}/figures/attribution_quality.pdf",
    log:
        f"{LOGS}/plot_attribution_quality.log",
    conda:
        "../../envs/eegvis.yaml"
    params:
        data=DATA_NOTE,
    script:
        "../../scripts/plot_attribution_quality.py"


rule attribution_sanity:
    input:
        model=f"{RESULTS}/models/trained.pt",
        epochs=subject_files("valid", "_epo.fif"),
        summaries=subject_files("valid", ".json"),
        maps=label_randomisation_maps,
    output:
        cascading=f"{RESULTS}/sanity/{{method}}/cascading.csv",
        labels=f"{RESULTS}/sanity/{{method}}/label_randomisation.csv",
    log:
        f"{LOGS}/attribution_sanity/{{method}}.log",
    benchmark:
        f"{BENCHMARKS}/attribution_sanity/{{method}}.tsv"
    conda:
        "../../envs/eegvis.yaml"
    threads: 2
    resources:
        gpu=1,
        mem_mb=4000,
        runtime=60,
    params:
        sanity=ATTRIBUTION["sanity"],
        batch_size=ATTRIBUTION["batch_size"],
        options=method_options,
        units=config["epochs"]["units"],
        device=config["training"]["device"],
        splits=SPLITS,
    script:
        "../../scripts/attribution_sanity.py"


rule summarize_sanity:
    input:
        cascading=expand(f"{RESULTS}/sanity/{{method}}/cascading.csv", method=METHODS),
        labels=expand(f"{RESULTS}/sanity/{{method}}/label_randomisation.csv", method=METHODS),
    output:
        report(
            f"{RESULTS}/sanity/cascading.csv",
            caption="../report/sanity.rst",
            category="Attribution methods",
        ),
        report(
            f"{RESULTS}/sanity/label_randomisation.csv",
            caption="../report/sanity.rst",
            category="Attribution methods",
        ),
        report(
            f"{RESULTS}/sanity/flags.csv",
            caption="../report/sanity.rst",
            category="Attribution methods",
        ),
    log:
        f"{LOGS}/summarize_sanity.log",
    conda:
        "../../envs/eegvis.yaml"
    params:
        threshold=ATTRIBUTION["sanity"]["threshold"],
    script:
        "../../scripts/summarize_sanity.py"


rule plot_sanity:
    input:
        cascading=f"{RESULTS}/sanity/cascading.csv",
        flags=f"{RESULTS}/sanity/flags.csv",
    output:
        report(
            f"{RESULTS}/figures/sanity_cascading.png",
            caption="../report/sanity.rst",
            category="Attribution methods",
        ),
        f"{RESULTS}/figures/sanity_cascading.pdf",
    log:
        f"{LOGS}/plot_sanity.log",
    conda:
        "../../envs/eegvis.yaml"
    params:
        data=DATA_NOTE,
    script:
        "../../scripts/plot_sanity.py"
