"""Amplitude-gradient maps of one network: per subject (its own crops) and pooled over all.

Also each subject's class difference of mean spectral amplitude, for the gradient attribution.
"""

from eegvis.analyses import gradient_subjects
from eegvis.pipeline.jobs import network_maps, save_maps, start_job

log = start_job(snakemake)
maps = network_maps(snakemake, gradient_subjects, batch_size=snakemake.params.batch_size)
save_maps(snakemake, maps, "gradient")
log.info(
    "Gradient maps of %d subjects (%d crops in all)",
    maps.sizes["subject"],
    int(maps["n_crops"].sum()),
)
