"""Sanity checks of attribution maps (Adebayo et al. 2018, "Sanity checks for saliency maps").

An explanation of a network must change when the network's weights are
randomised (model-parameter randomisation) and when it was trained on permuted
labels (data randomisation); a method whose map stays similar explains the
architecture or the input, not what the network learned::

    from eegvis.evaluation import cascading_similarity, randomisation_flags
    table = cascading_similarity(model, explain, epochs.info, method="gradient")
    flags = randomisation_flags(table, label_randomisation_similarity(
        trained_map, shuffled_map, epochs.info, method="gradient"))

- :func:`cascading_randomisation`: copies of a network with its layers
  re-initialised one more at a time, from the output down.
- :func:`rank_similarity`, :func:`ssim_similarity`: how similar two maps are.
- :func:`cascading_similarity`, :func:`label_randomisation_similarity`: the two
  checks as tables; :func:`randomisation_flags`: which one a method fails.
"""

from __future__ import annotations

import copy
import functools
import logging
from collections.abc import Callable, Iterator

import mne
import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr
from scipy.stats import rankdata
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from eegvis.evaluation._images import SSIM_WINDOW, scalp_image, uniform_ssim
from eegvis.models.base import _seeded, layer_initialisation
from eegvis.utils.progress import progress

logger = logging.getLogger(__name__)

#: Columns of :func:`cascading_similarity`, after the caller's label columns.
CASCADING_COLUMNS = ("layers_randomised", "layer", "metric", "similarity")
#: Columns of :func:`label_randomisation_similarity`, after the caller's label columns.
LABEL_COLUMNS = ("metric", "similarity")
#: Columns of :func:`randomisation_flags`, after the label columns of its tables.
FLAG_COLUMNS = ("check", "similarity", "threshold", "passed")
#: ``layer`` of the first row of :func:`cascading_similarity`: nothing randomised yet.
NO_LAYER = "none"


def cascading_randomisation(
    model: nn.Module, *, seed: int = 0
) -> Iterator[tuple[int, str, nn.Module]]:
    """Re-initialise a network's layers one more at a time, from the output down.

    Adebayo et al.'s cascading model-parameter randomisation. The layers are
    the modules that hold parameters of their own (for a usual network, the
    leaf modules with parameters) and the batch norms with running
    statistics, in reverse of their registration order (``named_modules``; the
    forward order of a sequential network). Step ``k`` re-initialises the
    ``k``-th of them on top of the steps before it. A batch norm counts as a
    step of its own, also where an analysis folds it into the convolution before
    it (:func:`eegvis.models.inference.inference_copy`).

    A layer is re-initialised as the network was initialised: with eegvis's
    initialisation when its type has one (:func:`eegvis.models.base.layer_initialisation`:
    convolutions Xavier-uniform with zero bias, batch norms one and zero with
    their running statistics reset), else with its ``reset_parameters()``.
    Each layer is initialised on the CPU from a seed drawn from ``seed`` for its
    step, within :func:`torch.random.fork_rng`: the same ``seed`` gives the same
    weights on any device, and the caller's random state is untouched.

    Relation to braindecode 1.8's ``cascading_layer_reset(model)``: the same
    layers in the same order for networks whose parametrised modules all have
    ``reset_parameters`` (tested on Deep4Net), but braindecode calls
    ``reset_parameters()`` everywhere (PyTorch's Kaiming-uniform convolutions,
    not Xavier), unseeded, skips parametrised modules without it (their trained
    weights stay), resets batch norms without running statistics or parameters
    (a step that changes nothing), and yields one copy changed in place.

    Parameters
    ----------
    model : torch.nn.Module
        Any network; it is copied at the call and never changed.
    seed : int
        Seeds the re-initialisations (one seed per layer from
        :class:`numpy.random.SeedSequence`).

    Returns
    -------
    steps : iterator of (int, str, torch.nn.Module)
        ``(n_layers_randomised, layer_name, randomised_copy)`` for ``n`` from 1
        to the number of layers; ``layer_name`` is the dotted module name of
        the layer re-initialised last. Every copy is a new deep copy.

    Raises
    ------
    TypeError
        If a layer has neither eegvis's initialisation nor ``reset_parameters()``;
        the message names it.
    """
    randomised = copy.deepcopy(model)
    layers = _layers(randomised)
    for name, layer in layers:
        if _initialiser(layer) is None:
            raise TypeError(
                f"layer {name!r} ({type(layer).__name__}) holds parameters but has neither "
                "eegvis's initialisation nor reset_parameters(): it cannot be randomised"
            )
    seeds = np.random.SeedSequence(seed).generate_state(len(layers))
    return _cascade(randomised, layers, seeds)


def _layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Return the modules with parameters of their own or running statistics, output first."""
    return [
        (name, module)
        for name, module in reversed(list(model.named_modules()))
        if next(module.parameters(recurse=False), None) is not None
        or (isinstance(module, _BatchNorm) and module.track_running_stats)
    ]


def _initialiser(layer: nn.Module) -> Callable[[], None] | None:
    """Return eegvis's initialisation of ``layer``, else its ``reset_parameters``, else None."""
    initialise = layer_initialisation(layer)
    if initialise is not None:
        return functools.partial(initialise, layer)
    reset = getattr(layer, "reset_parameters", None)
    return reset if callable(reset) else None


def _cascade(
    randomised: nn.Module, layers: list[tuple[str, nn.Module]], seeds: np.ndarray
) -> Iterator[tuple[int, str, nn.Module]]:
    """Re-initialise ``layers`` of ``randomised`` in turn; yield a copy after each."""
    for step, ((name, layer), layer_seed) in enumerate(zip(layers, seeds, strict=True), 1):
        fresh = copy.deepcopy(layer).cpu()
        with _seeded(int(layer_seed)):
            _initialiser(fresh)()
        layer.load_state_dict(fresh.state_dict())
        yield step, name, copy.deepcopy(randomised)


def rank_similarity(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Return the Spearman rank correlation of ``|a|`` and ``|b|`` over all cells.

    Adebayo et al. compare the absolute values of maps: a method's sign may
    flip with the weights while its pattern stays.

    Parameters
    ----------
    a, b : array_like, same shape
        Two maps, finite, e.g. channel × frequency (× class).

    Returns
    -------
    float
        In [-1, 1] (ties get their mean rank); NaN when ``|a|`` or ``|b|`` is
        constant.

    Raises
    ------
    ValueError
        If the shapes differ or a value is not finite.
    """
    a, b = _magnitudes(a, b)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return np.nan
    ranks = [rankdata(values.ravel()) for values in (a, b)]
    return float(np.clip(np.corrcoef(*ranks)[0, 1], -1.0, 1.0))


def ssim_similarity(
    a: npt.ArrayLike, b: npt.ArrayLike, info: mne.Info, *, resolution: int = 64
) -> float:
    """Return the SSIM of the scalp-map images of ``|a|`` and ``|b|``.

    Each map's absolute value (Adebayo et al.) is averaged over every axis after
    the first (the channel axis): pass one class, or the axes you want averaged.
    Its channel values are interpolated onto a scalp image as braindecode 1.8's
    ``project_to_topomap`` does (Clough-Tocher over the electrodes' positions as
    MNE draws them; 0 outside their convex hull), the image's absolute value
    (the interpolation can undershoot 0) is min-max scaled to [0, 1], and the two
    images are compared with the uniform-window SSIM of Wang et al. (2004)
    (window 7, data range 1): the ``"SSIM_absnorm"`` of braindecode's
    ``compute_ssim_metrics`` for the channel vectors of ``|a|`` and ``|b|``
    (tested). The scaling makes the value independent of each map's magnitude,
    which randomisation changes.

    Parameters
    ----------
    a, b : array_like, shape (n_channels, ...)
        Two maps, finite, the same shape, channels as in ``info``.
    info : mne.Info
        The channels, with positions.
    resolution : int
        Pixels per side of the images, at least 7.

    Returns
    -------
    float
        1 for maps equal up to a factor; NaN when an image is constant.

    Raises
    ------
    ValueError
        If the shapes differ, a value is not finite, the number of channels is
        not that of ``info`` or ``resolution`` is below 7.
    """
    if resolution < SSIM_WINDOW:
        raise ValueError(f"resolution must be at least {SSIM_WINDOW}, got {resolution}")
    a, b = _magnitudes(a, b)
    if a.ndim == 0 or a.shape[0] != len(info.ch_names):
        raise ValueError(
            f"maps of shape {a.shape} do not have the {len(info.ch_names)} channels of info"
        )
    images = []
    for values in (a, b):
        channels = values.reshape(len(values), -1).mean(axis=1)
        image = np.abs(scalp_image(channels, info, resolution))
        if np.ptp(image) == 0:
            return np.nan
        images.append((image - image.min()) / np.ptp(image))
    return uniform_ssim(*images, data_range=1.0)


def _magnitudes(a: npt.ArrayLike, b: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return ``|a|`` and ``|b|`` as float arrays, checked to be finite and of one shape."""
    a, b = np.abs(np.asarray(a, dtype=float)), np.abs(np.asarray(b, dtype=float))
    if a.shape != b.shape:
        raise ValueError(f"maps must have the same shape, got {a.shape} and {b.shape}")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("maps must be finite")
    return a, b


def _map_rank_similarity(a: np.ndarray, b: np.ndarray, info: mne.Info) -> float:
    """:func:`rank_similarity` over all cells (``info`` is not used)."""
    return rank_similarity(a, b)


def _map_ssim(a: np.ndarray, b: np.ndarray, info: mne.Info) -> float:
    """Mean over classes (last axis of a 3-D map) of :func:`ssim_similarity`."""
    if a.ndim < 3:
        return ssim_similarity(a, b, info)
    return float(np.mean([ssim_similarity(a[..., k], b[..., k], info) for k in range(a.shape[2])]))


#: How two maps (channel × frequency, or channel × frequency × class) are compared:
#: ``metric(a, b, info) -> float``. ``"spearman"``: :func:`rank_similarity` over all cells;
#: ``"ssim"``: :func:`ssim_similarity` of the frequency-averaged ``|map|``, per class and
#: averaged over the classes.
SIMILARITY_METRICS: dict[str, Callable[[np.ndarray, np.ndarray, mne.Info], float]] = {
    "spearman": _map_rank_similarity,
    "ssim": _map_ssim,
}


def cascading_similarity(
    model: nn.Module,
    explain: Callable[[nn.Module], npt.ArrayLike],
    info: mne.Info,
    *,
    seed: int = 0,
    **labels: object,
) -> pd.DataFrame:
    """Similarity of a network's map to its maps after cascading randomisation.

    Parameters
    ----------
    model : torch.nn.Module
        The network (trained); not changed.
    explain : callable
        ``explain(network)`` returns the network's map, channel × frequency or
        channel × frequency × class (a DataArray's dimensions are put in this
        order); called on ``model`` and on every copy of
        :func:`cascading_randomisation`.
    info : mne.Info
        The map's channels, with positions.
    seed : int
        Seeds :func:`cascading_randomisation`.
    **labels
        Columns put first, one value for every row (e.g. ``method="gradient"``).

    Returns
    -------
    table : pandas.DataFrame
        The label columns, then :data:`CASCADING_COLUMNS`: per metric of
        :data:`SIMILARITY_METRICS` one row at ``layers_randomised`` 0 (``layer``
        :data:`NO_LAYER`: the map against itself, 1 unless it is constant), then
        one per step, ``layer`` the layer randomised last.
    """

    def networks() -> Iterator[tuple[int, str, nn.Module]]:
        yield 0, NO_LAYER, model
        yield from cascading_randomisation(model, seed=seed)

    steps = progress(
        networks(),
        desc="cascading randomisation",
        total=1 + len(_layers(model)),
        unit="map",
        logger=logger,
    )
    rows = [(n, name, _as_map(explain(network))) for n, name, network in steps]
    reference = rows[0][2]
    return _table(
        [
            (n, name, metric, compare(reference, values, info))
            for metric, compare in SIMILARITY_METRICS.items()
            for n, name, values in rows
        ],
        CASCADING_COLUMNS,
        labels,
    )


def label_randomisation_similarity(
    trained: npt.ArrayLike, shuffled: npt.ArrayLike, info: mne.Info, **labels: object
) -> pd.DataFrame:
    """Similarity of a network's map to the map of one trained on permuted labels.

    Parameters
    ----------
    trained, shuffled : array_like, shape (n_channels, n_freqs[, n_classes])
        The map of the network and that of the same recipe trained on labels
        permuted within subjects (subject means; a DataArray's dimensions are put
        in this order).
    info : mne.Info
        The maps' channels, with positions.
    **labels
        Columns put first, one value for every row.

    Returns
    -------
    table : pandas.DataFrame
        The label columns, then :data:`LABEL_COLUMNS`, one row per metric of
        :data:`SIMILARITY_METRICS`.
    """
    trained, shuffled = _as_map(trained), _as_map(shuffled)
    return _table(
        [
            (metric, compare(trained, shuffled, info))
            for metric, compare in SIMILARITY_METRICS.items()
        ],
        LABEL_COLUMNS,
        labels,
    )


def randomisation_flags(
    cascading: pd.DataFrame, labels: pd.DataFrame | None = None, *, threshold: float = 0.5
) -> pd.DataFrame:
    """Whether a method's map survives randomisation: the verdicts of the two checks.

    A check fails when the Spearman similarity (:func:`rank_similarity`) to
    the network's map is at least ``threshold``: its mean over the steps of
    the cascade (the area under Adebayo's curve, over the number of layers
    randomised: 1 when no step changes the map, about 0 when the first step
    already decorrelates it), or for the network trained on permuted labels
    (:func:`label_randomisation_similarity`). A NaN similarity (a constant map)
    fails too: the map was not shown to change. The mean rather than the last
    step: once the first layer is re-initialised almost every map
    decorrelates, while a map that keeps its ranks as the classifier and the
    upper blocks are randomised (saliency on the demo: 0.97 to 0.90 over the
    first seven of ten steps, 0.30 after the last) shows the input and the
    first layers, not what the network learned from the classes.

    Adebayo et al. call a map that stays visually and rank-wise similar after
    randomisation a failure, but give no number. 0.5 is this project's line for
    reading a map at all: a map whose split-half reliability is below about 0.5
    should not be read channel by channel. A randomised network's map that
    agrees with the trained one at least that well would, by the same standard,
    be read as the same map. It is a convention, not a test: unrelated maps of
    ``n`` cells give Spearman values around 0 with spread ``1 / sqrt(n)``, so
    much lower similarities are already distinguishable from chance. SSIM is
    reported by the similarity tables but not judged here: min-max scaled smooth
    scalp images share structure (the head outline, the smooth interpolation),
    so unrelated maps do not score 0 and one threshold would not fit both.

    Parameters
    ----------
    cascading : pandas.DataFrame
        A table of :func:`cascading_similarity`, or several concatenated: columns
        besides :data:`CASCADING_COLUMNS` (e.g. ``method``, ``network``) label
        the groups judged separately.
    labels : pandas.DataFrame | None
        A table of :func:`label_randomisation_similarity` with the same label
        columns, or None to judge the cascading check only.
    threshold : float
        Spearman similarity from which a map survives randomisation.

    Returns
    -------
    flags : pandas.DataFrame
        The label columns, then :data:`FLAG_COLUMNS`: per group a row with
        ``check`` ``"cascading randomisation"`` (``similarity`` the mean over the
        cascade's steps) and, with ``labels``, one with ``"label randomisation"``;
        ``passed`` is ``similarity < threshold``.
    """
    groups = [column for column in cascading.columns if column not in CASCADING_COLUMNS]
    spearman = cascading[(cascading["metric"] == "spearman") & (cascading["layers_randomised"] > 0)]

    # a NaN step (a constant map) makes the mean NaN: not shown to change
    def mean_of(values: pd.Series) -> float:
        return values.mean(skipna=False)

    if groups:
        mean = spearman.groupby(groups, sort=False)["similarity"].agg(mean_of).reset_index()
    else:
        mean = pd.DataFrame({"similarity": [mean_of(spearman["similarity"])]})
    checks = [mean.assign(check="cascading randomisation")]
    if labels is not None:
        checks.append(labels[labels["metric"] == "spearman"].assign(check="label randomisation"))
    flags = pd.concat(checks, ignore_index=True).assign(threshold=float(threshold))
    flags["passed"] = flags["similarity"] < threshold
    return flags[[*groups, *FLAG_COLUMNS]]


def _as_map(values: npt.ArrayLike) -> np.ndarray:
    """Return a map as a float array, a DataArray's ``channel`` first and ``class`` last."""
    if isinstance(values, xr.DataArray):
        if "subject" in values.dims:
            raise ValueError("maps must be subject means: average over 'subject' first")
        values = values.transpose("channel", ..., "class", missing_dims="ignore")
    return np.asarray(values, dtype=float)


def _table(rows: list[tuple], columns: tuple[str, ...], labels: dict[str, object]) -> pd.DataFrame:
    """Return ``rows`` as a table with ``labels`` as constant columns first."""
    clash = set(labels) & set(columns)
    if clash:
        raise ValueError(f"label columns {sorted(clash)} would replace the table's own columns")
    table = pd.DataFrame(rows, columns=list(columns))
    return table.assign(**labels)[[*labels, *columns]]
