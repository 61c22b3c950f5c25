"""Logging set-up for the workflow's scripts."""

from __future__ import annotations

import logging
import os
import sys
from types import TracebackType

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_to_file(path: str | os.PathLike) -> logging.Logger:
    """Send this process's log messages and any uncaught error to ``path``.

    Messages of eegvis, MNE and pooch (downloads) at level INFO and above go to the file;
    warnings and errors also go to standard error, so they show in
    Snakemake's own output. An uncaught exception is written to the file with
    its traceback before Python reports it as usual.

    Parameters
    ----------
    path : path-like
        The job's log file (Snakemake's ``log[0]``); overwritten.

    Returns
    -------
    logger : logging.Logger
        The ``eegvis`` logger, for the script's own progress messages.
    """
    import mne  # noqa: F401  (MNE resets its logger's handlers when imported)

    file_handler = logging.FileHandler(path, mode="w")
    file_handler.setFormatter(logging.Formatter(FORMAT))
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter(FORMAT))
    for name in ("eegvis", "mne", "pooch"):
        named = logging.getLogger(name)
        named.handlers = [file_handler, console]
        named.setLevel(logging.INFO)
        named.propagate = False
    logger = logging.getLogger("eegvis")

    def log_uncaught(
        kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        file_handler.handle(
            logging.LogRecord("eegvis", logging.ERROR, "", 0, "%s", (error,), (kind, error, trace))
        )
        sys.__excepthook__(kind, error, trace)

    sys.excepthook = log_uncaught
    return logger
