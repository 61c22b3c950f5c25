# Cropped training of the dense Deep4Net; the untrained network is kept as control.


rule train_model:
    input:
        train=subject_files("train", "_epo.fif"),
        train_summaries=subject_files("train", ".json"),
        valid=subject_files("valid", "_epo.fif"),
        valid_summaries=subject_files("valid", ".json"),
    output:
        untrained=f"{RESULTS}/models/untrained.pt",
        model=f"{RESULTS}/models/trained.pt",
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
        shuffle_labels=False,
        checkpoint=f"{RESULTS}/models/checkpoint.pt",
    script:
        "../../scripts/train_model.py"


# The data-randomisation control: the same recipe on labels permuted within each subject.
use rule train_model as train_shuffled_control with:
    output:
        model=f"{RESULTS}/models/shuffled.pt",
        history=f"{RESULTS}/models/shuffled_history.csv",
    log:
        f"{LOGS}/train_shuffled_control.log",
    benchmark:
        f"{BENCHMARKS}/train_shuffled_control.tsv"
    params:
        name=config["name"],
        data=DATA_NOTE,
        classes=list(config["epochs"]["classes"]),
        units=config["epochs"]["units"],
        model=config["model"],
        training=config["training"],
        shuffle_labels=True,
        checkpoint=f"{RESULTS}/models/shuffled_checkpoint.pt",
