"""Scalp maps of a band of the gradient or perturbation maps: every network and contrast."""

from eegvis.pipeline.jobs import read_tables
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import save_figure
from eegvis.viz.labels import ANALYSIS_TITLES
from eegvis.viz.spectral import plot_band_maps

log_to_file(snakemake.log[0])
params = snakemake.params
band = params.band
statistics, reliability = read_tables(snakemake, "statistics", "reliability")
figure = plot_band_maps(
    statistics,
    reliability,
    snakemake.wildcards.analysis,
    band,
    params.contrasts,
    list(dict.fromkeys(statistics["channel"].astype(str))),
    subjects=params.subjects,
    title=f"{ANALYSIS_TITLES[snakemake.wildcards.analysis]}, {band['name']} "
    f"{band['low']:g}–{band['high']:g} Hz\n{params.data}",
)
save_figure(figure, snakemake.output)
