"""Write down the effect planted in the synthetic dataset (or that none was), for later checks."""

from eegvis.data.synthetic import PLANTED_EFFECT
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import write_json

log_to_file(snakemake.log[0])
write_json(snakemake.output[0], {"planted": snakemake.params.planted, **PLANTED_EFFECT.to_dict()})
