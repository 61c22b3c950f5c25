"""Draw the network's initial weights: the untrained control, and where training starts."""

import mne

from eegvis.logs import log_to_file
from eegvis.model_io import build_network, save_model

log = log_to_file(snakemake.log[0])
params = snakemake.params
settings = params.model
channels = mne.io.read_info(snakemake.input[0], verbose="error").ch_names
if "class" in settings:  # a network trained elsewhere: the same class, freshly seeded
    architecture = dict(
        input_time_length=settings["input_time_length"],
        **{"class": settings["class"], "kwargs": settings["kwargs"]},
    )
else:
    architecture = dict(
        n_chans=len(channels),
        n_classes=len(params.classes),
        input_time_length=settings["input_time_length"],
        **{settings["architecture"]: settings[settings["architecture"]]},
    )
model = build_network(architecture, seed=params.seed)
metadata = dict(classes=list(params.classes), units=params.units, ch_names=list(channels))
save_model(snakemake.output[0], model.state_dict(), architecture, metadata)
log.info("Initial weights of %s (seed %d)", architecture, params.seed)
