"""eegvis: ConvNet visualizations of EEG decoders (Schirrmeister et al. 2017).

The package holds the logic of the eegvis Snakemake workflow: data access
(:mod:`eegvis.download`, :mod:`eegvis.synthetic`), epoching
(:mod:`eegvis.epochs`) and configuration checks (:mod:`eegvis.config`). Every
function works on arrays, paths or MNE objects, so it can be called from a
notebook as well as from the workflow's scripts.
"""

__version__ = "0.1.0"
