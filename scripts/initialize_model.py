"""Draw the network's initial weights: the untrained control, and where training starts."""

import mne

from eegvis.models.io import architecture_from_config, build_network, save_model
from eegvis.pipeline.logs import log_to_file

log = log_to_file(snakemake.log[0])
params = snakemake.params
channels = mne.io.read_info(snakemake.input[0], verbose="error").ch_names
architecture = architecture_from_config(params.model, len(channels), len(params.classes))
model = build_network(architecture, seed=params.seed)
metadata = dict(classes=list(params.classes), units=params.units, ch_names=list(channels))
save_model(snakemake.output[0], model.state_dict(), architecture, metadata)
log.info("Initial weights of %s (seed %d)", architecture, params.seed)
