# The network: its initial weights (the untrained control); then either cropped training
# of the dense Deep4Net (with the control trained on shuffled labels and the training
# curves), or the weights of a network trained elsewhere.


rule initialize_model:
    input:
        FIRST_EPOCHS,
    output:
        f"{RESULTS}/models/untrained.pt",
    log:
        f"{LOGS}/initialize_model.log",
    conda:
        "../../envs/eegvis.yaml"
    params:
        classes=CLASSES,
        units=config["epochs"]["units"],
        model=config["model"],
        seed=config["training"]["seed"],
    script:
        "../../scripts/initialize_model.py"


# A network trained elsewhere (model.class) is analysed as it is: its weights are imported.
if EXTERNAL:

    rule import_model:
        input:
            initial=f"{RESULTS}/models/untrained.pt",
            checkpoint=config["model"]["checkpoint"],
        output:
            f"{RESULTS}/models/trained.pt",
        log:
            f"{LOGS}/import_model.log",
        conda:
            "../../envs/eegvis.yaml"
        script:
            "../../scripts/import_model.py"

else:

    rule train_model:
        input:
            initial=f"{RESULTS}/models/untrained.pt",
            train=subject_files("train", "_epo.fif"),
            train_summaries=subject_files("train", ".json"),
            valid=subject_files("valid", "_epo.fif"),
            valid_summaries=subject_files("valid", ".json"),
        output:
            model=f"{RESULTS}/models/trained.pt",
            history=f"{RESULTS}/models/history.csv",
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
            training=config["training"],
            shuffle_labels=True,
            checkpoint=f"{RESULTS}/models/shuffled_checkpoint.pt",

    # From the training history alone: redrawing the figure never retrains.
    rule plot_training_curves:
        input:
            f"{RESULTS}/models/history.csv",
        output:
            report(
                f"{RESULTS}/figures/training_curves.png",
                caption="../report/training_curves.rst",
                category="Training",
            ),
        log:
            f"{LOGS}/plot_training_curves.log",
        conda:
            "../../envs/eegvis.yaml"
        params:
            name=config["name"],
            data=DATA_NOTE,
        script:
            "../../scripts/plot_training_curves.py"
