"""Amplitude-perturbation correlations of one network (trained or untrained)."""

import numpy as np
import torch

from eegvis.crops import crop_starts
from eegvis.devices import resolve_device
from eegvis.envelopes import cut_windows
from eegvis.epochs import load_split
from eegvis.io import atomic_output
from eegvis.logs import log_to_file
from eegvis.model_io import load_model
from eegvis.models import n_predictions
from eegvis.perturbation import amplitude_perturbation_correlation
from eegvis.results import perturbation_table, save_arrays

log = log_to_file(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
params = snakemake.params
settings = params.perturbation
model, metadata = load_model(snakemake.input.model, resolve_device(params.device))
X, _ = load_split(
    snakemake.input.epochs, snakemake.input.summaries, metadata["classes"], params.units
)
starts = crop_starts(X.shape[-1], model.n_times, n_predictions(model, model.n_times))
crops = cut_windows(X, starts, model.n_times)
log.info("%d training crops of %d samples (%d per trial)", len(crops), model.n_times, len(starts))
corr, freqs = amplitude_perturbation_correlation(
    model,
    crops,
    params.sfreq,
    n_iterations=settings["n_iterations"],
    perturbation=settings["kind"],
    batch_size=settings["batch_size"],
    seed=settings["seed"],
    strip_log_softmax=True,
)
channels = metadata["ch_names"] if corr.shape[0] == len(metadata["ch_names"]) else ["all"]
arrays = dict(
    corr=corr,
    freqs=freqs,
    channels=np.array(channels),
    classes=np.array(metadata["classes"]),
    model=np.array(snakemake.wildcards.model),
    kind=np.array(settings["kind"]),
    n_iterations=np.array(settings["n_iterations"]),
)
save_arrays(snakemake.output.arrays, arrays)
with atomic_output(snakemake.output.table) as path:
    perturbation_table(arrays).to_csv(path, index=False)
