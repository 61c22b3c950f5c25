"""Train the dense Deep4Net with cropped decoding (real or within-subject shuffled labels).

The network trained on real labels also keeps its untrained initial weights.
"""

import hashlib
import json
from dataclasses import asdict

import torch

from eegvis.eegbci import CHANNELS
from eegvis.epochs import load_split
from eegvis.io import atomic_output, save_figure
from eegvis.logs import log_to_file
from eegvis.model_io import build_dense_deep4, save_model
from eegvis.training import TrainingSettings, fit_cropped, permute_labels_within
from eegvis.viz.training import plot_training_curves

log = log_to_file(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
params = snakemake.params
classes = list(params.classes)
X_train, y_train, train_subjects = load_split(
    snakemake.input.train, snakemake.input.train_summaries, classes, params.units
)
valid = load_split(snakemake.input.valid, snakemake.input.valid_summaries, classes, params.units)
settings = TrainingSettings(**params.training)
if params.shuffle_labels:
    y_train = permute_labels_within(y_train, train_subjects, settings.seed)
    log.info("Control: training labels permuted within each subject (seed %d)", settings.seed)
architecture = dict(
    n_chans=X_train.shape[1],
    n_classes=len(classes),
    input_time_length=params.model["input_time_length"],
    deep4=params.model["deep4"],
)
model = build_dense_deep4(**architecture, seed=settings.seed)
fingerprint = hashlib.sha256(
    json.dumps(
        [
            architecture,
            asdict(settings),
            params.shuffle_labels,
            snakemake.input.train,
            snakemake.input.valid,
        ]
    ).encode()
).hexdigest()
history, initial_state = fit_cropped(
    model,
    (X_train, y_train),
    valid[:2],
    architecture["input_time_length"],
    settings,
    checkpoint=params.checkpoint,
    fingerprint=fingerprint,
)
metadata = dict(
    classes=classes,
    units=params.units,
    ch_names=list(CHANNELS),
    training=asdict(settings),
    shuffled_labels=params.shuffle_labels,
)
if hasattr(snakemake.output, "untrained"):
    save_model(snakemake.output.untrained, initial_state, architecture, metadata)
save_model(snakemake.output.model, model.state_dict(), architecture, metadata)
with atomic_output(snakemake.output.history) as path:
    history.to_csv(path, index=False)
if hasattr(snakemake.output, "curves"):
    figure = plot_training_curves(
        history, title=f"Deep4Net, cropped decoding ({params.name})\n{params.data}"
    )
    save_figure(figure, [snakemake.output.curves])
log.info("Final validation misclassification: %.4f", history["valid_misclass"].iloc[-1])
