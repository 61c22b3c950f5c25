"""Write down the effect planted in the synthetic dataset (or that none was), for later checks."""

from eegvis.io import write_json
from eegvis.logs import log_to_file
from eegvis.synthetic import PLANTED_EFFECT

log_to_file(snakemake.log[0])
write_json(snakemake.output[0], {"planted": snakemake.params.planted, **PLANTED_EFFECT.to_dict()})
