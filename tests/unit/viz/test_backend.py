"""Importing the figures of eegvis leaves matplotlib's backend alone (e.g. a notebook's)."""

import importlib.util
import os
import subprocess
import sys

import pytest

import eegvis.viz

#: Every figure module of eegvis.viz (its lazy loader lists them beside their functions).
VIZ_MODULES = [
    name for name in eegvis.viz.__all__ if importlib.util.find_spec(f"eegvis.viz.{name}")
]


@pytest.mark.parametrize("how", ["environment", "matplotlib.use"])
def test_importing_the_figures_keeps_the_backend(how):
    backend = "svg" if how == "environment" else "pdf"
    chosen = f"matplotlib.use({backend!r}); " if how == "matplotlib.use" else ""
    imports = "; ".join(f"import eegvis.viz.{name}" for name in VIZ_MODULES)
    code = f"import matplotlib; {chosen}{imports}; print(matplotlib.get_backend())"
    environment = {**os.environ, "MPLBACKEND": backend if how == "environment" else ""}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env=environment,
    )
    assert result.stdout.strip().lower() == backend
