"""eegvis: ConvNet visualizations of EEG decoders (Schirrmeister et al. 2017).

The analyses take any PyTorch EEG network and ``mne.Epochs`` and return
labelled per-subject maps (:class:`xarray.Dataset`, see :mod:`eegvis.maps`)::

    import eegvis
    maps = eegvis.gradient_maps(model, epochs)
    mu = maps.eegvis.band_means({"mu": (7, 14)})
    mu.eegvis.plot(mask=mu.eegvis.test()["significant"])

- Analyses (:mod:`eegvis.analyses`): :func:`envelope_activation_maps` (paper
  Fig. 15), :func:`envelope_class_maps` (Fig. 14), :func:`gradient_maps`,
  :func:`perturbation_maps`; :func:`receptive_fields` probes any layer's
  receptive field, stride and offset (:mod:`eegvis.layers`).
- Results: :func:`read_maps` and the ``.eegvis`` accessor (table, netCDF,
  band means, cross-subject tests, scalp maps).
- Inference: :func:`one_sample_test` (sign-flip tmax, cluster or FDR across
  subjects), :func:`split_half` (reliability).
- Workflow building blocks: :mod:`eegvis.download`, :mod:`eegvis.synthetic`,
  :mod:`eegvis.recordings`, :mod:`eegvis.epochs`, :mod:`eegvis.bandpassing`,
  :mod:`eegvis.summaries`, :mod:`eegvis.montage`, :mod:`eegvis.models` (braindecode-0.4-equivalent
  Deep4Net), :mod:`eegvis.training`, :mod:`eegvis.map_statistics`,
  :mod:`eegvis.viz`, :mod:`eegvis.provenance`.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Loaded on first use (as MNE does), so that importing one submodule, e.g. in a
# workflow job that only downloads data, does not import torch and xarray.
_PUBLIC = {
    "envelope_activation_maps": "eegvis.analyses",
    "envelope_class_maps": "eegvis.analyses",
    "gradient_maps": "eegvis.analyses",
    "perturbation_maps": "eegvis.analyses",
    "receptive_fields": "eegvis.layers",
    "read_maps": "eegvis.maps",
    "split_half": "eegvis.reliability",
    "one_sample_test": "eegvis.statistics",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """Import a public function from its module on first access."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'eegvis' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
