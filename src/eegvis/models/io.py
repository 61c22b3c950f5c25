"""Saving and loading the workflow's networks: its dense Deep4Net, or any class.

A model file holds the weights and the *architecture*, what rebuilds the
network: the arguments of :func:`build_dense_network`, or, for a network defined
elsewhere, ``{"class": "package.module:Class", "kwargs": {...},
"input_time_length": n}`` (:func:`build_network`).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
from collections.abc import Mapping
from typing import Any

import torch

from eegvis.utils.io import atomic_output

#: Marks files written by :func:`save_model`.
FORMAT = "eegvis-dense-deep4net-1"


class ModelFileError(ValueError):
    """A model file cannot be used; the message names the file."""


def build_dense_network(
    n_chans: int,
    n_classes: int,
    input_time_length: int,
    deep4: dict[str, Any] | None = None,
    shallow: dict[str, Any] | None = None,
    seed: int | None = None,
) -> torch.nn.Module:
    """Build a freshly initialised Deep4Net or ShallowFBCSPNet, converted to a dense model.

    Parameters
    ----------
    n_chans, n_classes : int
        Input channels and output classes.
    input_time_length : int
        Crop length in samples.
    deep4 : dict | None
        Options of :class:`eegvis.models.Deep4Net`: build that network.
    shallow : dict | None
        Options of :class:`eegvis.models.ShallowFBCSPNet`: build that one instead.
    seed : int | None
        Seed of the initial weights: the same weights as braindecode 0.4 drew
        after ``torch.manual_seed(seed)``, without touching torch's global
        generator. ``None`` draws from the global generator.

    Returns
    -------
    model : torch.nn.Module
        The dense model, on the CPU, in training mode.
    """
    from eegvis.models.deep4 import Deep4Net
    from eegvis.models.dense import to_dense_prediction_model
    from eegvis.models.shallow import ShallowFBCSPNet

    if (deep4 is None) == (shallow is None):
        raise ValueError("give the options of exactly one network: deep4 or shallow")
    network, options = (Deep4Net, deep4) if shallow is None else (ShallowFBCSPNet, shallow)
    model = network(n_chans, n_classes, input_time_length, **options, random_state=seed)
    return to_dense_prediction_model(model)


def import_class(path: str) -> type[torch.nn.Module]:
    """Import a network class named ``"package.module:Class"``.

    Parameters
    ----------
    path : str
        Module and class, separated by a colon (the config's ``model.class``).

    Returns
    -------
    cls : type
        A subclass of ``torch.nn.Module``.

    Raises
    ------
    ModelFileError
        If the name is malformed, the module or class cannot be imported, or
        the class is not a ``torch.nn.Module``; the message names ``model.class``.
    """
    module_name, _, class_name = path.partition(":")
    if not module_name or not class_name:
        raise ModelFileError(f"model.class: expected 'package.module:Class', got {path!r}.")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as error:
        raise ModelFileError(f"model.class: cannot import {path!r} ({error}).") from error
    if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)):
        raise ModelFileError(f"model.class: {path!r} is not a torch.nn.Module subclass.")
    return cls


def architecture_from_config(
    model: Mapping[str, Any], n_chans: int, n_classes: int
) -> dict[str, Any]:
    """Return the architecture a model file records, from the config's ``model`` section.

    Parameters
    ----------
    model : mapping
        The config's ``model`` section: ``architecture`` (``deep4`` or
        ``shallow``) with that network's options, or ``class`` and ``kwargs``
        of a network trained elsewhere (the same class, freshly seeded, is the
        untrained control); ``input_time_length`` in both cases.
    n_chans, n_classes : int
        Channels of the epochs and classes of the config (eegvis's networks only).

    Returns
    -------
    architecture : dict
        The arguments of :func:`build_network`.
    """
    if "class" in model:
        return {
            "input_time_length": model["input_time_length"],
            "class": model["class"],
            "kwargs": model["kwargs"],
        }
    name = model["architecture"]
    return {
        "n_chans": n_chans,
        "n_classes": n_classes,
        "input_time_length": model["input_time_length"],
        name: model[name],
    }


def build_network(architecture: dict[str, Any], seed: int | None = None) -> torch.nn.Module:
    """Build a freshly initialised network from a model file's architecture.

    Parameters
    ----------
    architecture : dict
        Arguments of :func:`build_dense_network`, or ``class`` (see
        :func:`import_class`) and its ``kwargs``.
    seed : int | None
        Seed of the initial weights, drawn without touching torch's global
        generator; ``None`` draws from the global generator.

    Returns
    -------
    model : torch.nn.Module
        On the CPU, in training mode.
    """
    if "class" not in architecture:
        return build_dense_network(**architecture, seed=seed)
    cls = import_class(architecture["class"])
    fork = torch.random.fork_rng(devices=[]) if seed is not None else contextlib.nullcontext()
    with fork:
        if seed is not None:
            torch.manual_seed(seed)
        return cls(**architecture.get("kwargs", {}))


def read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Read the weights of a network trained elsewhere (the config's ``model.checkpoint``).

    Parameters
    ----------
    path : path-like
        A ``torch.save`` of a ``state_dict``, or of a dict holding one under
        ``"state_dict"`` or ``"model_state_dict"``.

    Returns
    -------
    state_dict : dict of str to Tensor

    Raises
    ------
    ModelFileError
        If the file cannot be read or holds no state dict; the message names it.
    """
    try:
        content = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise ModelFileError(
            f"model.checkpoint {path}: not a readable state dict ({error})."
        ) from error
    for key in ("state_dict", "model_state_dict"):
        if isinstance(content, dict) and isinstance(content.get(key), dict):
            content = content[key]
    if not isinstance(content, dict) or not all(
        isinstance(v, torch.Tensor) for v in content.values()
    ):
        raise ModelFileError(f"model.checkpoint {path}: holds no state dict of tensors.")
    return content


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
        What :func:`build_network` rebuilds the network from.
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
        The network with the saved weights.
    metadata : dict
        The saved metadata, with ``input_time_length`` (the network's input
        window in samples) from the architecture.

    Raises
    ------
    ModelFileError
        If the file is not an eegvis model or its weights do not fit the
        architecture it declares.
    """
    payload = _read(path)
    model = build_network(payload["architecture"])
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as error:
        raise ModelFileError(
            f"{path}: weights do not fit the architecture {payload['architecture']}: {error}"
        ) from error
    metadata = {
        **payload["metadata"],
        "input_time_length": payload["architecture"]["input_time_length"],
    }
    return model.to(device).eval(), metadata


def load_architecture(path: str | os.PathLike) -> dict:
    """Return the architecture of a model written by :func:`save_model`.

    Parameters
    ----------
    path : path-like
        The model file.

    Returns
    -------
    architecture : dict
        What :func:`build_network` rebuilds the network from.

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
