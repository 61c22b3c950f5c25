"""Fig. 14 analogue: envelope-class correlation per band and class."""

from eegvis.pipeline.jobs import read_tables
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import save_figure
from eegvis.viz.envelopes import plot_envelope_class

log_to_file(snakemake.log[0])
params = snakemake.params
statistics, reliability = read_tables(snakemake, "statistics", "reliability")
figure = plot_envelope_class(
    statistics,
    reliability,
    params.bands,
    params.band_titles,
    list(statistics["channel"].unique()),
    subjects=params.subjects,
    title=f"Envelope–class correlation\n{params.data}",
)
save_figure(figure, snakemake.output)
