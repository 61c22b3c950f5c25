"""Compare the analysis with its artifact-control variants: one table and one figure."""

import pandas as pd

from eegvis.diagnostics.artifact_reliance import FREQUENCY_RANGES
from eegvis.diagnostics.regions import REGIONS
from eegvis.pipeline.comparison import compare_variants
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import atomic_output, save_figure
from eegvis.viz.comparison import plot_variant_comparison

log = log_to_file(snakemake.log[0])
params, files = snakemake.params, snakemake.input


def read(kind, variant):
    """One compared table of one variant."""
    return pd.read_csv(files[f"{kind}_{variant}"])


histories = {}
if "history" in params.kinds:  # a network trained elsewhere has no history
    for variant in params.variants:
        history = read("history", variant)
        # Its first row evaluates the initial weights: the untrained network.
        histories[variant] = {"trained": history, "untrained": history.iloc[:1]}
table = compare_variants(
    {variant: read("reliance", variant) for variant in params.variants},
    {
        variant: {analysis: read(analysis, variant) for analysis in ("gradient", "attribution")}
        for variant in params.variants
    },
    {variant: read("epochs", variant) for variant in params.variants},
    histories,
)
log.info("Artifact control:\n%s", table.to_string(index=False))
with atomic_output(snakemake.output.table) as path:
    table.to_csv(path, index=False)
figure = plot_variant_comparison(
    table,
    list(REGIONS),
    list(FREQUENCY_RANGES),
    title=f"Artifact control: {', '.join(params.variants)}\n{params.data}",
)
save_figure(figure, [snakemake.output.figure])
