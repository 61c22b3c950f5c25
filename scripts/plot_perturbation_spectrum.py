"""Channel × frequency maps of the perturbation correlation, trained and untrained."""

from eegvis.io import save_figure
from eegvis.logs import log_to_file
from eegvis.results import load_arrays
from eegvis.viz.perturbation import plot_perturbation_spectrum

log_to_file(snakemake.log[0])
figure = plot_perturbation_spectrum(
    [load_arrays(snakemake.input.trained), load_arrays(snakemake.input.untrained)],
    title=f"Amplitude-perturbation correlation per channel and frequency\n{snakemake.params.data}",
)
save_figure(figure, snakemake.output)
