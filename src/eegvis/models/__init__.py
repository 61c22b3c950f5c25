"""The networks, their dense (cropped) form, their layers' geometry and their files.

- :mod:`~eegvis.models.deep4`, :mod:`~eegvis.models.shallow`: the paper's
  networks, layer for layer braindecode 0.4's (building blocks in
  :mod:`~eegvis.models.modules`, what both share in :mod:`~eegvis.models.base`).
- :mod:`~eegvis.models.dense`: dense prediction and the analytic time geometry.
- :mod:`~eegvis.models.layers`: layer outputs and probed receptive fields of any network.
- :mod:`~eegvis.models.crops`: crop starts and per-trial predictions.
- :mod:`~eegvis.models.inference`: the fast evaluation copy (batch norms folded).
- :mod:`~eegvis.models.io`: model files and building networks from the config.
"""

from eegvis.models.crops import crop_index, crop_starts, trial_predictions
from eegvis.models.deep4 import BLOCK_OUTPUTS, SEED_000_OPTIONS, Deep4Net
from eegvis.models.dense import (
    analytic_field,
    analytic_fields,
    output_lengths,
    output_strides,
    to_dense_prediction_model,
)
from eegvis.models.inference import attribution_copy, inference_copy
from eegvis.models.io import (
    ModelFileError,
    build_dense_network,
    build_network,
    load_architecture,
    load_model,
    save_model,
)
from eegvis.models.layers import (
    LayerGeometry,
    capture_outputs,
    default_layers,
    n_predictions,
    receptive_fields,
)
from eegvis.models.modules import Expression, TimeConv, fused_first_block
from eegvis.models.shallow import SHALLOW_OUTPUTS, ShallowFBCSPNet

__all__ = [
    "BLOCK_OUTPUTS",
    "SEED_000_OPTIONS",
    "SHALLOW_OUTPUTS",
    "Deep4Net",
    "Expression",
    "LayerGeometry",
    "ModelFileError",
    "ShallowFBCSPNet",
    "TimeConv",
    "analytic_field",
    "analytic_fields",
    "build_dense_network",
    "build_network",
    "capture_outputs",
    "crop_index",
    "crop_starts",
    "default_layers",
    "fused_first_block",
    "attribution_copy",
    "inference_copy",
    "load_architecture",
    "load_model",
    "n_predictions",
    "output_lengths",
    "output_strides",
    "receptive_fields",
    "save_model",
    "to_dense_prediction_model",
    "trial_predictions",
]
