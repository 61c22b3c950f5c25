"""Fig. 14 analogue: envelope-class correlation per band and class."""

from eegvis.io import save_figure
from eegvis.logs import log_to_file
from eegvis.results import load_arrays
from eegvis.viz.envelopes import plot_envelope_class

log_to_file(snakemake.log[0])
arrays = load_arrays(snakemake.input[0])
figure = plot_envelope_class(
    arrays["corr"],
    list(arrays["classes"]),
    snakemake.params.band_titles,
    list(arrays["channels"]),
    title=f"Envelope–class correlation\n{snakemake.params.data}",
)
save_figure(figure, snakemake.output)
