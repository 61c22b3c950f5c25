"""Correlate band envelopes (over the network's prediction fields) with the class labels."""

import mne
import torch

from eegvis.analyses import envelope_class_subjects
from eegvis.analyses.envelope_activation import OUTPUT
from eegvis.data.bandpassing import bandpassed_subjects
from eegvis.models.io import load_model
from eegvis.models.layers import receptive_fields
from eegvis.pipeline.logs import log_to_file

log = log_to_file(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
params = snakemake.params
model, metadata = load_model(snakemake.input.model)
info = mne.io.read_info(snakemake.input.epochs[0], verbose="error")
length = metadata["input_time_length"]
prediction = receptive_fields(model, len(info.ch_names), length, [OUTPUT])[OUTPUT]
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
maps = envelope_class_subjects(
    subjects, info, params.bands, metadata["classes"], prediction, length
)
maps.eegvis.save(snakemake.output.maps)
maps.eegvis.write_table(snakemake.output.table, name="correlation")
log.info(
    "Envelope-class correlations of %d subjects (receptive field %d)",
    maps.sizes["subject"],
    prediction.field,
)
