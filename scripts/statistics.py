"""Test one analysis's maps across subjects and estimate their split-half reliability."""

import mne
import pandas as pd

from eegvis.io import atomic_output
from eegvis.logs import log_to_file
from eegvis.map_statistics import (
    attribution_results,
    envelope_activation_families,
    envelope_class_families,
    iteration_reliability_table,
    spectral_families,
    statistics_table,
    subject_reliability_table,
)
from eegvis.maps import read_maps

log = log_to_file(snakemake.log[0])
analysis = snakemake.wildcards.analysis
settings = snakemake.params.statistics
results = {name: read_maps(path) for name, path in snakemake.input.items()}
if analysis == "envelope_class":
    families = envelope_class_families(results["envelope_class"], settings["subjects"])
elif analysis == "envelope_activation":
    families = envelope_activation_families(
        results, snakemake.params.controls, settings["subjects"]
    )
else:
    if analysis == "attribution":  # computed from the gradient results
        results = attribution_results(results)
    families = spectral_families(
        analysis, results, snakemake.params.bands, snakemake.params.controls, settings["subjects"]
    )
adjacency = None
if settings["method"] == "cluster":
    info = next(iter(results.values())).eegvis.info
    adjacency, _ = mne.channels.find_ch_adjacency(info, "eeg")
log.info(
    "%d maps of %d subjects (%s), %s test with %d permutations, alpha %g",
    len(families),
    len(families[0].subjects),
    settings["subjects"],
    settings["method"],
    settings["n_permutations"],
    settings["alpha"],
)
statistics = statistics_table(
    families,
    method=settings["method"],
    n_permutations=settings["n_permutations"],
    alpha=settings["alpha"],
    seed=settings["seed"],
    adjacency=adjacency,
)
reliability = subject_reliability_table(families)
if analysis == "perturbation":
    reliability = pd.concat(
        [reliability, iteration_reliability_table(results, snakemake.params.bands)],
        ignore_index=True,
    )
for keys, rows in statistics.groupby(["contrast", "layer", "class"], dropna=False, sort=False):
    log.info(
        "%s: %d significant cells of %d",
        "/".join(map(str, keys)),
        rows["significant"].sum(),
        len(rows),
    )
log.info("Split-half reliability:\n%s", reliability.to_string(index=False))
with atomic_output(snakemake.output.statistics) as path:
    statistics.to_csv(path, index=False)
with atomic_output(snakemake.output.reliability) as path:
    reliability.to_csv(path, index=False)
