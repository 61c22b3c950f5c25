"""Collect the split-half reliability of every map into one table."""

import pandas as pd

from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import atomic_output

log = log_to_file(snakemake.log[0])
table = pd.concat([pd.read_csv(path) for path in snakemake.input], ignore_index=True)
log.info("Split-half reliability of %d maps:\n%s", len(table), table.to_string(index=False))
with atomic_output(snakemake.output[0]) as path:
    table.to_csv(path, index=False)
