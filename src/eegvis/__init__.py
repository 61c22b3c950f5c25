"""eegvis: ConvNet visualizations of EEG decoders (Schirrmeister et al. 2017).

The package holds the logic of the eegvis Snakemake workflow; every function
works on arrays, paths, torch modules or MNE objects, so it can be called from
a notebook as well as from the workflow's scripts.

- Data: :mod:`eegvis.download` (EEGBCI via MNE, checksums),
  :mod:`eegvis.synthetic` (demo data with a planted effect),
  :mod:`eegvis.epochs` (labelled epochs, band-passed trials).
- Model: :mod:`eegvis.models` (braindecode-0.4-equivalent Deep4Net, dense
  conversion, receptive fields), :mod:`eegvis.training` (cropped training),
  :mod:`eegvis.model_io`.
- Analyses: :mod:`eegvis.envelopes`, :mod:`eegvis.correlation`,
  :mod:`eegvis.envelope_activation` (paper Fig. 15/14),
  :mod:`eegvis.perturbation` (amplitude perturbation),
  :mod:`eegvis.gradients` (amplitude gradients).
- Inference: :mod:`eegvis.statistics` (one-sample tests across subjects),
  :mod:`eegvis.reliability` (split-half reliability),
  :mod:`eegvis.map_statistics` (every analysis's maps as test families).
- Output: :mod:`eegvis.results`, :mod:`eegvis.viz`, :mod:`eegvis.provenance`.
"""

__version__ = "0.1.0"
