# Tests across subjects and split-half reliability of every map, and the figures that show them.


rule statistics:
    input:
        unpack(analysis_results),
    output:
        statistics=report(
            f"{RESULTS}/statistics/{{analysis}}.csv",
            caption="../report/statistics.rst",
            category="Statistics and reliability",
        ),
        reliability=f"{RESULTS}/reliability/{{analysis}}.csv",
    log:
        f"{LOGS}/statistics/{{analysis}}.log",
    benchmark:
        f"{BENCHMARKS}/statistics/{{analysis}}.tsv"
    conda:
        "../../envs/eegvis.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        statistics=config["statistics"],
        controls=CONTROLS,
        bands=map_bands,
    script:
        "../../scripts/statistics.py"


rule reliability:
    input:
        expand(f"{RESULTS}/reliability/{{analysis}}.csv", analysis=ANALYSES),
    output:
        report(
            f"{RESULTS}/reliability.csv",
            caption="../report/reliability.rst",
            category="Statistics and reliability",
        ),
    log:
        f"{LOGS}/reliability.log",
    conda:
        "../../envs/eegvis.yaml"
    script:
        "../../scripts/reliability.py"


rule plot_band_maps:
    input:
        statistics=f"{RESULTS}/statistics/{{analysis}}.csv",
        reliability=f"{RESULTS}/reliability/{{analysis}}.csv",
    output:
        report(
            f"{RESULTS}/figures/{{analysis}}_{{band}}.png",
            caption="../report/band_maps.rst",
            category="Spectral maps",
        ),
        f"{RESULTS}/figures/{{analysis}}_{{band}}.pdf",
    log:
        f"{LOGS}/plot_band_maps/{{analysis}}_{{band}}.log",
    conda:
        "../../envs/eegvis.yaml"
    params:
        band=map_band,
        contrasts=CONTRASTS,
        subjects=config["statistics"]["subjects"],
        data=DATA_NOTE,
    script:
        "../../scripts/plot_band_maps.py"


rule plot_spectrum:
    input:
        expand(f"{RESULTS}/{{analysis}}/{{model}}.nc", model=MODELS, allow_missing=True),
    output:
        report(
            f"{RESULTS}/figures/{{analysis}}_spectrum.png",
            caption="../report/spectrum.rst",
            category="Spectral maps",
        ),
        f"{RESULTS}/figures/{{analysis}}_spectrum.pdf",
    log:
        f"{LOGS}/plot_spectrum/{{analysis}}.log",
    conda:
        "../../envs/eegvis.yaml"
    params:
        data=DATA_NOTE,
    script:
        "../../scripts/plot_spectrum.py"
