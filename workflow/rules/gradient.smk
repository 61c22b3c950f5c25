# Amplitude-gradient maps (the noise-free limit of the perturbation), per network and subject.


rule gradient:
    input:
        model=f"{RESULTS}/models/{{model}}.pt",
        epochs=subject_files("all", "_epo.fif"),
        summaries=subject_files("all", ".json"),
    output:
        maps=f"{RESULTS}/gradient/{{model}}.nc",
        table=f"{RESULTS}/gradient/{{model}}.csv.gz",
    log:
        f"{LOGS}/gradient/{{model}}.log",
    benchmark:
        f"{BENCHMARKS}/gradient/{{model}}.tsv"
    conda:
        "../../envs/eegvis.yaml"
    threads: 2
    resources:
        gpu=1,
        mem_mb=4000,
        runtime=60,
    params:
        batch_size=config["gradient"]["batch_size"],
        units=config["epochs"]["units"],
        device=config["training"]["device"],
        splits=SPLITS,
    script:
        "../../scripts/gradient.py"
