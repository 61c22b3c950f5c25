"""Amplitude-perturbation maps of one network: per subject (its own crops) and pooled.

The pooled map is the seed-000 tutorial's: the training subjects' crops.
"""

import numpy as np
import torch

from eegvis.crops import cut_crops
from eegvis.devices import resolve_device
from eegvis.epochs import iter_subjects
from eegvis.io import atomic_output
from eegvis.logs import log_to_file
from eegvis.model_io import load_model
from eegvis.models import n_predictions
from eegvis.perturbation import perturbation_maps
from eegvis.results import save_arrays, spectral_table

log = log_to_file(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
params = snakemake.params
settings = params.perturbation
model, metadata = load_model(snakemake.input.model, resolve_device(params.device))
n_preds = n_predictions(model, model.n_times)
crops, groups = [], []
for trials in iter_subjects(
    snakemake.input.epochs, snakemake.input.summaries, metadata["classes"], params.units
):
    crops.append(cut_crops(trials.X, model.n_times, n_preds))
    groups.append(np.full(len(crops[-1]), trials.subject))
groups = np.concatenate(groups)
splits = np.array([params.splits[s] for s in groups])
log.info("%d crops of %d samples from %d subjects", len(groups), model.n_times, len(crops))
band = settings["bands"][0]
result = perturbation_maps(
    model,
    np.concatenate(crops),
    params.sfreq,
    groups=groups,
    pooled=splits == "train",
    n_iterations=settings["n_iterations"],
    target_reliability=settings["target_reliability"],
    max_iterations=settings["max_iterations"],
    reliability_band=(band["low"], band["high"]),
    perturbation=settings["kind"],
    batch_size=settings["batch_size"],
    seed=settings["seed"],
    strip_log_softmax=True,
)
log.info(
    "%d iterations; split-half r over iterations (odd vs even) %.3f, Spearman-Brown %.3f",
    result.n_iterations,
    result.split_half_r[-1],
    result.reliability,
)
phase = result.correlations.shape[0] != len(metadata["ch_names"])  # one row for all channels
channels = ["all"] if phase else metadata["ch_names"]
arrays = dict(
    maps=result.correlations,
    subject_maps=result.group_correlations,
    iteration_maps=result.iterations,
    freqs=result.freqs,
    channels=np.array(channels),
    classes=np.array(metadata["classes"]),
    subjects=result.groups,
    splits=np.array([params.splits[s] for s in result.groups]),
    model=np.array(snakemake.wildcards.model),
    kind=np.array(settings["kind"]),
    n_iterations=np.array(result.n_iterations),
    iteration_reliability=result.split_half_r_sb,
)
save_arrays(snakemake.output.arrays, arrays)
with atomic_output(snakemake.output.table) as path:
    spectral_table(arrays, pooled="train", value_name="correlation").to_csv(path, index=False)
