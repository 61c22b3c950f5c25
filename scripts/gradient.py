"""Amplitude-gradient maps of one network: per subject (its own crops) and pooled over all.

Also each subject's class difference of mean spectral amplitude, for the gradient attribution.
"""

import numpy as np
import torch

from eegvis.crops import cut_crops
from eegvis.devices import resolve_device
from eegvis.epochs import iter_subjects
from eegvis.gradients import amplitude_gradients, class_amplitude_difference
from eegvis.io import atomic_output
from eegvis.logs import log_to_file
from eegvis.model_io import load_model
from eegvis.models import n_predictions
from eegvis.results import save_arrays, spectral_table

log = log_to_file(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
params = snakemake.params
model, metadata = load_model(snakemake.input.model, resolve_device(params.device))
n_preds = n_predictions(model, model.n_times)
subjects, maps, differences, n_crops = [], [], [], []
for trials in iter_subjects(
    snakemake.input.epochs, snakemake.input.summaries, metadata["classes"], params.units
):
    crops = cut_crops(trials.X, model.n_times, n_preds)
    labels = np.repeat(trials.y, len(crops) // len(trials.y))  # cut_crops is trial-major
    gradient, freqs = amplitude_gradients(
        model, crops, params.sfreq, batch_size=params.batch_size, strip_log_softmax=True
    )
    subjects.append(trials.subject)
    maps.append(gradient)
    differences.append(class_amplitude_difference(crops, labels, len(metadata["classes"])))
    n_crops.append(len(crops))
    log.info("Subject %d: mean gradient over %d crops", trials.subject, len(crops))
subject_maps = np.stack(maps)
arrays = dict(
    maps=np.average(subject_maps, axis=0, weights=n_crops),
    subject_maps=subject_maps,
    subject_amplitude_differences=np.stack(differences),
    freqs=freqs,
    channels=np.array(metadata["ch_names"]),
    classes=np.array(metadata["classes"]),
    subjects=np.array(subjects),
    splits=np.array([params.splits[s] for s in subjects]),
    n_crops=np.array(n_crops),
    model=np.array(snakemake.wildcards.model),
)
save_arrays(snakemake.output.arrays, arrays)
with atomic_output(snakemake.output.table) as path:
    spectral_table(arrays, pooled="all", value_name="gradient").to_csv(path, index=False)
log.info("Gradient maps of %d subjects (%d crops in all)", len(subjects), sum(n_crops))
