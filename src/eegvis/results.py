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
            channel, band = np.meshgrid(arrays["channels"], arrays["bands"], indexing="ij")
            frames.append(
                pd.DataFrame(
                    {
                        "model": str(arrays["model"]),
                        "layer": str(layer),
                        "band": band.ravel(),
                        "channel": channel.ravel(),
                        "correlation": mean.ravel(),
                        "n_units": corr.shape[-1],
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def envelope_class_table(arrays: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Tidy table of envelope-class correlations: ``band, channel, class, correlation``."""
    corr = arrays["corr"]  # (n_chans, n_bands, n_classes)
    channel, band, klass = np.meshgrid(
        arrays["channels"], arrays["bands"], arrays["classes"], indexing="ij"
    )
    return pd.DataFrame(
        {
            "band": band.ravel(),
            "channel": channel.ravel(),
            "class": klass.ravel(),
            "correlation": corr.ravel(),
        }
    )


def trained_minus_untrained(
    trained: Mapping[str, np.ndarray], untrained: Mapping[str, np.ndarray]
) -> np.ndarray:
    """Mean-over-units correlation, trained minus untrained, averaged over subjects.

    The paper's Fig. 15 quantity: per subject and layer, the mean over the
    layer's units of each (channel, band) correlation; the untrained
    network's value is subtracted from the trained one's; the difference is
    averaged across subjects. Units or subjects with NaN (constant signals) are
    left out of the means.

    Parameters
    ----------
    trained, untrained : mapping
        Arrays as from :func:`envelope_activation_arrays` of the two models.

    Returns
    -------
    difference : ndarray, shape (n_layers, n_chans, n_bands)
        In the order of ``trained["layers"]``.
    """
    if not np.array_equal(trained["layers"], untrained["layers"]):
        raise ValueError("trained and untrained results cover different layers")
    differences = []
    for layer in trained["layers"]:
        per_model = [
            np.nanmean(arrays[f"subject_corr/{layer}"], axis=-1) for arrays in (trained, untrained)
        ]
        differences.append(np.nanmean(per_model[0] - per_model[1], axis=0))
    return np.stack(differences)


def perturbation_table(arrays: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Tidy table of perturbation correlations: ``channel, frequency, class, correlation``."""
    corr = arrays["corr"]  # (n_chans, n_freqs, n_classes)
    channel, frequency, klass = np.meshgrid(
        arrays["channels"], arrays["freqs"], arrays["classes"], indexing="ij"
    )
    return pd.DataFrame(
        {
            "channel": channel.ravel(),
            "frequency": frequency.ravel(),
            "class": klass.ravel(),
            "correlation": corr.ravel(),
        }
    )
