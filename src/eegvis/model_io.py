"""Saving and loading trained and untrained dense Deep4Nets."""

from __future__ import annotations

import io
import os
from typing import Any

import torch

from eegvis.io import atomic_output

#: Marks files written by :func:`save_model`.
FORMAT = "eegvis-dense-deep4net-1"


class ModelFileError(ValueError):
    """A model file cannot be used; the message names the file."""


def build_dense_deep4(
    n_chans: int,
    n_classes: int,
    input_time_length: int,
    deep4: dict[str, Any],
    seed: int | None = None,
) -> torch.nn.Module:
    """Build a freshly initialised Deep4Net and convert it to a dense model.

    Parameters
    ----------
    n_chans, n_classes : int
        Input channels and output classes.
    input_time_length : int
        Crop length in samples.
    deep4 : dict
        Further options of :class:`eegvis.models.Deep4Net`.
    seed : int | None
        Seed of the initial weights: the same weights as braindecode 0.4 drew
        after ``torch.manual_seed(seed)``, without touching torch's global
        generator. ``None`` draws from the global generator.

    Returns
    -------
    model : torch.nn.Module
        The dense model, on the CPU, in training mode.
    """
    from eegvis.models import Deep4Net, to_dense_prediction_model

    model = Deep4Net(n_chans, n_classes, input_time_length, **deep4, random_state=seed)
    return to_dense_prediction_model(model)


def save_model(
    path: str | os.PathLike, state_dict: dict, architecture: dict, metadata: dict
) -> None:
    """Write a model's weights with what is needed to rebuild it, atomically.

    Equal weights, architecture and metadata give byte-identical files, whatever
    ``path`` is.

    Parameters
    ----------
    path : path-like
        Output file (``.pt``).
    state_dict : dict
        The weights.
    architecture : dict
        Arguments of :func:`build_dense_deep4` except ``seed``.
    metadata : dict
        Anything else worth keeping (channel names, classes, sampling rate,
        units, training settings).
    """
    payload = {
        "format": FORMAT,
        "architecture": architecture,
        "metadata": metadata,
        "state_dict": {k: v.detach().cpu() for k, v in state_dict.items()},
    }
    # torch.save names the archive's records after the file it writes to; a buffer
    # gives them one fixed name, so equal models make byte-identical files.
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    with atomic_output(path) as tmp_path:
        tmp_path.write_bytes(buffer.getvalue())


def load_model(
    path: str | os.PathLike, device: str | torch.device = "cpu"
) -> tuple[torch.nn.Module, dict]:
    """Rebuild a model written by :func:`save_model`, in eval mode.

    Parameters
    ----------
    path : path-like
        The model file.
    device : str | torch.device
        Where to put the model.

    Returns
    -------
    model : torch.nn.Module
        The dense Deep4Net with the saved weights.
    metadata : dict
        The saved metadata.

    Raises
    ------
    ModelFileError
        If the file is not an eegvis model or its weights do not fit the
        architecture it declares.
    """
    payload = _read(path)
    model = build_dense_deep4(**payload["architecture"])
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as error:
        raise ModelFileError(
            f"{path}: weights do not fit the architecture {payload['architecture']}: {error}"
        ) from error
    return model.to(device).eval(), payload["metadata"]


def load_architecture(path: str | os.PathLike) -> dict:
    """Return the architecture of a model written by :func:`save_model`.

    Parameters
    ----------
    path : path-like
        The model file.

    Returns
    -------
    architecture : dict
        Arguments of :func:`build_dense_deep4` except ``seed``.

    Raises
    ------
    ModelFileError
        If the file is not an eegvis model.
    """
    return _read(path)["architecture"]


def _read(path: str | os.PathLike) -> dict:
    """Return the contents of a model file, checked to be one of :func:`save_model`."""
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise ModelFileError(f"{path}: not a readable model file ({error}).") from error
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not an eegvis model file (expected format {FORMAT}).")
    return payload
