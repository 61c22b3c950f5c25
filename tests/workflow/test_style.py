"""Code style is part of the build: ruff, snakefmt and Snakemake's linter."""

import subprocess
import sys

import pytest
from conftest import REPO

CHECKS = {
    "ruff check": [sys.executable, "-m", "ruff", "check", "."],
    "ruff format": [sys.executable, "-m", "ruff", "format", "--check", "."],
    "snakefmt": [sys.executable, "-m", "snakefmt", "--check", "Snakefile", "workflow"],
    "snakemake --lint": [sys.executable, "-m", "snakemake", "--lint"],
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_clean(name):
    result = subprocess.run(CHECKS[name], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    if name == "snakemake --lint":
        assert "Lints for" not in result.stdout + result.stderr
