"""Correlate band envelopes with the unit outputs of one network (trained or untrained)."""

import numpy as np
import torch

from eegvis.devices import resolve_device
from eegvis.envelope_activation import correlate_subjects
from eegvis.epochs import load_epochs, to_arrays, usable_subjects
from eegvis.logs import log_to_file
from eegvis.model_io import load_model
from eegvis.models import BLOCK_OUTPUTS
from eegvis.results import envelope_activation_arrays, save_arrays

log = log_to_file(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
params = snakemake.params
model, metadata = load_model(snakemake.input.model, resolve_device(params.device))
keep = usable_subjects(snakemake.input.summaries)


def subjects():
    for index in keep:
        X, _ = to_arrays(
            load_epochs(snakemake.input.epochs[index]), metadata["classes"], params.units
        )
        yield X, np.load(snakemake.input.bandpassed[index])


pooled, per_subject = correlate_subjects(
    model, subjects(), model.n_times, BLOCK_OUTPUTS, batch_size=params.batch_size
)
arrays = envelope_activation_arrays(
    pooled,
    per_subject,
    model=snakemake.wildcards.model,
    channels=metadata["ch_names"],
    bands=params.bands,
    subjects=[params.subjects[i] for i in keep],
)
arrays["splits"] = np.array([params.splits[params.subjects[i]] for i in keep])
save_arrays(snakemake.output[0], arrays)
log.info("Saved correlations of %d layers for %d subjects", len(BLOCK_OUTPUTS), len(keep))
