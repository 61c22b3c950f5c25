"""Train the dense Deep4Net with cropped decoding (real or within-subject shuffled labels).

Training starts from the initial weights of the untrained control network.
"""

from dataclasses import asdict

from eegvis.data.epochs import load_split
from eegvis.models.io import load_architecture, load_model, save_model
from eegvis.pipeline.jobs import start_job
from eegvis.training import (
    TrainingSettings,
    checkpoint_fingerprint,
    fit_cropped,
    permute_labels_within,
)
from eegvis.utils.io import atomic_output

log = start_job(snakemake)
params = snakemake.params
model, metadata = load_model(snakemake.input.initial)
architecture = load_architecture(snakemake.input.initial)
classes, units = metadata["classes"], metadata["units"]
X_train, y_train, train_subjects = load_split(
    snakemake.input.train, snakemake.input.train_summaries, classes, units
)
valid = load_split(snakemake.input.valid, snakemake.input.valid_summaries, classes, units)
settings = TrainingSettings(**params.training)
if params.shuffle_labels:
    y_train = permute_labels_within(y_train, train_subjects, settings.seed)
    log.info("Control: training labels permuted within each subject (seed %d)", settings.seed)
fingerprint = checkpoint_fingerprint(
    architecture,
    settings,
    params.shuffle_labels,
    snakemake.input.train,
    snakemake.input.valid,
    data=(X_train, y_train, *valid[:2]),
)
history, _ = fit_cropped(
    model,
    (X_train, y_train),
    valid[:2],
    architecture["input_time_length"],
    settings,
    checkpoint=params.checkpoint,
    fingerprint=fingerprint,
)
metadata.update(training=asdict(settings), shuffled_labels=params.shuffle_labels)
save_model(snakemake.output.model, model.state_dict(), architecture, metadata)
with atomic_output(snakemake.output.history) as path:
    history.to_csv(path, index=False)
log.info("Final validation misclassification: %.4f", history["valid_misclass"].iloc[-1])
