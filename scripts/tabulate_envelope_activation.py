"""Tidy table of the pooled mean-over-units envelope-activation correlations, every network."""

from eegvis.maps import envelope_activation_table, read_maps
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import atomic_output

log_to_file(snakemake.log[0])
table = envelope_activation_table([read_maps(path) for path in snakemake.input])
with atomic_output(snakemake.output[0]) as path:
    table.to_csv(path, index=False)
