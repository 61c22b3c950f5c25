"""Parsing the workflow imports nothing heavy: every dry run and every cluster job parses it."""

import re
import subprocess
import sys

from conftest import REPO

HEAVY = ("mne", "matplotlib", "torch", "xarray", "scipy", "pandas")


def test_the_rules_import_no_heavy_library_at_parse_time():
    files = [REPO / "Snakefile", *sorted((REPO / "workflow" / "rules").glob("*.smk"))]
    pattern = r"^(?:from|import) (eegvis[\w.]*)"
    modules = sorted({m for path in files for m in re.findall(pattern, path.read_text(), re.M)})
    assert modules, "no eegvis import found in the rules"
    code = f"import {', '.join(modules)}, sys; print([m for m in {HEAVY!r} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]", (modules, result.stdout)
