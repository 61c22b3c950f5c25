# Envelope-activation correlations (paper Fig. 15) and envelope-class correlations (Fig. 14).


rule envelope_activation:
    input:
        models=expand(f"{RESULTS}/models/{{model}}.pt", model=MODELS),
        epochs=subject_files("all", "_epo.fif"),
        summaries=subject_files("all", ".json"),
        recordings=RECORDINGS_READY,
    output:
        expand(f"{RESULTS}/envelope_activation/{{model}}.nc", model=MODELS),
    log:
        f"{LOGS}/envelope_activation.log",
    benchmark:
        f"{BENCHMARKS}/envelope_activation.tsv"
    conda:
        "../../envs/eegvis.yaml"
    threads: 2
    resources:
        gpu=1,
        mem_mb=4000,
        runtime=120,
    params:
        networks=MODELS,
        recordings=RECORDINGS,
        runs=RUNS,
        epochs=config["epochs"],
        bands=BANDS,
        splits=SPLITS,
        device=config["training"]["device"],
        batch_size=config["envelope_activation"]["batch_size"],
        layers=config["envelope_activation"].get("layers"),
        unit_maps=config["envelope_activation"]["unit_maps"],
        unit_summary=config["envelope_activation"]["unit_summary"],
    script:
        "../../scripts/envelope_activation.py"


rule envelope_class:
    input:
        model=f"{RESULTS}/models/untrained.pt",
        epochs=subject_files("all", "_epo.fif"),
        summaries=subject_files("all", ".json"),
        recordings=RECORDINGS_READY,
    output:
        maps=f"{RESULTS}/envelope_class/correlations.nc",
        table=f"{RESULTS}/envelope_class/correlations.csv",
    log:
        f"{LOGS}/envelope_class.log",
    benchmark:
        f"{BENCHMARKS}/envelope_class.tsv"
    conda:
        "../../envs/eegvis.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        recordings=RECORDINGS,
        runs=RUNS,
        epochs=config["epochs"],
        bands=BANDS,
        splits=SPLITS,
    script:
        "../../scripts/envelope_class.py"


rule tabulate_envelope_activation:
    input:
        expand(f"{RESULTS}/envelope_activation/{{model}}.nc", model=MODELS),
    output:
        f"{RESULTS}/envelope_activation/correlations.csv",
    log:
        f"{LOGS}/tabulate_envelope_activation.log",
    conda:
        "../../envs/eegvis.yaml"
    script:
        "../../scripts/tabulate_envelope_activation.py"


rule plot_envelope_activation:
    input:
        activation=f"{RESULTS}/statistics/envelope_activation.csv",
        classes=f"{RESULTS}/statistics/envelope_class.csv",
        reliability=f"{RESULTS}/reliability/envelope_activation.csv",
    output:
        report(
            f"{RESULTS}/figures/envelope_activation.png",
            caption="../report/envelope_activation.rst",
            category="Envelope correlations",
        ),
        f"{RESULTS}/figures/envelope_activation.pdf",
    log:
        f"{LOGS}/plot_envelope_activation.log",
    conda:
        "../../envs/eegvis.yaml"
    params:
        contrast=f"trained-{CONTROLS[0]}",
        unit_summary=config["envelope_activation"]["unit_summary"],
        bands=BAND_NAMES,
        band_titles=BAND_TITLES,
        subjects=config["statistics"]["subjects"],
        data=DATA_NOTE,
    script:
        "../../scripts/plot_envelope_activation.py"


rule plot_envelope_class:
    input:
        statistics=f"{RESULTS}/statistics/envelope_class.csv",
        reliability=f"{RESULTS}/reliability/envelope_class.csv",
    output:
        report(
            f"{RESULTS}/figures/envelope_class.png",
            caption="../report/envelope_class.rst",
            category="Envelope correlations",
        ),
        f"{RESULTS}/figures/envelope_class.pdf",
    log:
        f"{LOGS}/plot_envelope_class.log",
    conda:
        "../../envs/eegvis.yaml"
    params:
        bands=BAND_NAMES,
        band_titles=BAND_TITLES,
        subjects=config["statistics"]["subjects"],
        data=DATA_NOTE,
    script:
        "../../scripts/plot_envelope_class.py"
