"""Amplitude-perturbation maps of one network: per subject (its own crops) and pooled.

The pooled map is the seed-000 tutorial's: the training subjects' crops.
"""

from eegvis.analyses import perturbation_subjects
from eegvis.pipeline.jobs import network_maps, save_maps, start_job

log = start_job(snakemake)
settings = snakemake.params.perturbation
band = settings["bands"][0]
maps = network_maps(
    snakemake,
    perturbation_subjects,
    pooled="train",
    n_iterations=settings["n_iterations"],
    target_reliability=settings["target_reliability"],
    max_iterations=settings["max_iterations"],
    reliability_band=(band["low"], band["high"]),
    perturbation=settings["kind"],
    batch_size=settings["batch_size"],
    seed=settings["seed"],
)
log.info(
    "%d iterations; split-half reliability (Spearman-Brown, odd vs even iterations) %.3f",
    maps.attrs["n_iterations"],
    maps.attrs["iteration_reliability"][-1],
)
save_maps(snakemake, maps, "correlation")
