"""Collect every method's sanity checks and judge them (eegvis.evaluation.sanity)."""

import pandas as pd

from eegvis.evaluation.sanity import randomisation_flags
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import atomic_output

log = log_to_file(snakemake.log[0])
cascading = pd.concat([pd.read_csv(path) for path in snakemake.input.cascading], ignore_index=True)
labels = pd.concat([pd.read_csv(path) for path in snakemake.input.labels], ignore_index=True)
flags = randomisation_flags(
    cascading.drop(columns="network"),
    labels.drop(columns="network") if len(labels) else None,  # no shuffled control
    threshold=snakemake.params.threshold,
)
for row in flags[~flags["passed"]].itertuples():
    log.warning(
        "Sanity check failed: %s's map survives %s (Spearman %.2f >= %.2f)",
        row.method,
        row.check,
        row.similarity,
        row.threshold,
    )
for path, table in zip(snakemake.output, (cascading, labels, flags), strict=True):
    with atomic_output(path) as temporary:
        table.to_csv(temporary, index=False)
