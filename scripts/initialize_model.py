"""Draw the Deep4Net's initial weights: the untrained control, and where training starts."""

from eegvis.eegbci import CHANNELS
from eegvis.logs import log_to_file
from eegvis.model_io import build_dense_deep4, save_model

log = log_to_file(snakemake.log[0])
params = snakemake.params
architecture = dict(
    n_chans=len(CHANNELS),
    n_classes=len(params.classes),
    input_time_length=params.model["input_time_length"],
    deep4=params.model["deep4"],
)
model = build_dense_deep4(**architecture, seed=params.seed)
metadata = dict(
    classes=list(params.classes),
    units=params.units,
    ch_names=list(CHANNELS),
)
save_model(snakemake.output[0], model.state_dict(), architecture, metadata)
log.info("Initial weights of %s (seed %d)", architecture, params.seed)
