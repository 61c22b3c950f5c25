"""Take the weights of a network trained elsewhere (model.class, model.checkpoint)."""

from eegvis.models.io import (
    ModelFileError,
    load_architecture,
    load_model,
    read_state_dict,
    save_model,
)
from eegvis.pipeline.logs import log_to_file

log = log_to_file(snakemake.log[0])
model, metadata = load_model(snakemake.input.initial)
architecture = load_architecture(snakemake.input.initial)
state_dict = read_state_dict(snakemake.input.checkpoint)
try:
    model.load_state_dict(state_dict)
except RuntimeError as error:
    raise ModelFileError(
        f"model.checkpoint {snakemake.input.checkpoint}: weights do not fit "
        f"{architecture['class']}({architecture['kwargs']}): {error}"
    ) from error
metadata = {key: value for key, value in metadata.items() if key != "input_time_length"}
save_model(
    snakemake.output[0], model.state_dict(), architecture, {**metadata, "trained": "imported"}
)
log.info("Imported the weights of %s from %s", architecture["class"], snakemake.input.checkpoint)
