"""Arrays collected on disk: rows from many subjects without holding them all in memory.

The amplitude-perturbation maps need every crop of every subject in each
iteration (the pooled map and the stopping rule use all of them). Held in
memory, the crops grow with the number of subjects (3.9 GB of peak memory at
109 subjects). :func:`spilled_rows` writes them, one subject at a time, to an
anonymous temporary file and gives them back memory-mapped. The operating
system then keeps in memory only what fits, and the file is deleted when the
block ends, even after an error.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np


@contextmanager
def spilled_rows(
    chunks: Iterable[np.ndarray], directory: str | Path | None = None
) -> Iterator[np.ndarray]:
    """Concatenate arrays along their first axis in a temporary file; yield the result mapped.

    Parameters
    ----------
    chunks : iterable of numpy.ndarray
        Arrays with the same dtype and the same shape after the first axis,
        consumed one at a time. Only one of them is held at any time.
    directory : str or pathlib.Path or None
        Where the temporary file goes. None: Python's default (``$TMPDIR``,
        which Snakemake sets to the job's ``resources.tmpdir``).

    Yields
    ------
    numpy.ndarray, shape (n_rows, ...)
        The concatenated rows, a writable ``numpy.memmap`` (writes change only
        the temporary file) that must not be used after the block ends; an
        empty array of shape ``(0,)`` if there were no chunks.

    Raises
    ------
    ValueError
        If two chunks differ in dtype or trailing shape.
    """
    with tempfile.TemporaryFile(prefix="eegvis-", dir=directory) as file:
        n_rows, layout = 0, None
        for chunk in chunks:
            chunk = np.ascontiguousarray(chunk)
            if layout is None:
                layout = chunk.dtype, chunk.shape[1:]
            elif (chunk.dtype, chunk.shape[1:]) != layout:
                raise ValueError(
                    f"chunk of {chunk.dtype} {chunk.shape[1:]} after chunks of "
                    f"{layout[0]} {layout[1]}: every chunk needs the same dtype and shape "
                    "after the first axis"
                )
            file.write(chunk.data)
            n_rows += len(chunk)
        if layout is None:
            yield np.empty(0)
            return
        file.flush()
        dtype, shape = layout
        if n_rows == 0:
            yield np.empty((0, *shape), dtype)
            return
        yield np.memmap(file, dtype, "r+", shape=(n_rows, *shape))
