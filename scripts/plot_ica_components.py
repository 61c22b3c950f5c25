"""Topographies of the ICA components removed from one subject's recordings."""

import json

import mne

from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import save_figure
from eegvis.viz.ica import plot_excluded_components

log_to_file(snakemake.log[0])
record = json.loads(open(snakemake.input.labels).read())
figure = plot_excluded_components(mne.preprocessing.read_ica(snakemake.input.ica), record)
figure.text(0.01, 0.01, snakemake.params.data, fontsize="small")
save_figure(figure, snakemake.output)
