"""Adebayo's figure: each method's similarity to its map as layers are randomised."""

import pandas as pd

from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import save_figure
from eegvis.viz.sanity import plot_cascading

log_to_file(snakemake.log[0])
table = pd.read_csv(snakemake.input.cascading).drop(columns="network")
flags = pd.read_csv(snakemake.input.flags)
save_figure(plot_cascading(table, flags=flags, data=snakemake.params.data), snakemake.output)
