"""Result files: labelled arrays (``.npz``) and tidy tables of them."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from eegvis.io import atomic_output


def save_arrays(path: str | os.PathLike, arrays: Mapping[str, np.ndarray]) -> None:
    """Write named arrays (data and their labels) to ``path`` (``.npz``), atomically."""
    with atomic_output(path) as tmp_path:
        with open(tmp_path, "wb") as stream:
            np.savez(stream, **{name: np.asarray(value) for name, value in arrays.items()})


def load_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read all arrays written by :func:`save_arrays`."""
    with np.load(path) as data:
        return {name: data[name] for name in data.files}


def envelope_activation_arrays(
    pooled: Mapping[str, np.ndarray],
    per_subject: Mapping[str, np.ndarray],
    model: str,
    channels: Sequence[str],
    bands: Sequence[str],
    subjects: Sequence[int],
) -> dict[str, np.ndarray]:
    """Label envelope-activation correlations for :func:`save_arrays`.

    Returns
    -------
    arrays : dict
        ``corr/<layer>`` (n_chans, n_bands, n_units), ``subject_corr/<layer>``
        (n_subjects, n_chans, n_bands, n_units), and the labels ``layers``,
        ``channels``, ``bands``, ``subjects``, ``model``.
    """
    arrays: dict[str, np.ndarray] = {
        "model": np.array(model),
        "layers": np.array(list(pooled)),
        "channels": np.array(channels),
        "bands": np.array(bands),
        "subjects": np.array(subjects),
    }
    for layer in pooled:
        arrays[f"corr/{layer}"] = pooled[layer]
        arrays[f"subject_corr/{layer}"] = per_subject[layer]
    return arrays


def envelope_activation_table(files: Sequence[Mapping[str, np.ndarray]]) -> pd.DataFrame:
    """Tidy table of mean-over-units correlations, one row per model/layer/band/channel.

    Parameters
    ----------
    files : sequence of mapping
        Arrays as from :func:`envelope_activation_arrays` (one per model).

    Returns
    -------
    table : pandas.DataFrame
        Columns ``model``, ``layer``, ``band``, ``channel``, ``correlation``
        (mean over the layer's units, NaN units ignored), ``n_units``.
    """
    frames = []
    for arrays in files:
        for layer in arrays["layers"]:
            corr = arrays[f"corr/{layer}"]
            mean = np.nanmean(corr, axis=-1) if np.isfinite(corr).any() else corr.mean(axis=-1)
            table = tidy_table(mean, {"channel": arrays["channels"], "band": arrays["bands"]})
            table.insert(0, "layer", str(layer))
            table.insert(0, "model", str(arrays["model"]))
            table["n_units"] = corr.shape[-1]
            frames.append(table[["model", "layer", "band", "channel", "correlation", "n_units"]])
    return pd.concat(frames, ignore_index=True)


def tidy_table(
    values: np.ndarray, axes: Mapping[str, Sequence], value_name: str = "correlation"
) -> pd.DataFrame:
    """One row per element of ``values``, with a column per labelled axis.

    Parameters
    ----------
    values : ndarray
        Array whose axes are labelled by ``axes``, in order.
    axes : mapping of str to sequence
        Column name and labels of each axis of ``values``.
    value_name : str
        Name of the value column.

    Returns
    -------
    table : pandas.DataFrame
    """
    grids = np.meshgrid(*(np.asarray(labels) for labels in axes.values()), indexing="ij")
    columns = {name: grid.ravel() for name, grid in zip(axes, grids, strict=True)}
    return pd.DataFrame({**columns, value_name: np.asarray(values).ravel()})


def envelope_class_table(arrays: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Tidy table of envelope-class correlations: ``band, channel, class, correlation``."""
    axes = {"channel": arrays["channels"], "band": arrays["bands"], "class": arrays["classes"]}
    table = tidy_table(arrays["corr"], axes)
    return table[["band", "channel", "class", "correlation"]]


def spectral_table(arrays: Mapping[str, np.ndarray], pooled: str, value_name: str) -> pd.DataFrame:
    """Tidy table of a gradient or perturbation result: pooled map and each subject's.

    Parameters
    ----------
    arrays : mapping
        ``maps`` (n_chans, n_freqs, n_classes), ``subject_maps`` (n_subjects,
        n_chans, n_freqs, n_classes) and their labels ``subjects``,
        ``channels``, ``freqs``, ``classes``.
    pooled : str
        Value of the ``subject`` column for the pooled map, e.g. ``"all"``.
    value_name : str
        Name of the value column, e.g. ``"gradient"``.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``subject``, ``channel``, ``frequency``, ``class`` and ``value_name``;
        the pooled rows first, then subject by subject.
    """
    axes = {"channel": arrays["channels"], "frequency": arrays["freqs"], "class": arrays["classes"]}
    frames = [tidy_table(arrays["maps"], axes, value_name)]
    frames[0].insert(0, "subject", pooled)
    for subject, values in zip(arrays["subjects"], arrays["subject_maps"], strict=True):
        frame = tidy_table(values, axes, value_name)
        frame.insert(0, "subject", str(subject))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
