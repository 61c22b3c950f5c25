"""Channel × frequency maps of the gradient or perturbation analysis, per network and class."""

from eegvis.maps import read_maps
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import save_figure
from eegvis.viz.labels import ANALYSIS_TITLES
from eegvis.viz.spectral import plot_spectrum

log_to_file(snakemake.log[0])
analysis = snakemake.wildcards.analysis
figure = plot_spectrum(
    [read_maps(path) for path in snakemake.input],
    analysis,
    title=f"{ANALYSIS_TITLES[analysis]} per channel and frequency (pooled crops)\n"
    f"{snakemake.params.data}",
)
save_figure(figure, snakemake.output)
