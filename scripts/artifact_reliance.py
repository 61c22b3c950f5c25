"""Share of each network's gradient, attribution and method maps per scalp region and range."""

import pandas as pd

from eegvis.diagnostics.artifact_reliance import reliance_table, reliance_warnings
from eegvis.maps import read_maps
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import atomic_output

log = log_to_file(snakemake.log[0])
networks, methods = snakemake.params.networks, snakemake.params.methods
gradients = dict(zip(networks, map(read_maps, snakemake.input.gradient), strict=True))
tables = [reliance_table(gradients)]
paths = iter(snakemake.input.methods)  # method-major, then network, as the rule lists them
for method in methods:
    maps = {network: read_maps(next(paths)) for network in networks}
    tables.append(reliance_table(maps, analyses=[method]))
table = pd.concat(tables, ignore_index=True)
for message in reliance_warnings(table):
    log.warning("Artifact reliance: %s", message)
with atomic_output(snakemake.output[0]) as path:
    table.to_csv(path, index=False)
