"""Heat maps of the artifact-reliance shares of one analysis, one panel per network."""

import pandas as pd

from eegvis.diagnostics.artifact_reliance import reliance_warnings
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import save_figure
from eegvis.viz.reliance import plot_reliance

log_to_file(snakemake.log[0])
analysis = snakemake.wildcards.reliance_analysis
table = pd.read_csv(snakemake.input[0])
warnings = reliance_warnings(table[table["analysis"] == analysis])
figure = plot_reliance(
    table,
    analysis,
    networks=snakemake.params.networks,
    warnings=warnings,
    title=f"Artifact reliance of the {analysis} (class contrast)\n{snakemake.params.data}",
)
save_figure(figure, snakemake.output)
