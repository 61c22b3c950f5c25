"""Band-pass one subject's continuous recordings per band and cut the epochs' trials."""

import numpy as np

from eegvis.bandpassing import bandpassed_trials
from eegvis.io import atomic_output
from eegvis.logs import log_to_file

log = log_to_file(snakemake.log[0])
window = snakemake.params.epochs
filtered = bandpassed_trials(
    snakemake.params.recordings,
    snakemake.params.runs,
    classes=window["classes"],
    tmin=window["tmin"],
    tmax=window["tmax"],
    sfreq=window["sfreq"],
    bands=snakemake.params.bands,
    units=window["units"],
)
with atomic_output(snakemake.output[0]) as path, open(path, "wb") as stream:
    np.save(stream, filtered)
log.info("Band-passed trials: %s (bands, trials, channels, samples)", filtered.shape)
