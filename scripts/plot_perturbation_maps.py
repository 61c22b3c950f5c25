"""Scalp maps of the band-mean perturbation correlation, trained beside untrained."""

from eegvis.io import save_figure
from eegvis.logs import log_to_file
from eegvis.results import load_arrays
from eegvis.viz.perturbation import plot_perturbation_maps

log_to_file(snakemake.log[0])
band = snakemake.params.band
figure = plot_perturbation_maps(
    [load_arrays(snakemake.input.trained), load_arrays(snakemake.input.untrained)],
    band["low"],
    band["high"],
    title=f"Amplitude-perturbation correlation, {band['name']} {band['low']:g}–{band['high']:g} Hz"
    f"\n{snakemake.params.data}",
)
save_figure(figure, snakemake.output)
