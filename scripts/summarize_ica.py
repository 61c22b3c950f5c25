"""One table of every subject's ICA: components fitted, removed, and their labels."""

import json

from eegvis.pipeline.logs import log_to_file
from eegvis.preprocessing.ica import ica_summary
from eegvis.utils.io import atomic_output

log = log_to_file(snakemake.log[0])
records = [json.loads(open(path).read()) for path in snakemake.input]
table = ica_summary(records)
log.info("ICA per subject:\n%s", table.to_string(index=False))
with atomic_output(snakemake.output[0]) as path:
    table.to_csv(path, index=False)
