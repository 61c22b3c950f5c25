"""Amplitude-perturbation maps of one network: per subject (its own crops) and pooled.

The pooled map is the seed-000 tutorial's: the training subjects' crops.
"""

import mne
import torch

from eegvis.analyses import perturbation_subjects
from eegvis.data.epochs import iter_subjects
from eegvis.models.io import load_model
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.devices import resolve_device

log = log_to_file(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
params = snakemake.params
settings = params.perturbation
model, metadata = load_model(snakemake.input.model, resolve_device(params.device))
subjects = iter_subjects(
    snakemake.input.epochs,
    snakemake.input.summaries,
    metadata["classes"],
    params.units,
    splits=params.splits,
)
band = settings["bands"][0]
maps = perturbation_subjects(
    model,
    subjects,
    mne.io.read_info(snakemake.input.epochs[0], verbose="error"),
    metadata["classes"],
    pooled="train",
    n_iterations=settings["n_iterations"],
    target_reliability=settings["target_reliability"],
    max_iterations=settings["max_iterations"],
    reliability_band=(band["low"], band["high"]),
    perturbation=settings["kind"],
    batch_size=settings["batch_size"],
    seed=settings["seed"],
    input_length=metadata["input_time_length"],
    network=snakemake.wildcards.model,
)
log.info(
    "%d iterations; split-half reliability (Spearman-Brown, odd vs even iterations) %.3f",
    maps.attrs["n_iterations"],
    maps.attrs["iteration_reliability"][-1],
)
maps.eegvis.save(snakemake.output.maps)
maps.eegvis.write_table(snakemake.output.table, name="correlation")
