"""How much of a network's gradient lies at eye- and muscle-prone sites and slow frequencies.

EEG decoders can take class information from eye movements (EEGBCI's targets
appear left or right of the screen) and muscle activity as well as from the
brain. This report divides a network's amplitude-gradient map among scalp
regions (:mod:`eegvis.diagnostics.regions`) and frequency ranges
(:data:`FREQUENCY_RANGES`), for the plain gradient and for the gradient
attribution (gradient × class amplitude difference,
:func:`eegvis.stats.families.attribution_results`):

- the map is averaged over subjects (subjects whose map is NaN at a cell, a
  class without trials, are left out of that cell's mean), or taken per
  subject;
- per class its magnitude ``|map|``; per class contrast the magnitude of the
  difference: ``|a − b|`` for two classes (labelled ``"a-b"``, in the order of
  the maps' classes) and, for more classes, each class against the mean of the
  others, ``|k − mean(others)|`` (labelled ``"k-others"``);
- the *share* of a region × frequency range is the sum of that magnitude over
  its channels and frequency bins divided by the sum over all channels and all
  bins inside the ranges (NaN where that sum is 0 or NaN), so the shares of
  one analysis, network and class sum to 1.

:func:`reliance_warnings` reads the shares of a network's class contrasts and
warns when the eye- and muscle-prone regions (:data:`ARTIFACT_REGIONS`)
dominate them (the criteria are in its docstring).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import mne
import numpy as np
import pandas as pd
import xarray as xr

import eegvis.maps  # noqa: F401  (registers the .eegvis accessor)
from eegvis.diagnostics.regions import REGIONS, channel_regions
from eegvis.stats.families import attribution_results

#: Frequency ranges, name to ``[low, high)`` in Hz: slow eye movements below 4 Hz,
#: theta, mu/alpha, beta, and gamma with most muscle activity above 31 Hz.
FREQUENCY_RANGES: dict[str, tuple[float, float]] = {
    "<4 Hz": (0.0, 4.0),
    "4-7 Hz": (4.0, 7.0),
    "7-14 Hz": (7.0, 14.0),
    "14-31 Hz": (14.0, 31.0),
    ">31 Hz": (31.0, math.inf),
}
#: The analyses of the report: the plain gradient and the gradient attribution.
ANALYSES: tuple[str, ...] = ("gradient", "attribution")
#: The regions most exposed to eye movements and muscle activity.
ARTIFACT_REGIONS: tuple[str, ...] = ("frontopolar", "lateral_frontotemporal")
#: The region of the motor rhythms that the warnings compare them with.
BRAIN_REGION = "sensorimotor"
#: The columns of the report, in order (``subject`` follows ``class`` per subject).
COLUMNS: tuple[str, ...] = (
    "analysis",
    "contrast",
    "class",
    "region",
    "frequency_range",
    "share",
    "n_channels",
)
#: Second half of the label of a class against the mean of the other classes.
OTHERS = "others"
_DIMS = ("subject", "channel", "frequency", "class")


def reliance_table(
    results: Mapping[str, xr.Dataset],
    *,
    analyses: Sequence[str] = ANALYSES,
    frequency_ranges: Mapping[str, tuple[float, float]] = FREQUENCY_RANGES,
    per_subject: bool = False,
) -> pd.DataFrame:
    """Share of each network's gradient per scalp region and frequency range.

    Parameters
    ----------
    results : mapping of str to xarray.Dataset
        Gradient maps per network (e.g. ``{"trained": ..., "untrained": ...}``,
        read with :func:`eegvis.maps.read_maps`): ``gradient`` and
        ``amplitude_difference`` with dimensions (subject, channel, frequency,
        class), channel positions in ``ch_x``, ``ch_y``, ``ch_z`` or 10-05
        channel names (see :attr:`eegvis.maps.MapsAccessor.info`).
    analyses : sequence of str
        The maps to divide: ``"gradient"`` and ``"attribution"`` of gradient maps
        (``attribution`` needs ``amplitude_difference``), or the name of the
        analysis ``results`` were made by (``attrs["analysis"]``, e.g. an
        attribution method of :func:`eegvis.attribution_maps`), whose main map
        (``attrs["map"]``) is divided.
    frequency_ranges : mapping of str to (float, float)
        Name to ``[low, high)`` in Hz, not overlapping; bins outside every range
        are left out. Each range must hold a frequency bin of the maps.
    per_subject : bool
        Shares of each subject's map (a ``subject`` column after ``class``)
        instead of the subject-mean map.

    Returns
    -------
    table : pandas.DataFrame
        Columns :data:`COLUMNS`: ``analysis``, ``contrast`` (the network's name
        in ``results``), ``class`` (a class or a class contrast, see the module
        docs), ``region`` (those with channels, in the order of
        :data:`~eegvis.diagnostics.regions.REGIONS`), ``frequency_range``,
        ``share`` (0 to 1; summing to 1 over the regions and ranges of one
        analysis, network and class) and ``n_channels`` (of the region).

    Raises
    ------
    ValueError
        If ``results`` is empty, a map lacks a variable, a dimension or channel
        positions, an analysis is unknown, or a frequency range is empty,
        inverted or overlaps another.
    """
    if not results:
        raise ValueError("results holds no network's maps")
    if not analyses:
        raise ValueError("analyses must name at least one analysis")
    ranges = _checked_ranges(frequency_ranges)
    frames = []
    for network, maps in results.items():
        _check_maps(network, maps, analyses)
        regions = channel_regions(_positioned_info(network, maps))
        in_range = _range_bins(network, maps["frequency"].values, ranges)
        for analysis in analyses:
            values = _analysis_map(network, maps, analysis)
            shares = _shares(values, regions, ranges, in_range, per_subject)
            frames.append(shares.assign(analysis=analysis, contrast=network))
    columns = list(COLUMNS)
    if per_subject:
        columns.insert(columns.index("class") + 1, "subject")
    return pd.concat(frames, ignore_index=True)[columns]


def class_contrasts(labels: Iterable[str]) -> list[str]:
    """Return the class-contrast labels among the ``class`` labels of a report, in order.

    Parameters
    ----------
    labels : iterable of str
        The ``class`` column of :func:`reliance_table`'s table.

    Returns
    -------
    contrasts : list of str
        The labels ``"a-b"`` whose ``a`` and ``b`` are labels too, and
        ``"k-others"`` whose ``k`` is one.
    """
    labels = list(dict.fromkeys(labels))
    known = set(labels)
    return [
        label
        for label in labels
        if any(
            label[:i] in known and label[i + 1 :] in (known | {OTHERS})
            for i, character in enumerate(label)
            if character == "-"
        )
    ]


def reliance_warnings(
    table: pd.DataFrame,
    *,
    network: str = "trained",
    low_range: str = "<4 Hz",
    site_ratio: float = 1.0,
    slow_fraction: float = 0.5,
) -> list[str]:
    """Warn where eye- and muscle-prone sites dominate a network's class contrasts.

    For every analysis and class contrast of ``network`` in ``table`` (let
    ``E`` be the :data:`ARTIFACT_REGIONS` with channels, ``s_E`` their summed
    share and ``n_E`` their number of channels, and ``s_S``, ``n_S`` those of
    the sensorimotor region), two criteria, each a message:

    1. *sites*: per channel, ``E`` carry more than ``site_ratio`` times the
       share of the sensorimotor channels: ``s_E / n_E > site_ratio * s_S /
       n_S`` (not checked without sensorimotor channels);
    2. *slow activity*: more than ``slow_fraction`` of ``E``'s share lies in
       ``low_range`` (saccades and their step potentials are mostly below 4 Hz),
       and ``E`` hold at least their channels' fraction of the contrast:
       ``s_E ≥ n_E / n``, ``n`` all channels.

    Nothing is checked without channels in ``E`` or where the shares are NaN.

    Parameters
    ----------
    table : pandas.DataFrame
        The subject-mean table of :func:`reliance_table`.
    network : str
        The network whose contrasts are checked (its ``contrast`` value).
    low_range : str
        The frequency range of slow eye activity (a ``frequency_range`` value).
    site_ratio : float
        Criterion 1's factor.
    slow_fraction : float
        Criterion 2's fraction.

    Returns
    -------
    messages : list of str
        One per criterion met, naming the network, analysis and contrast, with
        the numbers; empty when none is.

    Raises
    ------
    ValueError
        If ``table`` lacks a column or has a ``subject`` column, ``network``
        or ``low_range`` is not in it, or it has no class contrast.
    """
    missing = [column for column in COLUMNS if column not in table.columns]
    if missing:
        raise ValueError(f"table lacks the columns {missing} of reliance_table's table")
    if "subject" in table.columns:
        raise ValueError(
            "table must be the subject-mean table (reliance_table with per_subject=False)"
        )
    rows = table[table["contrast"] == network]
    if rows.empty:
        raise ValueError(
            f"network {network!r} is not a contrast of the table: "
            f"{list(dict.fromkeys(table['contrast']))}"
        )
    if low_range not in set(rows["frequency_range"]):
        raise ValueError(
            f"low_range {low_range!r} is not a frequency range of the table: "
            f"{list(dict.fromkeys(rows['frequency_range']))}"
        )
    contrasts = class_contrasts(rows["class"])
    if not contrasts:
        raise ValueError(f"the table has no class contrast of {network!r} (one class?)")
    messages = []
    for (analysis, label), cells in rows[rows["class"].isin(contrasts)].groupby(
        ["analysis", "class"], sort=False
    ):
        messages += _criteria(
            cells,
            f"{network} network, {analysis}, class contrast {label}",
            low_range,
            site_ratio,
            slow_fraction,
        )
    return messages


def _criteria(
    cells: pd.DataFrame, name: str, low_range: str, site_ratio: float, slow_fraction: float
) -> list[str]:
    """Return the messages of :func:`reliance_warnings` for one analysis and contrast."""
    share = cells.groupby("region", sort=False)["share"].sum()
    n = cells.groupby("region", sort=False)["n_channels"].first()
    prone = [region for region in ARTIFACT_REGIONS if region in share.index]
    if not prone:
        return []
    sites = " and ".join(region.replace("_", " ") for region in prone)
    s_e, n_e = share[prone].sum(), n[prone].sum()
    messages = []
    if BRAIN_REGION in share.index:
        per_e, per_s = s_e / n_e, share[BRAIN_REGION] / n[BRAIN_REGION]
        if per_e > site_ratio * per_s:
            ratio = f"{per_e / per_s:.1f} times" if per_s > 0 else "more than"
            messages.append(
                f"{name}: per channel, the {n_e} {sites} channels carry {ratio} the share of "
                f"the {n[BRAIN_REGION]} {BRAIN_REGION} channels ({per_e:.1%} against "
                f"{per_s:.1%} of the contrast per channel); eye movements or muscle activity "
                "may carry the class information"
            )
    slow = cells.loc[cells["region"].isin(prone) & (cells["frequency_range"] == low_range)]
    slow_share = slow["share"].sum()
    if s_e > 0 and slow_share > slow_fraction * s_e and s_e >= n_e / n.sum():
        messages.append(
            f"{name}: {slow_share / s_e:.0%} of the contrast at the {n_e} {sites} channels "
            f"lies in {low_range}, and these channels hold {s_e:.0%} of the contrast "
            f"({n_e / n.sum():.0%} of the channels); slow eye movements may carry the class "
            "information"
        )
    return messages


def _shares(
    values: xr.DataArray,
    regions: Mapping[str, str],
    ranges: Mapping[str, tuple[float, float]],
    in_range: np.ndarray,
    per_subject: bool,
) -> pd.DataFrame:
    """Shares of one map, without the ``analysis`` and ``contrast`` columns.

    ``in_range`` (n_ranges, n_freqs) marks each range's bins.
    """
    if not per_subject:
        values = values.mean("subject")
    magnitude = abs(_with_contrasts(values))
    names = [region for region in REGIONS if region in regions.values()]
    channels = np.array(list(regions.values()))
    membership = np.array([channels == region for region in names], dtype=float)
    data = magnitude.transpose(..., "channel", "frequency").values
    mass = np.einsum("...cf,rc,qf->...rq", data, membership, in_range.astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = mass / mass.sum(axis=(-2, -1), keepdims=True)
    dims = [*magnitude.dims[:-2], "region", "frequency_range"]
    coords = {dim: magnitude[dim].values for dim in magnitude.dims[:-2]}
    coords.update(region=names, frequency_range=list(ranges))
    table = xr.DataArray(share, coords, dims).rename("share").to_dataframe().reset_index()
    table["n_channels"] = table["region"].map(
        dict(zip(names, membership.sum(axis=1).astype(int), strict=True))
    )
    return table


def _with_contrasts(values: xr.DataArray) -> xr.DataArray:
    """Return the per-class maps followed by the class contrasts (module docs), not rectified.

    The result has dimensions (``class``, [``subject``], ``channel``, ``frequency``).
    """
    values = values.transpose("class", ..., "channel", "frequency")
    classes = [str(name) for name in values["class"].values]
    data = values.values
    labels, maps = list(classes), list(data)
    if len(classes) == 2:
        labels.append(f"{classes[0]}-{classes[1]}")
        maps.append(data[0] - data[1])
    elif len(classes) > 2:
        for k, name in enumerate(classes):
            labels.append(f"{name}-{OTHERS}")
            maps.append(data[k] - np.delete(data, k, axis=0).mean(axis=0))
    coords = {dim: values[dim].values for dim in values.dims[1:]}
    return xr.DataArray(np.stack(maps), {"class": labels, **coords}, values.dims)


def _checked_ranges(
    frequency_ranges: Mapping[str, tuple[float, float]],
) -> dict[str, tuple[float, float]]:
    """Return the ranges as ``{name: (low, high)}`` floats, after checking them."""
    if not frequency_ranges:
        raise ValueError("frequency_ranges is empty")
    ranges = {}
    for name, edges in frequency_ranges.items():
        low, high = (float(edge) for edge in edges)
        if not low < high:
            raise ValueError(f"frequency range {name!r}: low must be below high, got {edges!r}")
        ranges[str(name)] = (low, high)
    ordered = sorted(ranges.items(), key=lambda item: item[1])
    for (name, (_, high)), (next_name, (low, _)) in zip(ordered, ordered[1:], strict=False):
        if low < high:
            raise ValueError(f"frequency ranges {name!r} and {next_name!r} overlap")
    return ranges


def _range_bins(
    network: str, freqs: np.ndarray, ranges: Mapping[str, tuple[float, float]]
) -> np.ndarray:
    """Boolean (n_ranges, n_freqs): the bins ``low <= f < high`` of each range."""
    in_range = np.array([(freqs >= low) & (freqs < high) for low, high in ranges.values()])
    for (name, (low, high)), inside in zip(ranges.items(), in_range, strict=True):
        if not inside.any():
            raise ValueError(
                f"frequency range {name!r} ({low:g} to {high:g} Hz) holds no frequency of "
                f"results[{network!r}] ({freqs.min():g} to {freqs.max():g} Hz)"
            )
    return in_range


def _analysis_map(network: str, maps: xr.Dataset, analysis: str) -> xr.DataArray:
    """Return the per-subject map of ``analysis`` in ``maps``.

    The gradient, the gradient attribution, or the main map of maps made by that
    analysis (an attribution method).
    """
    if analysis == "gradient":
        return maps["gradient"]
    if analysis == "attribution":
        return attribution_results({network: maps})[network]["attribution"]
    if maps.attrs.get("analysis") != analysis:
        raise ValueError(
            f"results[{network!r}] holds {maps.attrs.get('analysis')!r} maps, not {analysis!r}: "
            f"analyses are {ANALYSES} of gradient maps, or the analysis the maps were made by"
        )
    return maps.eegvis.map


def _check_maps(network: str, maps: xr.Dataset, analyses: Sequence[str]) -> None:
    """Raise a ValueError if the gradient maps of ``network`` lack what ``analyses`` need."""
    if not set(analyses) & set(ANALYSES):
        return  # another analysis's maps: checked by _analysis_map
    needed = ["gradient"] + (["amplitude_difference"] if "attribution" in analyses else [])
    missing = [name for name in needed if name not in maps.data_vars]
    if missing:
        raise ValueError(
            f"results[{network!r}] lacks the variables {missing} (gradient maps, see "
            "eegvis.analyses.spectral_maps.gradient_subjects)"
        )
    for name in needed:
        if set(maps[name].dims) != set(_DIMS):
            raise ValueError(
                f"results[{network!r}][{name!r}] must have dimensions {_DIMS}, "
                f"got {maps[name].dims}"
            )


def _positioned_info(network: str, maps: xr.Dataset) -> mne.Info:
    """Return the maps' channels with positions, or raise a ValueError naming the network."""
    try:
        return maps.eegvis.info
    except ValueError as error:
        raise ValueError(
            f"results[{network!r}]: the channels need positions (coordinates ch_x, ch_y, "
            f"ch_z) or 10-05 names: {error}"
        ) from error
