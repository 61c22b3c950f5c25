"""`snakemake --report`: one self-contained HTML file with the figures, config and run times."""

from __future__ import annotations

import base64
import html
import json
import re
from html.parser import HTMLParser

import pytest
from conftest import REPO, TINY, run_snakemake

pytestmark = pytest.mark.slow

CAPTIONS = REPO / "workflow" / "report"
#: Captions of outputs that only a run with ICA or variants has (not the tiny run).
ONLY_WITH_ARTIFACT_CONTROL = ("ica_summary.rst", "ica_components.rst", "artifact_control.rst")


SCRIPTS = {
    "workflow_desc": "workflow-desc",
    "results": "results",
    "runtimes_spec": "runtimes",
    "timeline_spec": "timeline",
}


def _script_variable(page: str, name: str):
    """The JSON value of ``var <name> = ...;`` in the report's script of that data."""
    pattern = rf'<script id="{SCRIPTS[name]}">\s*var {name} = (.*?);\n\s*</script>'
    match = re.search(pattern, page, flags=re.DOTALL)
    assert match, f"no {name} in the report"
    return json.loads(match.group(1))


def _text(fragment: str) -> str:
    """Plain text of an HTML fragment, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "data") and value is not None:
                self.links.append((tag, name, value))


@pytest.fixture(scope="module")
def report(tiny_run, tmp_path_factory):
    """The report of the tiny demo (1 + 1 subjects, 1 run, 4 epochs), written beside it."""
    page = tmp_path_factory.mktemp("report") / "report.html"
    config = tiny_run / "config" / "test.yaml"
    run_snakemake(tiny_run, "--report", str(page), "--configfile", str(config))
    assert page.is_file()
    return {"page": page.read_text(), "results": tiny_run / "results" / TINY}


def test_report_is_one_self_contained_file(report):
    page = report["page"]
    assert len(page) > 100_000
    parser = _Links()
    parser.feed(page)
    for tag, attribute, value in parser.links:
        # Only in-page anchors, embedded data, script actions or web links; no file.
        assert value.startswith(("#", "data:", "javascript:", "https://", "http://")), (
            tag,
            attribute,
            value[:100],
        )
    for entry in _script_variable(page, "results").values():
        assert entry["data_uri"].startswith("data:"), entry["filename"]


def test_report_has_every_figure_with_its_caption(report):
    results = _script_variable(report["page"], "results")
    by_name = {entry["filename"]: entry for entry in results.values()}
    figures = sorted(path.name for path in (report["results"] / "figures").glob("*.png"))
    assert len(figures) >= 5, figures
    analyses = ["envelope_activation", "envelope_class", "gradient", "attribution", "perturbation"]
    analyses.append("saliency")  # the tiny run's one attribution method
    statistics = {
        "reliability.csv",
        "artifact_reliance.csv",
        *(f"{analysis}.csv" for analysis in analyses),
    }
    # the methods' sanity checks (no shuffled control: no label-randomisation rows) and
    # their scores against the planted effect
    checks = {"cascading.csv", "label_randomisation.csv", "flags.csv", "attribution_quality.csv"}
    tables = statistics | checks
    assert set(by_name) == set(figures) | tables
    captions = {_text(entry["caption"]) for entry in by_name.values()}
    for caption_file in sorted(CAPTIONS.glob("*.rst")):
        if caption_file.name in ("workflow.rst", *ONLY_WITH_ARTIFACT_CONTROL):
            continue
        first_line = " ".join(caption_file.read_text().split("\n", 1)[0].split())
        assert any(first_line in caption for caption in captions), caption_file.name
    for name in tables:  # embedded
        assert by_name[name]["data_uri"].startswith("data:"), name
    for name in statistics:  # with their rows
        assert len(by_name[name]["data_uri"]) > 1_000, name
    for name in checks:
        lines = base64.b64decode(by_name[name]["data_uri"].split(",", 1)[1]).decode().splitlines()
        assert lines[0].startswith("method,"), (name, lines[0])
        rows = len(lines) - 1  # no shuffled control: no label-randomisation rows
        assert rows == 0 if name == "label_randomisation.csv" else rows > 0, name
    for name, entry in by_name.items():
        if name in tables:
            continue
        uri = entry["data_uri"]
        assert uri.startswith("data:image/png;") and ";base64," in uri, (name, uri[:80])
        assert len(uri) > 10_000, name  # the image itself, not a reference to it
        assert entry["mime_type"] == "image/png", name


def test_report_describes_the_workflow_and_shows_the_config(report):
    description = _text(_script_variable(report["page"], "workflow_desc"))
    assert "Schirrmeister" in description
    assert f"for the config {TINY}" in description
    configuration = description.split("Configuration", 1)[1]
    for key in ('"input_time_length": 450', '"n_iterations": 2', f'"name": "{TINY}"'):
        assert key in configuration, key


def test_report_has_runtime_statistics(report):
    runtimes = _script_variable(report["page"], "runtimes_spec")["data"]["values"]
    rules = {entry["rule"] for entry in runtimes}
    assert {"train_model", "envelope_activation", "perturbation", "epoch_subject"} <= rules
    assert all(entry["runtime"] >= 0 for entry in runtimes)
    assert _script_variable(report["page"], "timeline_spec")["data"]["values"]
