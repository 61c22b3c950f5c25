"""Topographies of the ICA components removed from one subject's recordings."""

import json

import mne

from eegvis.pipeline.logs import log_to_file
from eegvis.utils.io import save_figure
from eegvis.viz.ica import plot_excluded_components

log_to_file(snakemake.log[0])
record = json.loads(open(snakemake.input.labels).read())
ica = mne.preprocessing.read_ica(snakemake.input.ica)
figure = plot_excluded_components(ica, record, data=snakemake.params.data)
save_figure(figure, snakemake.output)
