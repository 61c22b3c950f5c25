"""Semantic checks of a workflow configuration.

The JSON schema (``workflow/schemas/config.schema.yaml``) checks types, ranges
and unknown keys; :func:`check_config` checks what a schema cannot express:
relations between keys and limits that follow from the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the key."""


def check_config(config: Mapping[str, Any]) -> None:
    """Check relations between configuration keys.

    Parameters
    ----------
    config : mapping
        A configuration that already passed the JSON schema (defaults filled).

    Raises
    ------
    ConfigError
        If training and validation subjects overlap, the epoch window is empty
        or shorter than the network's input, two classes share an annotation,
        a band is empty or reaches the Nyquist frequency of ``epochs.sfreq``,
        ``model.class`` comes without ``model.checkpoint`` (or the other way
        round) or with the ``shuffled`` control, or ``statistics.subjects``
        selects fewer than two subjects. The message
        names the key.
    """
    overlap = sorted(set(config["subjects"]["train"]) & set(config["subjects"]["valid"]))
    if overlap:
        raise ConfigError(
            f"subjects.train and subjects.valid overlap in {overlap}: a subject "
            "used for validation must not also be trained on."
        )
    epochs = config["epochs"]
    if epochs["tmax"] <= epochs["tmin"]:
        raise ConfigError(
            f"epochs.tmax ({epochs['tmax']} s) must be greater than epochs.tmin "
            f"({epochs['tmin']} s)."
        )
    codes = list(epochs["classes"].values())
    if len(set(codes)) != len(codes):
        raise ConfigError(
            f"epochs.classes maps two classes to the same annotation: {dict(epochs['classes'])}."
        )
    source = config["dataset"]["source"]
    unknown = sorted(set(codes) - set(EEGBCI_ANNOTATIONS))
    if source in ("eegbci", "synthetic") and unknown:
        raise ConfigError(
            f"epochs.classes: {unknown} are not EEGBCI annotations "
            f"({', '.join(EEGBCI_ANNOTATIONS)})."
        )
    if source == "moabb" and "moabb" not in config["dataset"]:
        raise ConfigError("dataset.moabb: dataset.source moabb needs the dataset's class name.")
    if source == "bids" and "bids" not in config["dataset"]:
        raise ConfigError("dataset.bids: dataset.source bids needs the BIDS root and task.")
    n_times = round((epochs["tmax"] - epochs["tmin"]) * epochs["sfreq"]) + 1
    if config["model"]["input_time_length"] > n_times:
        raise ConfigError(
            f"model.input_time_length ({config['model']['input_time_length']} samples) is longer "
            f"than the epochs ({n_times} samples from epochs.tmin to epochs.tmax at "
            f"{epochs['sfreq']:g} Hz)."
        )
    model = config["model"]
    if ("class" in model) != ("checkpoint" in model):
        raise ConfigError(
            "model.class and model.checkpoint go together: a network trained elsewhere "
            "needs both its class and its trained weights."
        )
    if "class" in model and "shuffled" in config["controls"]:
        raise ConfigError(
            "controls: 'shuffled' retrains the network on permuted labels, which the "
            "workflow cannot do for a network trained elsewhere (model.class); use "
            "controls: [untrained]."
        )
    check_bands(config["bands"], epochs["sfreq"])
    check_bands(config["perturbation"]["bands"], epochs["sfreq"], key="perturbation.bands")
    check_bands(config["gradient"]["bands"], epochs["sfreq"], key="gradient.bands")
    tested = config["statistics"]["subjects"]
    subjects = config["subjects"]
    n_tested = (
        len(subjects["train"]) + len(subjects["valid"])
        if tested == "all"
        else len(subjects[tested])
    )
    if n_tested < 2:
        raise ConfigError(
            f"statistics.subjects: {tested!r} selects {n_tested} subject; the tests across "
            "subjects and the split-half reliability need at least 2."
        )


#: Cue annotations of the EEGBCI recordings (rest, left or both fists, right fist or feet).
EEGBCI_ANNOTATIONS = ("T0", "T1", "T2")

#: Learning rate and weight decay of each architecture's cropped-training recipe
#: (braindecode's examples), used where the config sets none.
TRAINING_RECIPES = {
    "deep4": {"lr": 0.01, "weight_decay": 5e-4},
    "shallow": {"lr": 0.0625 * 0.01, "weight_decay": 0.0},
}


def resolve_training(config: Mapping[str, Any]) -> dict[str, Any]:
    """Return the training settings with the architecture's recipe where none is set.

    Parameters
    ----------
    config : mapping
        A configuration that passed the JSON schema (``model.architecture`` set).

    Returns
    -------
    training : dict
        ``config["training"]`` with ``lr`` and ``weight_decay`` filled in from
        :data:`TRAINING_RECIPES`.
    """
    recipe = TRAINING_RECIPES[config["model"]["architecture"]]
    return {**recipe, **config["training"]}


def resolve_bands(bands: str | list[Mapping[str, Any]], sfreq: float) -> list[dict[str, Any]]:
    """Return the configured bands as a list of ``{name, low, high}``.

    Parameters
    ----------
    bands : list of mapping | "paper_filterbank"
        The ``bands`` config value; ``"paper_filterbank"`` stands for the bands of
        :func:`eegvis.data.filters.paper_filterbank` below the Nyquist frequency.
    sfreq : float
        Sampling rate of the data, in Hz.

    Returns
    -------
    bands : list of dict
        Named bands; filterbank bands are named like ``"f7_13"``.
    """
    if bands != "paper_filterbank":
        return [dict(band) for band in bands]
    from eegvis.data.filters import bands_below_nyquist

    return [
        {"name": f"f{low:g}_{high:g}", "low": low, "high": high}
        for low, high in bands_below_nyquist(sfreq)
    ]


def check_bands(bands: list[Mapping[str, Any]], sfreq: float, key: str = "bands") -> None:
    """Check that every band is non-empty, uniquely named and below Nyquist.

    Parameters
    ----------
    bands : list of mapping
        Each with ``name``, ``low`` and ``high`` in Hz (``low = 0`` means a
        low-pass band).
    sfreq : float
        Sampling rate of the data, in Hz.
    key : str
        Config key of the list, for messages.

    Raises
    ------
    ConfigError
        Naming the offending ``bands[i]`` entry and the limit it breaks.
    """
    nyquist = sfreq / 2.0
    seen: set[str] = set()
    for index, band in enumerate(bands):
        name = f"{key}[{index}] ({band['name']!r})"
        if band["name"] in seen:
            raise ConfigError(f"{name}: the name is used twice; band names must be unique.")
        seen.add(band["name"])
        if band["high"] <= band["low"]:
            raise ConfigError(
                f"{name}: high ({band['high']} Hz) must be greater than low ({band['low']} Hz)."
            )
        if band["high"] >= nyquist:
            raise ConfigError(
                f"{name}: high edge {band['high']} Hz is not below the Nyquist frequency "
                f"{nyquist:g} Hz of data sampled at epochs.sfreq = {sfreq:g} Hz; "
                f"choose a band that ends below {nyquist:g} Hz."
            )


#: The amplitudes of :class:`eegvis.data.artifacts.Artifacts`: an artifact is planted
#: when its amplitude is above 0.
ARTIFACT_AMPLITUDES = ("saccade_uv", "spike_uv", "blink_uv", "muscle_uv")


def plants_anything(dataset: Mapping[str, Any]) -> bool:
    """Whether a synthetic dataset's config plants an effect or an artifact.

    The same answer as ``bool(eegvis.data.artifacts.planted_regions(...))``, without
    importing MNE (the workflow asks while it parses the rules).

    Parameters
    ----------
    dataset : mapping
        The config's ``dataset`` section (defaults filled).

    Returns
    -------
    bool
        True if ``planted_effect`` is set or an artifact has a positive amplitude.
    """
    artifacts = dataset.get("artifacts", {})
    return bool(dataset["planted_effect"]) or any(
        artifacts.get(key, 0) > 0 for key in ARTIFACT_AMPLITUDES
    )


def describe_schema_error(error: BaseException) -> str:
    """Turn a JSON-schema failure into one line that names the config key.

    Parameters
    ----------
    error : BaseException
        A :class:`jsonschema.ValidationError`, or an exception raised while
        handling one (as Snakemake's ``validate`` does) or carrying one.

    Returns
    -------
    message : str
        For example ``"config key subjects.valid[1]: 110 is greater than the
        maximum of 109"``; the error's own text if it carries no schema error.
    """
    candidates = [error, *error.args, error.__cause__, error.__context__]
    found = next((c for c in candidates if isinstance(c, jsonschema.ValidationError)), None)
    if found is None:
        return str(error)
    key = "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in found.absolute_path
    ).lstrip(".")
    return f"config key {key or '(top level)'}: {found.message}"
