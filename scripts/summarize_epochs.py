"""Tabulate the per-subject epoching summaries."""

import json

from eegvis.data.summaries import summary_table
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import atomic_output

log = log_to_file(snakemake.log[0])
summaries = [json.loads(open(path).read()) for path in snakemake.input]
table = summary_table(summaries, snakemake.params.train)
with atomic_output(snakemake.output[0]) as path:
    table.to_csv(path, index=False)
log.info("%d subjects, %d trials in total", len(table), table.filter(like="n_").sum().sum())
