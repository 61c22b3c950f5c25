"""Correlate band envelopes (over the network's prediction fields) with the class labels."""

from eegvis.analyses import envelope_class_subjects
from eegvis.analyses.envelope_activation import OUTPUT
from eegvis.models.io import load_model
from eegvis.models.layers import receptive_fields
from eegvis.pipeline.jobs import bandpassed_job_subjects, job_info, save_maps, start_job

log = start_job(snakemake)
model, metadata = load_model(snakemake.input.model)
info = job_info(snakemake)
length = metadata["input_time_length"]
prediction = receptive_fields(model, len(info.ch_names), length, [OUTPUT])[OUTPUT]
maps = envelope_class_subjects(
    bandpassed_job_subjects(snakemake, metadata["classes"]),
    info,
    snakemake.params.bands,
    metadata["classes"],
    prediction,
    length,
)
save_maps(snakemake, maps, "correlation")
log.info(
    "Envelope-class correlations of %d subjects (receptive field %d)",
    maps.sizes["subject"],
    prediction.field,
)
