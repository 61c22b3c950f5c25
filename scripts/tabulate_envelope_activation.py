"""Tidy table of mean-over-units envelope-activation correlations, both models."""

from eegvis.io import atomic_output
from eegvis.logs import log_to_file
from eegvis.results import envelope_activation_table, load_arrays

log_to_file(snakemake.log[0])
table = envelope_activation_table([load_arrays(path) for path in snakemake.input])
with atomic_output(snakemake.output[0]) as path:
    table.to_csv(path, index=False)
