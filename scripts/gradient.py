"""Amplitude-gradient maps of one network: per subject (its own crops) and pooled over all.

Also each subject's class difference of mean spectral amplitude, for the gradient attribution.
"""

import mne
import torch

from eegvis.analyses import gradient_subjects
from eegvis.data.epochs import iter_subjects
from eegvis.models.io import load_model
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.devices import resolve_device

log = log_to_file(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
params = snakemake.params
model, metadata = load_model(snakemake.input.model, resolve_device(params.device))
subjects = iter_subjects(
    snakemake.input.epochs,
    snakemake.input.summaries,
    metadata["classes"],
    params.units,
    splits=params.splits,
)
maps = gradient_subjects(
    model,
    subjects,
    mne.io.read_info(snakemake.input.epochs[0], verbose="error"),
    metadata["classes"],
    batch_size=params.batch_size,
    input_length=metadata["input_time_length"],
    network=snakemake.wildcards.model,
)
maps.eegvis.save(snakemake.output.maps)
maps.eegvis.write_table(snakemake.output.table, name="gradient")
log.info(
    "Gradient maps of %d subjects (%d crops in all)",
    maps.sizes["subject"],
    int(maps["n_crops"].sum()),
)
