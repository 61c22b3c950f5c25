"""Record the config, software, seeds, machine and output digests of this run."""

from eegvis.pipeline.logs import log_to_file
from eegvis.pipeline.provenance import collect_provenance, write_provenance

log = log_to_file(snakemake.log[0])
provenance = collect_provenance(
    snakemake.params.config, snakemake.params.workflow_dir, outputs=snakemake.input
)
write_provenance(snakemake.output[0], provenance)
log.info(
    "Provenance of %d outputs; git commit %s; seeds %s",
    len(provenance["outputs"]),
    provenance["git"]["commit"],
    provenance["seeds"],
)
