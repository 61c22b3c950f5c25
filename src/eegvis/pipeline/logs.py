"""Logging set-up for the workflow's scripts."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: Loggers whose messages go to the job's log: eegvis, MNE, pooch (downloads) and
#: Python's warnings (``logging.captureWarnings``).
LOGGERS: tuple[str, ...] = ("eegvis", "mne", "pooch", "py.warnings")


def log_to_file(path: str | os.PathLike) -> logging.Logger:
    """Send this process's log messages, warnings and standard error to ``path``.

    Meant for a workflow job's own process, which it takes over: messages of
    eegvis, MNE and pooch at level INFO and above and every Python warning go
    to the file, and so does anything written to standard error afterwards
    (by Python or by compiled libraries). Warnings and errors are also written
    to the standard error the process started with, so they show in
    Snakemake's own output; so is an uncaught exception, which is logged to the
    file with its traceback.

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

    console = _redirect_stderr(path)
    file_handler = _handler(logging.FileHandler(path, mode="a"), logging.INFO)
    console_handler = _handler(logging.StreamHandler(console), logging.WARNING)
    logging.captureWarnings(True)
    for name in LOGGERS:
        named = logging.getLogger(name)
        named.handlers = [file_handler, console_handler]
        named.setLevel(logging.INFO)
        named.propagate = False
    logger = logging.getLogger("eegvis")

    def log_uncaught(kind: type[BaseException], error: BaseException, trace: object) -> None:
        file_handler.handle(
            logging.LogRecord("eegvis", logging.ERROR, "", 0, "%s", (error,), (kind, error, trace))
        )
        traceback.print_exception(kind, error, trace, file=console)
        console.flush()

    sys.excepthook = log_uncaught
    return logger


def _redirect_stderr(path: str | os.PathLike) -> TextIO:
    """Empty ``path`` and append standard error to it; return the previous standard error."""
    sys.stderr.flush()
    console = os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1)
    open(path, "w").close()
    log_fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    os.dup2(log_fd, sys.stderr.fileno())
    os.close(log_fd)
    return console


def _handler(handler: logging.Handler, level: int) -> logging.Handler:
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    return handler
