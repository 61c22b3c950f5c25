"""One subject's recordings from the configured source: downloaded, read or generated."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: The values of the config's ``dataset.source``.
SOURCES = ("eegbci", "moabb", "bids", "synthetic")


def fetch_recordings(
    subject: int,
    dataset: Mapping[str, Any],
    runs: Sequence[int],
    output: str | os.PathLike,
    synthetic_root: str | os.PathLike | None = None,
) -> list[Path]:
    """Make one subject's recordings available, from the source the config names.

    - ``eegbci``: download the runs from PhysioNet (or ``dataset.base_url``)
      into ``dataset.data_dir``, verify their checksums and write their record
      (subject and SHA-256 per file) to ``output``: the job's only output, so
      that Snakemake never deletes real recordings when it reruns the job.
    - ``moabb``: fetch the subject through MOABB and save it to ``output`` (FIF).
    - ``bids``: read the subject from the BIDS dataset and save it to ``output`` (FIF).
    - ``synthetic``: generate the runs into ``synthetic_root`` (EDF files), with
      the planted effect (``dataset.planted_effect``) and the artifacts
      (``dataset.artifacts``, keyword arguments of
      :class:`~eegvis.data.artifacts.Artifacts`).

    Parameters
    ----------
    subject : int
        Subject number.
    dataset : mapping
        The config's ``dataset`` section.
    runs : sequence of int
        Run numbers (eegbci and synthetic).
    output : path-like
        The job's output file.
    synthetic_root : path-like | None
        Folder of the synthetic recordings (``synthetic`` only).

    Returns
    -------
    paths : list of Path
        The subject's recordings.
    """
    source = dataset["source"]
    if source == "eegbci":
        from eegvis.data.download import fetch_subject, sha256
        from eegvis.utils.io import write_json

        paths = fetch_subject(subject, runs, dataset["data_dir"], dataset["base_url"])
        files = {path.as_posix(): sha256(path) for path in paths}
        write_json(output, {"subject": subject, "sha256": files})
        return paths
    if source == "moabb":
        from eegvis.data.sources import fetch_moabb_subject

        moabb = dataset.get("moabb", {})
        return [
            fetch_moabb_subject(
                moabb["dataset"], subject, output, moabb.get("options"), moabb.get("channels")
            )
        ]
    if source == "bids":
        from eegvis.data.sources import read_bids_subject

        bids = dataset.get("bids", {})
        return [
            read_bids_subject(
                bids["root"],
                subject,
                output,
                bids["task"],
                bids.get("session"),
                bids.get("runs"),
                bids.get("channels"),
            )
        ]
    if source == "synthetic":
        from eegvis.data.artifacts import Artifacts
        from eegvis.data.synthetic import write_subject

        if synthetic_root is None:
            raise ValueError("synthetic recordings need synthetic_root, the folder to write to")
        return write_subject(
            subject,
            runs,
            synthetic_root,
            dataset["seed"],
            planted=dataset["planted_effect"],
            artifacts=Artifacts(**dataset.get("artifacts", {})),
        )
    raise ValueError(f"dataset.source must be one of {SOURCES}, got {source!r}")
