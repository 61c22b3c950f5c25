"""braindecode 0.8.1's ``compute_amplitude_gradients`` on a saved eegvis model: a test oracle.

Run in a subprocess with ``PYTHONPATH`` set to the folder of the
``braindecode081_dir`` fixture, so that braindecode 0.8.1 shadows the venv's
0.4.85::

    python oracle_braindecode081.py MODEL INPUTS OUTPUT

MODEL is a file of :func:`eegvis.models.io.save_model` (loaded in eval mode);
INPUTS a ``torch.save`` of ``{"X": tensor, "batch_size": int}``. OUTPUT (``.npz``)
receives ``raw`` and ``stripped``, the gradients of the model as saved and with its
``softmax`` (LogSoftmax) replaced by the identity, each of shape (n_classes,
n_examples, n_chans, n_freqs), plus ``version`` and ``path`` of the braindecode used.
"""

from __future__ import annotations

import importlib.metadata
import sys

import numpy as np
import torch


def main(model_path: str, inputs_path: str, output_path: str) -> None:
    # braindecode 0.8.1 imports moabb.datasets.BNCI2014001 when MOABB is installed, a name
    # MOABB 1.7 no longer has; the oracle uses no dataset, so MOABB is hidden from it.
    sys.modules["moabb"] = None
    import braindecode
    from braindecode.visualization.gradients import compute_amplitude_gradients

    from eegvis.models.io import load_model

    version = importlib.metadata.version("braindecode")
    # braindecode 0.8.1's own braindecode/version.py says "0.8".
    if version != "0.8.1" or braindecode.__version__ != "0.8":
        sys.exit(f"expected braindecode 0.8.1, got {version} ({braindecode.__file__})")
    inputs = torch.load(inputs_path, weights_only=True)
    X = inputs["X"]
    # braindecode iterates over (X, y, crop indices) triples, as its WindowsDataset yields.
    dataset = torch.utils.data.TensorDataset(X, torch.zeros(len(X)), torch.zeros(len(X)))
    model, _ = load_model(model_path)
    raw = compute_amplitude_gradients(model, dataset, inputs["batch_size"])
    model.softmax = torch.nn.Identity()
    stripped = compute_amplitude_gradients(model, dataset, inputs["batch_size"])
    np.savez(output_path, raw=raw, stripped=stripped, version=version, path=braindecode.__file__)


if __name__ == "__main__":
    main(*sys.argv[1:])
