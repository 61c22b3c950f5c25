"""Write down what the synthetic dataset holds (effect, artifacts, masks), for later checks."""

from eegvis.data.artifacts import Artifacts, planted_regions
from eegvis.data.synthetic import PLANTED_EFFECT
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import write_json

log_to_file(snakemake.log[0])
planted = snakemake.params.planted
artifacts = Artifacts(**snakemake.params.artifacts)
write_json(
    snakemake.output[0],
    {
        "planted": planted,
        **PLANTED_EFFECT.to_dict(),
        "artifacts": artifacts.describe(),
        "masks": planted_regions(artifacts, planted=planted),
    },
)
