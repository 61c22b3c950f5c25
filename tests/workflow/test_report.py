"""`snakemake --report`: one self-contained HTML file with the figures, config and run times.

The landing page's results summary is also checked as a reader sees it: rendered by
headless Chromium (Debian's ``chromium``, which the README's set-up installs), with a
screenshot kept under ``build/test-artifacts/`` (or ``$EEGVIS_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
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
        first_line = re.sub(r"\\(.)", r"\1", first_line)  # as rendered: no escapes
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


def test_report_has_no_rendering_errors(report):
    # docutils puts a "System Message" into the page for every error or warning it
    # meets in a caption or in the description (an unescaped |x|, a duplicate target).
    assert "System Message" not in report["page"]
    assert "Docutils System Messages" not in report["page"]


#: Chromium's flags for a closed network: no background connections, no sandbox (root).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: Reads the summary's tables and decodes every image of the page and of the results.
RENDERED = """async () => {
    const tables = Array.from(document.querySelectorAll("#results-summary table")).map(
        (table) => ({
            caption: table.caption ? table.caption.textContent.trim() : "",
            rows: Array.from(table.rows).map(
                (row) => Array.from(row.cells).map((cell) => cell.textContent.trim())),
        }));
    const decode = async (name, source) => {
        const image = new Image();
        image.src = source;
        try { await image.decode(); return [name, image.naturalWidth]; }
        catch (error) { return [name, 0]; }
    };
    const images = [];
    for (const image of document.images) images.push(await decode(image.alt, image.src));
    for (const [path, entry] of Object.entries(results)) {
        if (entry.mime_type.startsWith("image/")) images.push(await decode(path, entry.data_uri));
    }
    const headings = Array.from(document.querySelectorAll("#results-summary h2")).map(
        (heading) => heading.textContent.trim());
    return {tables, images, headings};
}"""


@pytest.fixture(scope="module")
def rendered(report):
    """The report's landing page rendered by headless Chromium: its summary and images."""
    from playwright.sync_api import sync_playwright

    browser_path = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser_path is None:
        pytest.fail("no chromium on PATH: the README's set-up installs Debian's chromium")
    page_path = report["results"].parent.parent / "report.html"
    page_path.write_text(report["page"])
    artifacts = Path(os.environ.get("EEGVIS_TEST_ARTIFACTS", REPO / "build" / "test-artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(page_path.as_uri())
        page.get_by_role("heading", name="Results summary").wait_for(timeout=60_000)
        content = page.evaluate(RENDERED)
        # The page opens at the summary's top (Snakemake's own layout would centre it).
        content["top"] = page.get_by_role("heading", name="Results summary").bounding_box()
        page.screenshot(path=artifacts / "report_landing.png")
        browser.close()
    content["errors"] = errors
    content["screenshot"] = artifacts / "report_landing.png"
    return content


def test_report_summary_renders_in_a_browser(rendered, report):
    assert rendered["errors"] == []
    assert rendered["headings"][:3] == [
        "Subjects and trials",
        "Decoding accuracy (validation trials)",
        "Envelope–activation correlation (the paper's Fig. 15)",
    ]
    assert 0 <= rendered["top"]["y"] < 200, rendered["top"]
    assert rendered["screenshot"].stat().st_size > 20_000


def test_report_summary_holds_the_runs_accuracy_and_trials(rendered, report):
    tables = {tuple(table["rows"][0]): table["rows"][1:] for table in rendered["tables"]}
    history = pd.read_csv(report["results"] / "models" / "history.csv")
    accuracy = tables[("network", "final", "best", "best epoch", "above chance")]
    by_network = {row[0]: row for row in accuracy}
    assert by_network["trained"][1] == f"{1 - history['valid_misclass'].iloc[-1]:.2f}"
    assert by_network["trained"][2] == f"{1 - history['valid_misclass'].min():.2f}"
    assert by_network["untrained (initial weights)"][1] == (
        f"{1 - history['valid_misclass'].iloc[0]:.2f}"
    )
    epochs = pd.read_csv(report["results"] / "epochs" / "summary.csv")
    splits = {row[0]: row for row in tables[next(key for key in tables if key[0] == "split")]}
    for split in ("train", "valid"):
        rows = epochs[epochs["split"] == split]
        trials = int(rows["n_left_hand"].sum() + rows["n_right_hand"].sum())
        assert splits[split][1] == str(len(rows)) and splits[split][5] == str(trials)


def test_report_summary_has_a_table_per_analysis(rendered):
    captions = [table["caption"] for table in rendered["tables"] if table["caption"]]
    for title in ("Envelope–activation correlation", "Amplitude gradient", "Saliency"):
        assert any(caption.startswith(title) for caption in captions), (title, captions)


def test_every_image_of_the_report_decodes(rendered):
    names = [name for name, _ in rendered["images"]]
    assert any(name.startswith("Envelope-activation") for name in names)  # the headline
    assert sum(name.endswith(".png") for name in names) >= 5  # the results' figures
    assert [name for name, width in rendered["images"] if width == 0] == []
