"""Row and column titles of the figures (eegvis.viz.labels)."""

from __future__ import annotations

import subprocess
import sys

from eegvis.evaluation.ground_truth import METRICS
from eegvis.models import BLOCK_OUTPUTS
from eegvis.viz.labels import LAYER_TITLES, METRIC_TITLES, band_title


def test_every_analysed_layer_has_a_title_in_order():
    assert list(LAYER_TITLES) == list(BLOCK_OUTPUTS)
    assert list(LAYER_TITLES.values()) == [
        "block 1",
        "block 2",
        "block 3",
        "block 4",
        "classifier",
    ]


def test_band_titles_drop_needless_decimals():
    assert band_title("alpha", 7, 13) == "alpha 7–13 Hz"
    assert band_title("alpha", 7.0, 13.0) == "alpha 7–13 Hz"
    assert band_title("low", 0, 4.5) == "low 0–4.5 Hz"


def test_labels_import_without_plotting_libraries():
    code = "import sys, eegvis.viz.labels; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False"


def test_every_ground_truth_score_has_a_panel_title():
    assert list(METRIC_TITLES) == list(METRICS)
