"""Correlate band envelopes with the unit outputs of every network, in one pass over the data."""

import mne
import torch

from eegvis.analyses import envelope_activation_networks
from eegvis.data.bandpassing import bandpassed_subjects
from eegvis.models.io import load_model
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.devices import resolve_device

log = log_to_file(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
params = snakemake.params
device = resolve_device(params.device)
loaded = {
    name: load_model(path, device)
    for name, path in zip(params.networks, snakemake.input.models, strict=True)
}
metadata = loaded[params.networks[0]][1]
subjects = bandpassed_subjects(
    snakemake.input.epochs,
    snakemake.input.summaries,
    metadata["classes"],
    params.recordings,
    params.runs,
    params.epochs,
    list(params.bands.values()),
    params.splits,
    n_jobs=snakemake.threads,
)
maps = envelope_activation_networks(
    {name: model for name, (model, _) in loaded.items()},
    subjects,
    mne.io.read_info(snakemake.input.epochs[0], verbose="error"),
    params.bands,
    params.layers,
    batch_size=params.batch_size,
    input_length=metadata["input_time_length"],
    subject_units=params.unit_maps == "subjects",
)
for name, path in zip(params.networks, snakemake.output, strict=True):
    maps[name].eegvis.save(path)
log.info(
    "Saved correlations of %d layers for %d subjects and %d networks on %s",
    maps[name].sizes["layer"],
    maps[name].sizes["subject"],
    len(maps),
    device,
)
