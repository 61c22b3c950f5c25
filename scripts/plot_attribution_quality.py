"""Figure of the methods' ground-truth scores: one panel per metric, networks as markers."""

import pandas as pd

from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import save_figure
from eegvis.viz.quality import plot_attribution_quality

log_to_file(snakemake.log[0])
figure = plot_attribution_quality(pd.read_csv(snakemake.input[0]), data=snakemake.params.data)
save_figure(figure, snakemake.output)
