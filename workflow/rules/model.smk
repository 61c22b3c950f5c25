# Cropped training of the dense Deep4Net; the untrained network is kept as control.


rule train_model:
    input:
        train=subject_files("train", "_epo.fif"),
        train_summaries=subject_files("train", ".json"),
        valid=subject_files("valid", "_epo.fif"),
        valid_summaries=subject_files("valid", ".json"),
    output:
        untrained=f"{RESULTS}/models/untrained.pt",
        trained=f"{RESULTS}/models/trained.pt",
        history=f"{RESULTS}/models/history.csv",
        curves=report(
            f"{RESULTS}/figures/training_curves.png",
            caption="../report/training_curves.rst",
            category="Training",
        ),
    log:
        f"{LOGS}/train_model.log",
    benchmark:
        f"{BENCHMARKS}/train_model.tsv"
    conda:
        "../../envs/eegvis.yaml"
    threads: 4
    resources:
        gpu=1,
        mem_mb=8000,
        runtime=240,
    params:
        name=config["name"],
        data=DATA_NOTE,
        classes=list(config["epochs"]["classes"]),
        units=config["epochs"]["units"],
        model=config["model"],
        training=config["training"],
        checkpoint=lambda wildcards, output: Path(output.trained).with_name("checkpoint.pt"),
    script:
        "../../scripts/train_model.py"
