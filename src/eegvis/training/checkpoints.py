"""Checkpoints of cropped training: what a resumed run needs, and which run it belongs to."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from eegvis.utils.io import atomic_output

if TYPE_CHECKING:
    from eegvis.training.cropped import TrainingSettings

logger = logging.getLogger(__name__)


@dataclass
class TrainingState:
    """Everything needed to resume training after an epoch."""

    epoch: int
    i_update: int
    history: list[dict]
    initial_state: dict
    model_state: dict
    optimizer_state: dict
    torch_rng: torch.Tensor
    numpy_rng: dict
    fingerprint: str


def save_checkpoint(path: Path, state: TrainingState) -> None:
    """Write ``state`` to ``path`` atomically (no partial checkpoint is ever left)."""
    with atomic_output(path) as tmp_path:
        torch.save(asdict(state), tmp_path)


def load_checkpoint(path: Path | None, fingerprint: str) -> TrainingState | None:
    """Return the checkpoint at ``path`` if it belongs to the run ``fingerprint``, else None."""
    if path is None or not path.exists():
        return None
    saved = torch.load(path, map_location="cpu", weights_only=False)
    if saved.get("fingerprint") != fingerprint:
        logger.warning("Ignoring checkpoint %s: it belongs to other data or settings", path)
        return None
    return TrainingState(**saved)


def checkpoint_fingerprint(
    architecture: Mapping[str, Any],
    settings: TrainingSettings,
    shuffle_labels: bool,
    train_paths: Sequence[str],
    valid_paths: Sequence[str],
    data: Sequence[np.ndarray] = (),
) -> str:
    """Return what identifies a training run, so a checkpoint of another run is never resumed.

    :func:`fit_cropped` resumes from a checkpoint only when its fingerprint
    equals this one: the same architecture, settings, label control, epoch
    files and the data in them (a rerun on changed recordings, e.g. other
    synthetic artifacts or ICA cleaning, writes epoch files of the same names).

    Parameters
    ----------
    architecture : mapping
        The model file's architecture.
    settings : TrainingSettings
        The training recipe.
    shuffle_labels : bool
        Whether the labels are permuted (the shuffled-label control).
    train_paths, valid_paths : sequence of str
        The epoch files of the training and validation subjects.
    data : sequence of numpy.ndarray
        The arrays trained and validated on (trials and labels); each enters
        as its dtype, shape and the SHA-256 of its bytes.

    Returns
    -------
    fingerprint : str
        SHA-256 of the JSON of all of these, in hex.
    """
    identity = [
        dict(architecture),
        asdict(settings),
        bool(shuffle_labels),
        [str(path) for path in train_paths],
        [str(path) for path in valid_paths],
        [_array_digest(array) for array in data],
    ]
    return hashlib.sha256(json.dumps(identity).encode()).hexdigest()


def _array_digest(array: np.ndarray) -> list:
    """Return an array's dtype, shape and the SHA-256 of its bytes (C order)."""
    array = np.ascontiguousarray(array)
    return [str(array.dtype), list(array.shape), hashlib.sha256(array.tobytes()).hexdigest()]
