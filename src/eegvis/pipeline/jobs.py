"""Steps the workflow's scripts share: a job's set-up, its subjects, its network's maps, its files.

Every function takes the job's ``snakemake`` object, which Snakemake's
``script:`` directive gives each script (any object with its ``log``,
``threads``, ``input``, ``params``, ``wildcards`` and ``output`` will do), and
reads the inputs and parameters that the workflow's rules name the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import mne
import pandas as pd
import torch
import xarray as xr

from eegvis.data.bandpassing import bandpassed_subjects
from eegvis.data.epochs import iter_subjects
from eegvis.data.subjects import SubjectTrials
from eegvis.models.io import load_model
from eegvis.pipeline.logs import log_to_file
from eegvis.utils.devices import resolve_device


def start_job(job: Any) -> logging.Logger:
    """Log to the job's log file (:func:`log_to_file`), then give torch the job's threads.

    Parameters
    ----------
    job : snakemake.script.Snakemake
        The job: ``log[0]`` and ``threads``.

    Returns
    -------
    logger : logging.Logger
        The ``eegvis`` logger, for the script's own progress messages.
    """
    log = log_to_file(job.log[0])
    torch.set_num_threads(job.threads)
    return log


def job_info(job: Any) -> mne.Info:
    """Return the channels of the job's epochs (the first file of ``input.epochs``).

    Parameters
    ----------
    job : snakemake.script.Snakemake
        The job: ``input.epochs``.

    Returns
    -------
    info : mne.Info
    """
    return mne.io.read_info(job.input.epochs[0], verbose="error")


def job_subjects(job: Any, classes: Sequence[str]) -> Iterator[SubjectTrials]:
    """Return the job's subjects, one at a time (:func:`eegvis.data.epochs.iter_subjects`).

    Parameters
    ----------
    job : snakemake.script.Snakemake
        The job: ``input.epochs``, ``input.summaries``, ``params.units`` and
        ``params.splits``.
    classes : sequence of str
        Class names, in the network's order.

    Returns
    -------
    subjects : iterator of SubjectTrials
    """
    return iter_subjects(
        job.input.epochs,
        job.input.summaries,
        classes,
        job.params.units,
        splits=job.params.splits,
    )


def bandpassed_job_subjects(job: Any, classes: Sequence[str]) -> Iterator[SubjectTrials]:
    """Return the job's subjects with their band-passed trials, loaded ahead.

    :func:`eegvis.data.bandpassing.bandpassed_subjects` of the job's epochs and
    recordings, each band filtered in one of the job's threads.

    Parameters
    ----------
    job : snakemake.script.Snakemake
        The job: ``input.epochs``, ``input.summaries``, ``threads`` and
        ``params.recordings``, ``runs``, ``epochs`` (the epoching settings),
        ``bands`` (name to ``(low, high)``) and ``splits``.
    classes : sequence of str
        Class names, in the network's order.

    Returns
    -------
    subjects : iterator of SubjectTrials
        With ``filtered`` set.
    """
    params = job.params
    return bandpassed_subjects(
        job.input.epochs,
        job.input.summaries,
        classes,
        params.recordings,
        params.runs,
        params.epochs,
        list(params.bands.values()),
        params.splits,
        n_jobs=job.threads,
    )


def network_maps(job: Any, subjects_maps: Callable[..., xr.Dataset], **options: Any) -> xr.Dataset:
    """Run a ``*_subjects`` spectral map function on the job's network and subjects.

    The network is ``input.model`` on ``params.device``
    (:func:`eegvis.utils.devices.resolve_device`); its classes and input length
    come from the model file, and the maps are named after
    ``wildcards.model``.

    Parameters
    ----------
    job : snakemake.script.Snakemake
        The job: ``input.model``, ``params.device``, ``wildcards.model`` and
        what :func:`job_subjects` and :func:`job_info` read.
    subjects_maps : callable
        :func:`eegvis.analyses.spectral_maps.gradient_subjects` or
        :func:`eegvis.analyses.spectral_maps.perturbation_subjects`.
    **options
        Its other keyword arguments.

    Returns
    -------
    maps : xarray.Dataset
    """
    model, metadata = load_model(job.input.model, resolve_device(job.params.device))
    return subjects_maps(
        model,
        job_subjects(job, metadata["classes"]),
        job_info(job),
        metadata["classes"],
        input_length=metadata["input_time_length"],
        network=job.wildcards.model,
        **options,
    )


def save_maps(job: Any, maps: xr.Dataset, name: str) -> None:
    """Write maps to ``output.maps`` and their table to ``output.table``.

    Parameters
    ----------
    job : snakemake.script.Snakemake
        The job: ``output.maps`` and ``output.table``.
    maps : xarray.Dataset
        Maps with the ``.eegvis`` accessor's ``save`` and ``write_table``.
    name : str
        Name of the table's value column.
    """
    maps.eegvis.save(job.output.maps)
    maps.eegvis.write_table(job.output.table, name=name)


def read_tables(job: Any, *names: str) -> list[pd.DataFrame]:
    """Read the job's inputs ``names``, CSV tables, in that order.

    Parameters
    ----------
    job : snakemake.script.Snakemake
        The job, with inputs ``names``.
    *names : str
        The inputs' names.

    Returns
    -------
    tables : list of pandas.DataFrame
    """
    return [pd.read_csv(getattr(job.input, name)) for name in names]
