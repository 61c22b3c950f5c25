"""Fig. 15 analogue: trained − control envelope-unit correlation per band and layer."""

from eegvis.pipeline.jobs import read_tables
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import save_figure
from eegvis.viz.envelopes import plot_envelope_activation

log_to_file(snakemake.log[0])
params = snakemake.params
activation, classes, reliability = read_tables(snakemake, "activation", "classes", "reliability")
figure = plot_envelope_activation(
    activation,
    classes,
    reliability,
    list(activation["layer"].unique()),
    params.bands,
    params.band_titles,
    list(activation["channel"].unique()),
    contrast=params.contrast,
    unit_summary=params.unit_summary,
    subjects=params.subjects,
    title=f"Envelope–activation correlation, {params.contrast.replace('-', ' − ')} Deep4Net\n"
    f"{params.data}",
)
save_figure(figure, snakemake.output)
