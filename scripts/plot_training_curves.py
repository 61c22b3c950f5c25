"""Loss and misclassification per training epoch, from the training history."""

import pandas as pd

from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import save_figure
from eegvis.viz.training import plot_training_curves

log_to_file(snakemake.log[0])
params = snakemake.params
figure = plot_training_curves(
    pd.read_csv(snakemake.input[0]),
    title=f"Deep4Net, cropped decoding ({params.name})\n{params.data}",
)
save_figure(figure, snakemake.output)
