"""The documentation builds offline, warnings as errors, and documents what the code has.

The site is built once, from a copy of ``docs/`` in a temporary folder (the gallery and
the API pages are written next to the sources), with the repository's ``docs/conf.py``:
nothing is written into the repository.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO

pytestmark = pytest.mark.slow

DOCS = REPO / "docs"
EXAMPLES = sorted((DOCS / "examples").glob("plot_*.py"))
#: The modules whose public names the API reference documents.
API_MODULES = ["eegvis", "eegvis.maps"] + [
    f"eegvis.{path.parent.name}" for path in sorted((REPO / "src/eegvis").glob("*/__init__.py"))
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the HTML site; return its folder."""
    tmp = tmp_path_factory.mktemp("docs")
    source = tmp / "source"
    generated = ("_build", "auto_examples", "generated", "sg_execution_times.rst")
    shutil.copytree(DOCS, source, ignore=shutil.ignore_patterns(*generated))
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-n"]
    command += ["-c", str(DOCS), "-d", str(tmp / "doctrees"), str(source), str(tmp / "html")]
    # One thread: the suite gives each worker one core (as tests/conftest.py does).
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "agg"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    assert "Sphinx-Gallery successfully executed" in result.stdout
    return tmp / "html"


def literals(html: str) -> set[str]:
    """Return the texts of the inline literals of a page (``<span class="pre">``)."""
    return set(re.findall(r'<span class="pre">([^<]*)</span>', html))


def test_every_example_ran_and_shows_its_figures(site):
    assert EXAMPLES, "the gallery has no example"
    index = (site / "auto_examples" / "index.html").read_text()
    for example in EXAMPLES:
        page = (site / "auto_examples" / f"{example.stem}.html").read_text()
        images = re.findall(rf'src="\.\./_images/(sphx_glr_{example.stem}_\d+\.png)"', page)
        assert images, f"{example.name}: its page shows no figure"
        for image in images:
            path = site / "_images" / image
            assert path.is_file() and path.stat().st_size > 10_000, image
        assert "Traceback" not in page, f"{example.name} printed a traceback"
        assert f'href="{example.stem}.html' in index, f"{example.name} is not in the gallery"


def _deref(schema: dict, root: dict) -> dict:
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _schema_keys(schema: dict, root: dict, prefix: str = "") -> dict[str, dict]:
    """Every key of the schema, dotted (list items as ``key[].item``), with its schema."""
    keys = {}
    for name, sub in _deref(schema, root).get("properties", {}).items():
        sub = _deref(sub, root)
        keys[prefix + name] = sub
        for alternative in [_deref(s, root) for s in sub.get("oneOf", [sub])]:
            keys |= _schema_keys(alternative, root, f"{prefix}{name}.")
            keys |= _schema_keys(alternative.get("items", {}), root, f"{prefix}{name}[].")
    return keys


def test_configuration_page_lists_every_schema_key_with_its_default(site):
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    keys = _schema_keys(schema, schema)
    assert {"dataset.artifacts.saccade_uv", "bands[].low", "attribution.sanity.threshold"} <= set(
        keys
    )
    html = (site / "configuration.html").read_text()
    missing = sorted(set(keys) - literals(html))
    assert not missing, f"keys missing from the configuration page: {missing}"
    for key, sub in keys.items():
        if "." not in key and "[]" not in key:
            continue  # a top-level key is a section, not an entry
        term = rf'<dt><code[^>]*><span class="pre">{re.escape(key)}</span></code></dt>'
        entry = re.search(rf"{term}\s*<dd>(.*?)</dd>", html, re.DOTALL)
        assert entry, f"{key} is not an entry of the reference"
        assert ("Default:" in entry[1]) == ("default" in sub), key
        for value in sub.get("enum", []):
            assert literals(entry[1]) >= set(str(value).split()), (key, value)


def test_api_reference_documents_every_public_function_and_class(site):
    api = (site / "api.html").read_text()
    documented = 0
    for module_name in API_MODULES:
        module = importlib.import_module(module_name)
        names = getattr(module, "__all__", None) or [
            name
            for name, value in vars(module).items()
            if not name.startswith("_") and getattr(value, "__module__", None) == module_name
        ]
        for name in names:
            value = getattr(module, name)
            if not (inspect.isfunction(value) or inspect.isclass(value)):
                continue
            canonical = f"{value.__module__}.{value.__qualname__}"
            assert f'href="generated/{canonical}.html' in api, f"{module_name}.{name}"
            page = (site / "generated" / f"{canonical}.html").read_text()
            assert f'id="{canonical}"' in page, f"{canonical}: no description on its page"
            if "Parameters\n----------" in inspect.getdoc(value):  # numpydoc rendered it
                assert re.search(r'<dt class="field-\w+">Parameters', page), canonical
            documented += 1
    assert documented > 150
