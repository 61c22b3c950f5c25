"""Correlate band envelopes with the unit outputs of every network, in one pass over the data."""

from eegvis.analyses import envelope_activation_networks
from eegvis.models.io import load_model
from eegvis.pipeline.jobs import bandpassed_job_subjects, job_info, start_job
from eegvis.utils.devices import resolve_device

log = start_job(snakemake)
params = snakemake.params
device = resolve_device(params.device)
loaded = {
    name: load_model(path, device)
    for name, path in zip(params.networks, snakemake.input.models, strict=True)
}
metadata = loaded[params.networks[0]][1]
maps = envelope_activation_networks(
    {name: model for name, (model, _) in loaded.items()},
    bandpassed_job_subjects(snakemake, metadata["classes"]),
    job_info(snakemake),
    params.bands,
    params.layers,
    batch_size=params.batch_size,
    input_length=metadata["input_time_length"],
    subject_units=params.unit_maps == "subjects",
    unit_summary=params.unit_summary,
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
