"""Download of EEGBCI recordings through MNE, with checksum verification.

:func:`fetch_subject` calls :func:`mne.datasets.eegbci.load_data`, which
downloads with pooch into a temporary file, checks it against MNE's SHA-256
registry and only then moves it into place, so an interrupted or corrupted
download never leaves a file that looks complete. Files that are already in
place (pre-staged copies) are checked against the same registry.

Data: Schalk et al. (2004), IEEE TBME 51(6):1034-1043; PhysioNet, Goldberger
et al. (2000), Circulation 101(23):e215-e220.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

import mne

from eegvis.data.eegbci import dataset_root, run_filename

logger = logging.getLogger(__name__)

#: PhysioNet's address of the dataset.
PHYSIONET_URL = "https://physionet.org/files/eegmmidb/1.0.0/"


class DownloadError(RuntimeError):
    """A recording could not be downloaded; the message names the URL."""


class ChecksumError(DownloadError):
    """A recording's SHA-256 differs from MNE's registry; the message names the file."""


def registry() -> dict[str, str]:
    """Return MNE's SHA-256 registry of the EEGBCI files.

    Returns
    -------
    checksums : dict of str to str
        Maps relative paths such as ``"S001/S001R04.edf"`` to hex digests.
    """
    text = files("mne").joinpath("data", "eegbci_checksums.txt").read_text()
    return dict(line.split() for line in text.splitlines() if line.strip())


def sha256(path: str | os.PathLike) -> str:
    """Return the hex SHA-256 digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_checksums(paths: Sequence[str | os.PathLike]) -> None:
    """Check recordings against MNE's registry.

    Parameters
    ----------
    paths : sequence of path-like
        Recordings in the PhysioNet layout, ``.../SXXX/SXXXRYY.edf``.

    Raises
    ------
    ChecksumError
        For the first file whose digest differs from the registry, or that the
        registry does not know.
    """
    known = registry()
    for path in paths:
        relative = f"{Path(path).parent.name}/{Path(path).name}"
        if relative not in known:
            raise ChecksumError(f"{path}: not an EEGBCI file known to MNE's registry.")
        actual = sha256(path)
        if actual != known[relative]:
            raise ChecksumError(
                f"{path}: SHA-256 {actual} does not match MNE's registry "
                f"({known[relative]}); the file is corrupt or not the PhysioNet "
                "original. Delete it and run the workflow again to download it."
            )


def fetch_subject(
    subject: int,
    runs: Sequence[int],
    data_dir: str | os.PathLike,
    base_url: str = PHYSIONET_URL,
) -> list[Path]:
    """Download one subject's runs (if needed) and verify them.

    Parameters
    ----------
    subject : int
        Subject number, 1 to 109.
    runs : sequence of int
        Run numbers, 1 to 14.
    data_dir : path-like
        Download location (see :func:`eegvis.data.eegbci.dataset_root` for the layout below it).
    base_url : str
        Server with the PhysioNet layout, ending in ``files/eegmmidb/1.0.0/``.

    Returns
    -------
    paths : list of Path
        The verified EDF files, one per run, in the order of ``runs``.

    Raises
    ------
    DownloadError
        If a file cannot be fetched; the message names the URL and how to use a
        mirror or pre-staged files instead.
    ChecksumError
        If a downloaded or pre-staged file does not match MNE's registry.
    """
    root = dataset_root(data_dir)
    paths = []
    for run in runs:
        url = base_url + run_filename(subject, run).as_posix()
        logger.info("Subject %d run %d: %s", subject, run, url)
        try:
            (path,) = mne.datasets.eegbci.load_data(
                subject, [run], path=data_dir, base_url=base_url, update_path=False
            )
        except Exception as error:  # requests, pooch and OS errors alike
            raise DownloadError(
                f"Could not download {url} into {root}: {error}. Without internet "
                "access, set dataset.base_url in the config to a mirror with the "
                "PhysioNet layout (.../files/eegmmidb/1.0.0/), or copy the EDF files "
                f"into {root}/SXXX/ beforehand; they are verified, not downloaded again."
            ) from error
        paths.append(Path(path))
    verify_checksums(paths)
    logger.info("Subject %d: %d files verified against MNE's checksums", subject, len(paths))
    return paths
