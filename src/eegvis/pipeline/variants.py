"""Artifact-control variants of one analysis: configs derived from it by overrides.

A config's ``variants`` key maps a variant name to overrides of the config
(``{"ica": {"preprocessing": {"ica": {}}}, "sensorimotor": {"dataset":
{"channels": "sensorimotor"}}}``). The workflow loads itself once more per
variant as a Snakemake module with :func:`variant_configs`'s config, so the
variant's jobs are ordinary jobs of the same DAG: one command runs them all,
and a job they share with the analysis (the recordings, written to the
analysis's ``dataset.recordings_dir``) runs once.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

#: Keys a variant cannot override: its name is derived, and variants do not nest.
FIXED_KEYS = ("name", "variants")


def deep_merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``overrides`` merged in, mapping by mapping.

    Parameters
    ----------
    base, overrides : mapping
        Nested configs; a mapping in ``overrides`` merges into the mapping of
        ``base`` under the same key, any other value (lists included) replaces it.

    Returns
    -------
    merged : dict
        A new config; neither argument is changed.
    """
    merged = copy.deepcopy(dict(base))
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def variant_name(name: str, variant: str) -> str:
    """Return the ``name`` of a variant's config: outputs go to ``results/<name>-<variant>/``."""
    return f"{name}-{variant}"


def variant_configs(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the config of every variant of ``config``.

    Parameters
    ----------
    config : mapping
        A validated workflow config (defaults filled in), with ``variants``.

    Returns
    -------
    configs : dict of str to dict
        Variant name to its config: ``config`` without ``variants``, the
        variant's overrides merged in (:func:`deep_merge`), ``name`` from
        :func:`variant_name` and the recordings shared with ``config``
        (``dataset.recordings_dir``).

    Raises
    ------
    ValueError
        If a variant overrides ``name`` or ``variants`` or the recordings'
        source or folder (the variants analyse the same recordings).
    """
    base = {key: value for key, value in config.items() if key != "variants"}
    configs = {}
    for variant, overrides in config.get("variants", {}).items():
        fixed = [key for key in FIXED_KEYS if key in overrides]
        dataset = overrides.get("dataset", {})
        fixed += [f"dataset.{key}" for key in ("source", "recordings_dir") if key in dataset]
        if fixed:
            raise ValueError(
                f"config key variants.{variant}: a variant cannot set {', '.join(fixed)} "
                "(it analyses the same recordings under its own name)"
            )
        merged = deep_merge(base, overrides)
        merged["name"] = variant_name(config["name"], variant)
        configs[variant] = merged
    return configs
