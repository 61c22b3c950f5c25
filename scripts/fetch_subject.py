"""Download (or, for the synthetic dataset, generate) one subject's recordings.

MOABB and BIDS datasets are read (MOABB: fetched) and saved as one FIF file per subject.
"""

from eegvis.data.fetch import fetch_recordings
from eegvis.pipeline.logs import log_to_file

log = log_to_file(snakemake.log[0])
subject = int(snakemake.wildcards.subject)
params = snakemake.params
paths = fetch_recordings(subject, params.dataset, params.runs, snakemake.output[0], params.root)
log.info("Subject %d: %d recordings ready", subject, len(paths))
