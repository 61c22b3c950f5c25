"""reStructuredText pieces, checked by rendering them with docutils as Snakemake does."""

from __future__ import annotations

import base64
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from docutils.core import publish_parts

from eegvis.utils.rst import admonition, cell, embedded_image, escape, list_table


def html(rst: str) -> str:
    """The HTML body of ``rst``; any docutils warning or error fails the test."""
    return publish_parts(
        rst, writer="html", settings_overrides={"halt_level": 2, "report_level": 2}
    )["html_body"]


def text(fragment: str) -> str:
    return re.sub(r"<[^>]+>", "", fragment)


@pytest.mark.parametrize(
    "literal",
    ["left_hand", "|attribution|", "*not emphasis*", "`code`", "a\\b", "trained-untrained"],
)
def test_escaped_text_renders_as_written(literal):
    assert text(html(escape(literal))).strip() == literal


def test_escape_joins_lines():
    assert escape("two\nlines") == "two lines"


def test_cells_format_floats_and_missing_values():
    assert cell(0.123456) == "0.12"
    assert cell(0.123456, digits=3) == "0.123"
    assert cell(float("nan")) == cell(None) == "–"
    assert cell(7) == "7"


def test_list_table_renders_every_cell_under_its_header():
    frame = pd.DataFrame(
        {"network": ["trained", "untrained_x"], "final": [0.8765, np.nan], "n": [3, 4]}
    )
    page = html(list_table(frame, title="Accuracy | per network"))
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.DOTALL)
    cells = [
        [text(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in rows
    ]
    assert cells == [["network", "final", "n"], ["trained", "0.88", "3"], ["untrained_x", "–", "4"]]
    assert "Accuracy | per network" in text(page)


def test_list_table_needs_columns():
    with pytest.raises(ValueError, match="no column"):
        list_table(pd.DataFrame())


def test_embedded_image_carries_the_files_bytes(tmp_path):
    figure, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [1, 0])
    path = tmp_path / "figure.png"
    figure.savefig(path)
    plt.close(figure)
    rst = embedded_image(path, alt="A line")
    assert max(map(len, rst.splitlines())) < 100  # docutils limits a line's length
    source = re.search(r'<img alt="A line" src="([^"]+)"', html(rst)).group(1)
    assert source.startswith("data:image/png;base64,")
    assert base64.b64decode(source.split(",", 1)[1]) == path.read_bytes()


def test_embedded_image_refuses_other_files(tmp_path):
    path = tmp_path / "figure.pdf"
    path.write_bytes(b"%PDF-1.7")
    with pytest.raises(ValueError, match="figure.pdf is not a PNG"):
        embedded_image(path, alt="x")


def test_admonition_lists_each_message():
    page = html(admonition("warning", ["first_one", "second |one|"]))
    assert 'class="admonition warning"' in page
    items = [text(item).strip() for item in re.findall(r"<li>(.*?)</li>", page, re.S)]
    assert items == ["first_one", "second |one|"]
    with pytest.raises(ValueError, match="at least one"):
        admonition("note", [])
