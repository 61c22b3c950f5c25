"""Comparing two runs' result folders bit for bit (timings, logs and figures aside)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from eegvis.data.epochs import load_epochs

TIMING_COLUMNS = ("train_time_s", "wall_time_s")


def assert_same(a: object, b: object, where: str) -> None:
    """Bit-identical nested values: tensors, arrays, mappings, sequences, scalars."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype, where
        assert a.shape == b.shape and torch.equal(a, b), where
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape, where
        assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), where
    elif isinstance(a, dict):
        keys = set(a) - set(TIMING_COLUMNS)
        assert keys == set(b) - set(TIMING_COLUMNS), where
        for key in keys:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b), where
    else:
        assert a == b, where


def assert_same_file(a: Path, b: Path) -> None:
    where = str(a)
    suffix = "".join(a.suffixes[-1:])
    if a.name.endswith("_epo.fif"):  # FIF files carry write time stamps: compare contents
        ea, eb = load_epochs(a), load_epochs(b)
        assert_same(ea.get_data(), eb.get_data(), where)
        assert_same(ea.events, eb.events, where)
        assert ea.ch_names == eb.ch_names and ea.info["sfreq"] == eb.info["sfreq"], where
        pd.testing.assert_frame_equal(ea.metadata, eb.metadata, check_exact=True)
    elif suffix == ".pt":
        assert_same(torch.load(a, weights_only=False), torch.load(b, weights_only=False), where)
    elif suffix in (".nc", ".gz"):  # netCDF files and compressed tables: byte-identical
        assert a.read_bytes() == b.read_bytes(), where
    elif suffix == ".csv":
        ta, tb = pd.read_csv(a), pd.read_csv(b)
        timing = [c for c in TIMING_COLUMNS if c in ta.columns]
        pd.testing.assert_frame_equal(ta.drop(columns=timing), tb.drop(columns=timing))
        assert ta.drop(columns=timing).equals(tb.drop(columns=timing)), where  # exact
    elif suffix == ".json":
        assert json.loads(a.read_text()) == json.loads(b.read_text()), where
    elif suffix == ".edf":
        assert a.read_bytes() == b.read_bytes(), where
    elif suffix == ".rst":  # the report's summary: its text, without the embedded figure
        assert _without_images(a.read_text()) == _without_images(b.read_text()), where
    else:
        raise AssertionError(f"no comparison for {a}")


def _without_images(text: str) -> str:
    """``text`` with each embedded image's data (a data URI over indented lines) left out."""
    return re.sub(r"data:image/png;base64,\n(   \S+\n)+", "data:image/png;base64,...\n", text)


#: Not compared bit for bit: logs, benchmarks, figures, provenance (time stamps).
NOT_COMPARED = re.compile(r"^(logs|benchmarks)/|\.(png|pdf)$|^provenance\.json$")


def result_files(results: Path) -> list[str]:
    return sorted(p.relative_to(results).as_posix() for p in results.rglob("*") if p.is_file())


def assert_same_results(a: Path, b: Path) -> int:
    """Compare every result file of ``a`` and ``b``; return how many were compared."""
    files = result_files(a)
    assert files == result_files(b)
    compared = [name for name in files if not NOT_COMPARED.search(name)]
    for name in compared:
        assert_same_file(a / name, b / name)
    return len(compared)
