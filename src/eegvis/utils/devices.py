"""Choosing the torch device: never hard-coded, CUDA when present."""

from __future__ import annotations

import torch


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """Return the torch device for a config value.

    Parameters
    ----------
    device : str | torch.device | None
        ``"auto"`` or ``None`` picks CUDA when available, else the CPU;
        anything else (``"cpu"``, ``"cuda"``, ``"cuda:1"``) is passed to
        :class:`torch.device`.

    Returns
    -------
    device : torch.device
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)
