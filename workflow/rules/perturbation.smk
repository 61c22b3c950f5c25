# Amplitude-perturbation correlation maps (seed-000 tutorial), trained and untrained.


rule perturbation:
    input:
        model=f"{RESULTS}/models/{{model}}.pt",
        epochs=subject_files("train", "_epo.fif"),
        summaries=subject_files("train", ".json"),
    output:
        arrays=f"{RESULTS}/perturbation/{{model}}.npz",
        table=f"{RESULTS}/perturbation/{{model}}.csv",
    log:
        f"{LOGS}/perturbation/{{model}}.log",
    benchmark:
        f"{BENCHMARKS}/perturbation/{{model}}.tsv"
    conda:
        "../../envs/eegvis.yaml"
    threads: 2
    resources:
        gpu=1,
        mem_mb=8000,
        runtime=120,
    params:
        perturbation=config["perturbation"],
        units=config["epochs"]["units"],
        sfreq=config["epochs"]["sfreq"],
        device=config["training"]["device"],
    script:
        "../../scripts/perturbation.py"


rule plot_perturbation_maps:
    input:
        trained=f"{RESULTS}/perturbation/trained.npz",
        untrained=f"{RESULTS}/perturbation/untrained.npz",
    output:
        report(
            f"{RESULTS}/figures/perturbation_{{band}}.png",
            caption="../report/perturbation_maps.rst",
            category="Amplitude perturbation",
        ),
        f"{RESULTS}/figures/perturbation_{{band}}.pdf",
    log:
        f"{LOGS}/plot_perturbation_maps/{{band}}.log",
    conda:
        "../../envs/eegvis.yaml"
    params:
        band=lambda wildcards: PERTURBATION_BANDS[wildcards.band],
        data=DATA_NOTE,
    script:
        "../../scripts/plot_perturbation_maps.py"


rule plot_perturbation_spectrum:
    input:
        trained=f"{RESULTS}/perturbation/trained.npz",
        untrained=f"{RESULTS}/perturbation/untrained.npz",
    output:
        report(
            f"{RESULTS}/figures/perturbation_spectrum.png",
            caption="../report/perturbation_spectrum.rst",
            category="Amplitude perturbation",
        ),
        f"{RESULTS}/figures/perturbation_spectrum.pdf",
    log:
        f"{LOGS}/plot_perturbation_spectrum.log",
    conda:
        "../../envs/eegvis.yaml"
    params:
        data=DATA_NOTE,
    script:
        "../../scripts/plot_perturbation_spectrum.py"
