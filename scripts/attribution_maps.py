"""Attribution maps of one method and network: per subject (its own crops) and pooled."""

from eegvis.analyses.attribution_maps import attribution_subjects
from eegvis.pipeline.jobs import network_maps, save_maps, start_job

log = start_job(snakemake)
method = snakemake.wildcards.method
options = snakemake.params.options
log.info("Method %s (%s)", method, options or "default options")
maps = network_maps(
    snakemake,
    attribution_subjects,
    method=method,
    batch_size=snakemake.params.batch_size,
    **options,
)
save_maps(snakemake, maps, method)
log.info(
    "%s maps of %d subjects (%d crops in all)",
    method,
    maps.sizes["subject"],
    int(maps["n_crops"].sum()),
)
