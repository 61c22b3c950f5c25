"""Atomic file output: a file appears under its final name only when complete."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path that replaces ``path`` when the block succeeds.

    The temporary file lives in the same directory (so the final rename is
    atomic) and ends with the same name as ``path``, so writers that check the
    file name (such as MNE's ``*_epo.fif`` convention) accept it. If the block
    raises, the temporary file is removed and ``path`` is left untouched: a
    partial file never looks complete. A process killed outright (SIGKILL)
    cannot remove its temporary file; the next successful write of ``path``
    removes such leftovers (``.partial-<pid>-<name>`` next to it).

    Parameters
    ----------
    path : path-like
        The final output path. Its parent directory is created if needed.

    Yields
    ------
    tmp_path : Path
        Where the caller writes the file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = path.with_name(f".partial-{os.getpid()}-{path.name}")
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)
    leftover = re.compile(rf"\.partial-\d+-{re.escape(path.name)}")
    for stale in path.parent.glob(".partial-*"):
        if leftover.fullmatch(stale.name):
            stale.unlink(missing_ok=True)


def write_json(path: str | os.PathLike, data: object) -> None:
    """Write ``data`` as indented JSON, atomically (see :func:`atomic_output`)."""
    with atomic_output(path) as tmp_path:
        tmp_path.write_text(json.dumps(data, indent=2) + "\n")


def save_figure(figure: Figure, paths: Iterable[str | os.PathLike], dpi: int = 150) -> None:
    """Save a matplotlib figure to each path (format from the suffix), atomically."""
    for path in paths:
        with atomic_output(path) as tmp_path:
            figure.savefig(tmp_path, dpi=dpi)
