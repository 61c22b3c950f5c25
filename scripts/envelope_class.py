"""Correlate band envelopes (over the classifier's receptive field) with the class labels."""

import numpy as np

from eegvis.envelope_activation import correlate_classes
from eegvis.epochs import load_epochs, to_arrays, usable_subjects
from eegvis.io import atomic_output
from eegvis.logs import log_to_file
from eegvis.model_io import load_model
from eegvis.models import receptive_fields
from eegvis.results import envelope_class_table, save_arrays

log = log_to_file(snakemake.log[0])
params = snakemake.params
model, metadata = load_model(snakemake.input.model)
classifier_rf = receptive_fields(model)["conv_classifier"]
keep = usable_subjects(snakemake.input.summaries)


def subjects():
    for index in keep:
        _, y = to_arrays(load_epochs(snakemake.input.epochs[index]), metadata["classes"])
        yield np.load(snakemake.input.bandpassed[index]), y


pooled, per_subject = correlate_classes(
    subjects(), len(metadata["classes"]), model.n_times, classifier_rf
)
arrays = dict(
    corr=pooled,
    subject_corr=per_subject,
    channels=np.array(metadata["ch_names"]),
    bands=np.array(params.bands),
    classes=np.array(metadata["classes"]),
    subjects=np.array([params.subjects[i] for i in keep]),
    splits=np.array([params.splits[params.subjects[i]] for i in keep]),
    receptive_field=np.array(classifier_rf),
)
save_arrays(snakemake.output.arrays, arrays)
with atomic_output(snakemake.output.table) as path:
    envelope_class_table(arrays).to_csv(path, index=False)
log.info(
    "Envelope-class correlations over %d subjects (receptive field %d)", len(keep), classifier_rf
)
