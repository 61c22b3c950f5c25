# Artifact reliance: how much of each network's gradient (and of each attribution method's
# map) lies at eye- and muscle-prone sites and slow frequencies (eegvis.diagnostics), with
# warnings in the log and figures.


rule artifact_reliance:
    input:
        gradient=expand(f"{RESULTS}/gradient/{{model}}.nc", model=MODELS),
        methods=expand(
            f"{RESULTS}/attribution/{{method}}/{{model}}.nc", method=METHODS, model=MODELS
        ),
    output:
        report(
            f"{RESULTS}/diagnostics/artifact_reliance.csv",
            caption="../report/artifact_reliance.rst",
            category="Artifact control",
        ),
    log:
        f"{LOGS}/artifact_reliance.log",
    conda:
        "../../envs/eegvis.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        networks=MODELS,
        methods=METHODS,
    script:
        "../../scripts/artifact_reliance.py"


rule plot_artifact_reliance:
    input:
        f"{RESULTS}/diagnostics/artifact_reliance.csv",
    output:
        report(
            f"{RESULTS}/figures/artifact_reliance_{{reliance_analysis}}.png",
            caption="../report/artifact_reliance.rst",
            category="Artifact control",
        ),
    log:
        f"{LOGS}/plot_artifact_reliance/{{reliance_analysis}}.log",
    conda:
        "../../envs/eegvis.yaml"
    params:
        networks=MODELS,
        data=DATA_NOTE,
    script:
        "../../scripts/plot_artifact_reliance.py"
