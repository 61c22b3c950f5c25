"""eegvis: ConvNet visualizations of EEG decoders (Schirrmeister et al. 2017).

The analyses take any PyTorch EEG network and ``mne.Epochs`` and return
labelled per-subject maps (:class:`xarray.Dataset`, see :mod:`eegvis.maps`)::

    import eegvis
    maps = eegvis.gradient_maps(model, epochs)
    mu = maps.eegvis.band_means({"mu": (7, 14)})
    mu.eegvis.plot(mask=mu.eegvis.test()["significant"])

The subpackages, in the order data flows through them:

- :mod:`eegvis.data`: downloads, recordings, synthetic data, epochs, band-passing.
- :mod:`eegvis.models`: the paper's networks, dense prediction, layers and
  receptive fields (:func:`receptive_fields` probes any network), model files.
- :mod:`eegvis.training`: cropped training.
- :mod:`eegvis.analyses`: :func:`envelope_activation_maps` (paper Fig. 15),
  :func:`envelope_class_maps` (Fig. 14), :func:`gradient_maps`,
  :func:`perturbation_maps`, :func:`attribution_maps` (Captum, LRP and Haufe
  methods on the same footing), and their engines.
- :mod:`eegvis.maps`: the labelled result type, :func:`read_maps` and the
  ``.eegvis`` accessor (table, netCDF, band means, cross-subject tests, scalp maps).
- :mod:`eegvis.stats`: :func:`one_sample_test` (sign-flip tmax, cluster or FDR
  across subjects), :func:`split_half` (reliability), test families.
- :mod:`eegvis.viz`: figures.
- :mod:`eegvis.pipeline`: what only the workflow uses (config checks, logs, provenance).
- :mod:`eegvis.utils`: atomic file output, devices, shared parameter docs.

Every subpackage lists its public names (``__all__``) and loads them on first use
(as MNE-Python does), so importing one name does not import the whole package.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Loaded on first use (as MNE does), so that importing one submodule, e.g. in a
# workflow job that only downloads data, does not import torch and xarray.
_PUBLIC = {
    "envelope_activation_maps": "eegvis.analyses.envelope_maps",
    "envelope_class_maps": "eegvis.analyses.envelope_maps",
    "attribution_maps": "eegvis.analyses.attribution_maps",
    "gradient_maps": "eegvis.analyses.spectral_maps",
    "perturbation_maps": "eegvis.analyses.spectral_maps",
    "receptive_fields": "eegvis.models.layers",
    "read_maps": "eegvis.maps",
    "split_half": "eegvis.stats.reliability",
    "one_sample_test": "eegvis.stats.one_sample",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """Import a public function from its module on first access."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'eegvis' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
