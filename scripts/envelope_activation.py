"""Correlate band envelopes with the unit outputs of one network (trained or a control)."""

import mne
import torch

from eegvis.analyses import envelope_activation_subjects
from eegvis.devices import resolve_device
from eegvis.epochs import iter_subjects
from eegvis.logs import log_to_file
from eegvis.model_io import load_model

log = log_to_file(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
params = snakemake.params
model, metadata = load_model(snakemake.input.model, resolve_device(params.device))
subjects = iter_subjects(
    snakemake.input.epochs,
    snakemake.input.summaries,
    metadata["classes"],
    params.units,
    bandpassed_paths=snakemake.input.bandpassed,
    splits=params.splits,
)
maps = envelope_activation_subjects(
    model,
    subjects,
    mne.io.read_info(snakemake.input.epochs[0], verbose="error"),
    params.bands,
    params.layers,
    batch_size=params.batch_size,
    input_length=metadata["input_time_length"],
    network=snakemake.wildcards.model,
)
maps.eegvis.save(snakemake.output[0])
log.info(
    "Saved correlations of %d layers for %d subjects", maps.sizes["layer"], maps.sizes["subject"]
)
