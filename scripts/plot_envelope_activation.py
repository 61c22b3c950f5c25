"""Fig. 15 analogue: trained − untrained envelope-unit correlation per band and layer."""

from eegvis.io import save_figure
from eegvis.logs import log_to_file
from eegvis.results import load_arrays, trained_minus_untrained
from eegvis.viz.envelopes import plot_envelope_activation

log_to_file(snakemake.log[0])
trained = load_arrays(snakemake.input.trained)
untrained = load_arrays(snakemake.input.untrained)
classes = load_arrays(snakemake.input.classes)
figure = plot_envelope_activation(
    trained_minus_untrained(trained, untrained),
    classes["corr"],
    list(trained["layers"]),
    snakemake.params.band_titles,
    list(trained["channels"]),
    title=f"Envelope–activation correlation, trained − untrained Deep4Net\n{snakemake.params.data}",
)
save_figure(figure, snakemake.output)
