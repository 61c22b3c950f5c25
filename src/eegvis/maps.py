"""One labelled result type for every map: an :class:`xarray.Dataset` with eegvis conventions.

Every analysis returns (and the workflow writes, as netCDF) a dataset whose
per-subject map is the variable named by ``attrs["map"]``, with named
dimensions and their coordinates:

- ``subject`` (int; coordinate ``split``: ``train``, ``valid`` or empty, and
  ``n_crops`` where crops were used),
- ``channel`` (names; coordinates ``ch_x``, ``ch_y``, ``ch_z``: positions in
  metres in MNE's head frame, NaN where unknown),
- ``band`` (names; ``band_low``, ``band_high`` in Hz) or ``frequency`` (Hz),
- ``layer`` (module names) or ``class`` (class names),
- ``unit_<layer>`` for unit-resolved envelope-activation correlations,
  ``iteration`` for each perturbation iteration's map.

``pooled`` (when present) is the map over all subjects' data at once. The
``attrs`` name the ``analysis``, the ``network``, the ``sfreq`` and the data.

The ``eegvis`` accessor adds what a notebook needs::

    maps = eegvis.gradient_maps(model, epochs)
    maps.eegvis.to_table()          # tidy pandas table
    maps.eegvis.save("gradient.nc")  # netCDF; eegvis.read_maps reads it back
    mu = maps.eegvis.band_means({"mu": (7, 14)})
    mu.eegvis.plot(mask=mu.eegvis.test()["significant"])  # scalp maps, significant marked
"""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Mapping, Sequence

import mne
import numpy as np
import pandas as pd
import xarray as xr

from eegvis.data.filters import as_band_mapping
from eegvis.data.montage import standard_montage
from eegvis.utils.io import atomic_output

#: Suffix of the netCDF files written by :meth:`MapsAccessor.save`.
SUFFIX = ".nc"
_POSITION_COORDS = ("ch_x", "ch_y", "ch_z")


def channel_coords(info: mne.Info) -> dict[str, tuple[str, np.ndarray]]:
    """Coordinates of the ``channel`` dimension from an ``mne.Info``: names and positions.

    Parameters
    ----------
    info : mne.Info
        The channels of the maps, in order.

    Returns
    -------
    coords : dict
        ``channel`` and ``ch_x``, ``ch_y``, ``ch_z`` (metres; NaN without a montage).
    """
    positions = np.array([channel["loc"][:3] for channel in info["chs"]], dtype=float)
    positions[~np.isfinite(positions).all(axis=1) | (positions == 0).all(axis=1)] = np.nan
    coords = {"channel": ("channel", np.array(info.ch_names))}
    for i, name in enumerate(_POSITION_COORDS):
        coords[name] = ("channel", positions[:, i])
    return coords


def band_coords(bands: Mapping[str, tuple[float, float]]) -> dict[str, tuple[str, np.ndarray]]:
    """Coordinates of the ``band`` dimension: names, ``band_low`` and ``band_high`` in Hz."""
    edges = np.array(list(bands.values()), dtype=float).reshape(-1, 2)
    return {
        "band": ("band", np.array(list(bands))),
        "band_low": ("band", edges[:, 0]),
        "band_high": ("band", edges[:, 1]),
    }


def subject_coords(
    subjects: Sequence[int], splits: Mapping[int, str] | None = None
) -> dict[str, tuple[str, np.ndarray]]:
    """Coordinates of the ``subject`` dimension: numbers and each one's ``split``."""
    splits = splits or {}
    return {
        "subject": ("subject", np.asarray(subjects, dtype=int)),
        "split": ("subject", np.array([splits.get(int(s), "") for s in subjects], dtype=str)),
    }


def read_maps(path: str | os.PathLike) -> xr.Dataset:
    """Read maps written by :meth:`MapsAccessor.save` (or by the workflow).

    Parameters
    ----------
    path : path-like
        A ``.nc`` file.

    Returns
    -------
    maps : xarray.Dataset
        Loaded into memory; the file is closed.
    """
    with xr.open_dataset(path, engine="h5netcdf") as dataset:
        return dataset.load()


@xr.register_dataset_accessor("eegvis")
class MapsAccessor:
    """eegvis methods of a maps dataset: ``maps.eegvis.<method>``.

    Parameters
    ----------
    dataset : xarray.Dataset
        Maps as returned by the analyses of :mod:`eegvis.analyses`.
    """

    def __init__(self, dataset: xr.Dataset) -> None:
        self._dataset = dataset

    @property
    def map(self) -> xr.DataArray:
        """The per-subject map (the variable named by ``attrs["map"]``)."""
        return self._dataset[self._dataset.attrs["map"]]

    @property
    def info(self) -> mne.Info:
        """An ``mne.Info`` of the map's channels, with their positions where known."""
        dataset = self._dataset
        names = [str(name) for name in dataset["channel"].values]
        info = mne.create_info(names, float(dataset.attrs.get("sfreq", 1.0)), "eeg")
        if all(name in dataset.coords for name in _POSITION_COORDS):
            positions = np.column_stack([dataset[name].values for name in _POSITION_COORDS])
            if np.isfinite(positions).all():
                montage = mne.channels.make_dig_montage(
                    dict(zip(names, positions, strict=True)), coord_frame="head"
                )
                info.set_montage(montage)
                return info
        info.set_montage(standard_montage(), on_missing="raise")
        return info

    def save(self, path: str | os.PathLike) -> None:
        """Write the dataset to netCDF (h5netcdf), atomically.

        Parameters
        ----------
        path : path-like
            Output file, by convention ending in ``.nc``.
        """
        with atomic_output(path) as tmp_path:
            self._dataset.to_netcdf(tmp_path, engine="h5netcdf")

    def to_table(self, variable: str | None = None, name: str = "value") -> pd.DataFrame:
        """One row per element of a variable, with a column per dimension.

        Parameters
        ----------
        variable : str | None
            Variable to tabulate. Default: the per-subject map, preceded by the
            ``pooled`` map (if any) in rows whose ``subject`` is the pooled
            subjects' name (``attrs["pooled_subjects"]``, default ``"all"``).
        name : str
            Name of the value column.

        Returns
        -------
        table : pandas.DataFrame
            Dimension columns (``subject``, ``channel``, ``band`` or
            ``frequency``, ``layer`` or ``class`` ...) in the variable's order,
            then ``name``; a ``split`` column follows ``subject`` where known.
        """
        dataset = self._dataset
        data = self.map if variable is None else dataset[variable]
        table = data.rename(name).to_dataframe().reset_index()
        columns = [*data.dims, name]
        if "subject" in data.dims and "split" in dataset.coords:
            splits = dict(zip(dataset["subject"].values, dataset["split"].values, strict=True))
            table["split"] = table["subject"].map(splits)
            columns.insert(columns.index("subject") + 1, "split")
        table = table[columns]
        if variable is None and "pooled" in dataset:
            pooled = dataset["pooled"].rename(name).to_dataframe().reset_index()
            pooled["subject"] = dataset.attrs.get("pooled_subjects", "all")
            pooled["split"] = ""
            table = pd.concat([pooled[table.columns], table], ignore_index=True)
        return table

    def write_table(self, path: str | os.PathLike, name: str = "value") -> None:
        """Write :meth:`to_table` (pooled and per-subject rows) as CSV, atomically.

        Parameters
        ----------
        path : path-like
            Output ``.csv`` file, or ``.csv.gz`` for a gzip-compressed one
            (level 1, no time stamp: the same table gives the same bytes).
        name : str
            Name of the value column.
        """
        table = self.to_table(name=name)
        with atomic_output(path) as tmp_path:
            if not str(path).endswith(".gz"):
                table.to_csv(tmp_path, index=False)
                return
            # No file name or time in the gzip header: the bytes depend on the table only.
            with (
                open(tmp_path, "wb") as raw,
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0) as out,
                io.TextIOWrapper(out, encoding="utf-8", newline="") as text,
            ):
                table.to_csv(text, index=False)

    def band_means(
        self, bands: Mapping[str, tuple[float, float]] | Sequence[Mapping]
    ) -> xr.Dataset:
        """Average a spectral map (dimension ``frequency``) over frequency bands.

        Parameters
        ----------
        bands : mapping of str to (float, float) | list of dict
            Band name to ``(low, high)`` in Hz (or the config's list of
            ``{"name", "low", "high"}``); frequencies ``low <= f <= high``
            (NaN where any of them is NaN).

        Returns
        -------
        maps : xarray.Dataset
            Every variable with a ``frequency`` dimension, with ``band`` instead.
        """
        if "frequency" not in self._dataset.dims:
            raise ValueError("band_means needs maps with a 'frequency' dimension")
        bands = as_band_mapping(bands)
        spectral = [name for name, v in self._dataset.data_vars.items() if "frequency" in v.dims]
        dataset = self._dataset[spectral]
        freqs = dataset["frequency"].values
        means = []
        for band, (low, high) in bands.items():
            inside = (freqs >= low) & (freqs <= high)
            if not inside.any():
                raise ValueError(f"band {band!r} ({low}-{high} Hz) holds no frequency of the maps")
            means.append(dataset.isel(frequency=inside).mean("frequency", skipna=False))
        result = xr.concat(means, dim="band", coords="minimal", compat="override")
        result = result.assign_coords(band_coords(bands))
        result.attrs = dict(self._dataset.attrs)
        return result.transpose(*self._band_order(result))

    def _band_order(self, dataset: xr.Dataset) -> list[str]:
        order = [d if d != "frequency" else "band" for d in self._dataset.dims]
        return [d for d in order if d in dataset.dims] + [d for d in dataset.dims if d not in order]

    def test(
        self,
        variable: str | None = None,
        family: str | None = None,
        *,
        method: str = "tmax",
        n_permutations: int = 1024,
        alpha: float = 0.05,
        seed: int | None = 0,
    ) -> xr.Dataset:
        """One-sample sign-flip test of the per-subject maps against 0, at every cell.

        Parameters
        ----------
        variable : str | None
            Per-subject variable (dimension ``subject``); default the map. For a
            paired contrast, subtract two networks' maps first (same subjects).
        family : str | None
            Dimension whose every value is a separate test family (corrected over
            its channels × bands or frequencies); default ``layer`` or ``class``
            when present, else the whole map is one family.
        method, n_permutations, alpha, seed
            See :func:`eegvis.stats.one_sample.one_sample_test`; ``"cluster"`` uses the
            channel adjacency of :attr:`info`.

        Returns
        -------
        result : xarray.Dataset
            ``mean``, ``t``, ``p`` and ``significant`` over the map's dimensions
            without ``subject``; attrs ``n_subjects``, ``method``, ``alpha``,
            ``n_permutations``, ``exact``.
        """
        from eegvis.stats.families import map_families
        from eegvis.stats.one_sample import one_sample_test

        data = self.map if variable is None else self._dataset[variable]
        if family is None:
            family = next((d for d in ("layer", "class") if d in data.dims), None)
        adjacency = None
        if method == "cluster":
            adjacency, _ = mne.channels.find_ch_adjacency(self.info, "eeg")
        results = []
        for cells in map_families(data, family):
            outcome = one_sample_test(
                cells.values,
                method=method,
                n_permutations=n_permutations,
                alpha=alpha,
                seed=seed,
                adjacency=adjacency,
            )
            dims, coords = cells.dims[1:], {d: cells[d] for d in cells.dims[1:]}
            results.append(
                xr.Dataset(
                    {
                        name: (dims, getattr(outcome, name))
                        for name in ("mean", "t", "p", "significant")
                    },
                    coords,
                    {
                        "n_subjects": outcome.n_subjects,
                        "method": outcome.method,
                        "alpha": outcome.alpha,
                        "n_permutations": outcome.n_permutations,
                        "exact": int(outcome.exact),
                    },
                )
            )
        if family is None:
            return results[0]
        return xr.concat(
            results, dim=data[family], coords="different", compat="equals", combine_attrs="override"
        )

    def plot(
        self,
        columns: str | None = None,
        variable: str | None = None,
        title: str = "",
        cbar_label: str = "",
        mask: xr.DataArray | None = None,
    ):
        """Scalp maps of the mean over subjects: rows ``band``, columns ``layer``/``class``.

        Parameters
        ----------
        columns : str | None
            Dimension of the grid's columns; default the map's last dimension.
        variable : str | None
            Variable to plot; default the per-subject map (averaged over subjects).
        title, cbar_label : str
            Figure title and colourbar label.
        mask : xarray.DataArray of bool | None
            Channels to mark, e.g. ``maps.eegvis.test()["significant"]``.

        Returns
        -------
        figure : matplotlib.figure.Figure
        """
        from eegvis.viz.topomaps import plot_map_grid

        data = self.map if variable is None else self._dataset[variable]
        if "subject" in data.dims:
            data = data.mean("subject")
        if "band" not in data.dims:
            raise ValueError("plot needs a 'band' dimension; use band_means() for spectral maps")
        columns = columns or [d for d in data.dims if d not in ("channel", "band")][-1]
        order = ("band", columns, "channel")
        return plot_map_grid(
            data.transpose(*order).values,
            [str(b) for b in data["band"].values],
            [str(c) for c in data[columns].values],
            self.info,
            title=title,
            cbar_label=cbar_label,
            mask=None if mask is None else mask.transpose(*order).values,
        )


def envelope_activation_table(results: Sequence[xr.Dataset]) -> pd.DataFrame:
    """Tidy table of the pooled correlations, summarised over units, of several networks.

    Parameters
    ----------
    results : sequence of xarray.Dataset
        Envelope-activation maps, one per network.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``model``, ``layer``, ``band``, ``channel``, ``correlation``
        (the correlation pooled over all subjects' samples, summarised over the
        layer's units as ``unit_summary`` says), ``unit_summary`` (``mean_abs``
        or ``mean``, see :func:`eegvis.analyses.envelope_maps.summarise_units`),
        ``n_units``.
    """
    frames = []
    for maps in results:
        table = maps["pooled"].rename("correlation").to_dataframe().reset_index()
        units = {layer: maps.sizes[f"unit_{layer}"] for layer in maps["layer"].values}
        table["n_units"] = table["layer"].map(units)
        table.insert(0, "model", maps.attrs["network"])
        table["unit_summary"] = maps.attrs.get("unit_summary", "mean")
        columns = ["model", "layer", "band", "channel", "correlation", "unit_summary", "n_units"]
        frames.append(table[columns])
    return pd.concat(frames, ignore_index=True)
