# Amplitude-perturbation correlation maps (seed-000 tutorial), per network and subject.


rule perturbation:
    input:
        model=f"{RESULTS}/models/{{model}}.pt",
        epochs=subject_files("all", "_epo.fif"),
        summaries=subject_files("all", ".json"),
    output:
        maps=f"{RESULTS}/perturbation/{{model}}.nc",
        table=f"{RESULTS}/perturbation/{{model}}.csv.gz",
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
        device=config["training"]["device"],
        splits=SPLITS,
    script:
        "../../scripts/perturbation.py"
