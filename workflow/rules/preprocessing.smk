# Cleaning of each subject's continuous runs (line noise, ICA with ICLabel, channel
# selection) before epoching and band-passing; only when the config asks for one.

if PREPROCESSED:

    rule preprocess_subject:
        input:
            recordings_ready,
        output:
            # Intermediate: made again from the recordings if a later job needs them.
            runs=temp(expand(CLEAN_PATTERN, run=RUNS, allow_missing=True)),
            ica=(
                [
                    f"{RESULTS}/preprocessing/sub-{{subject}}_ica.json",
                    f"{RESULTS}/preprocessing/sub-{{subject}}_ica.fif",
                ]
                if ICA
                else []
            ),
        log:
            f"{LOGS}/preprocess_subject/sub-{{subject}}.log",
        benchmark:
            f"{BENCHMARKS}/preprocess_subject/sub-{{subject}}.tsv"
        conda:
            "../../envs/eegvis.yaml"
        threads: 2
        resources:
            mem_mb=4000,
            runtime=30,
        params:
            recordings=raw_files,
            sfreq=config["epochs"]["sfreq"],
            preprocessing=PREPROCESSING,
            channels=config["dataset"]["channels"],
            verify_checksums=SOURCE == "eegbci",
        script:
            "../../scripts/preprocess_subject.py"


if ICA:

    rule summarize_ica:
        input:
            expand(f"{RESULTS}/preprocessing/sub-{{subject:03d}}_ica.json", subject=SUBJECTS),
        output:
            report(
                f"{RESULTS}/preprocessing/ica_summary.csv",
                caption="../report/ica_summary.rst",
                category="Artifact control",
            ),
        log:
            f"{LOGS}/summarize_ica.log",
        conda:
            "../../envs/eegvis.yaml"
        script:
            "../../scripts/summarize_ica.py"

    rule plot_ica_components:
        input:
            ica=f"{RESULTS}/preprocessing/sub-{{subject}}_ica.fif",
            labels=f"{RESULTS}/preprocessing/sub-{{subject}}_ica.json",
        output:
            report(
                f"{RESULTS}/figures/ica/sub-{{subject}}.png",
                caption="../report/ica_components.rst",
                category="Artifact control",
                subcategory="Excluded ICA components",
                labels={"subject": "{subject}"},
            ),
        log:
            f"{LOGS}/plot_ica_components/sub-{{subject}}.log",
        conda:
            "../../envs/eegvis.yaml"
        params:
            data=DATA_NOTE,
        script:
            "../../scripts/plot_ica_components.py"
