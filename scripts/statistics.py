"""Test one analysis's maps across subjects and estimate their split-half reliability."""

import mne

from eegvis.maps import read_maps
from eegvis.pipeline.logs import log_to_file
from eegvis.stats.families import analysis_families
from eegvis.stats.tables import reliability_table, statistics_table
from eegvis.utils.io import atomic_output

log = log_to_file(snakemake.log[0])
analysis = snakemake.wildcards.analysis
settings = snakemake.params.statistics
bands, controls = snakemake.params.bands, snakemake.params.controls
results = {name: read_maps(path) for name, path in snakemake.input.items()}
families = analysis_families(analysis, results, bands, controls, settings["subjects"])
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
reliability = reliability_table(analysis, families, results, bands)
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
