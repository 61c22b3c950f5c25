"""The report's results summary, from tables made here and from the demo's real tables."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from docutils.core import publish_parts

from eegvis.pipeline.summary import (
    RunTables,
    accuracy_table,
    chance_accuracy,
    map_table,
    quality_table,
    sanity_table,
    split_table,
    summary_contrast,
    summary_page,
)

CLASSES = ["left_hand", "right_hand"]


def epochs_summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subject": [1, 2, 3, 4, 5],
            "split": ["train", "train", "train", "valid", "valid"],
            "n_left_hand": [20, 22, 0, 21, 19],
            "n_right_hand": [21, 20, 0, 23, 22],
            "n_dropped": [1, 3, 45, 0, 2],
            "excluded": [False, False, True, False, False],
        }
    )


def test_split_table_counts_kept_subjects_and_their_trials():
    table = split_table(epochs_summary(), CLASSES).set_index("split")
    assert table.loc["train", "subjects"] == 2 and table.loc["train", "excluded subjects"] == 1
    assert table.loc["train", "left_hand trials"] == 42
    assert table.loc["train", "trials"] == 83
    assert table.loc["train", "dropped trials"] == 4  # of the kept subjects
    assert table.loc["valid", "trials"] == 85
    assert list(table.index) == ["train", "valid"]


def test_split_table_names_a_missing_column():
    with pytest.raises(ValueError, match="n_feet"):
        split_table(epochs_summary(), [*CLASSES, "feet"])


def test_chance_threshold_is_the_binomial_tail():
    chance = chance_accuracy([40, 44])
    n, p = 84, 44 / 84
    assert chance.level == pytest.approx(p)
    # Independent reference: the smallest k with P(X >= k) <= 0.05, summed directly.
    tail = [
        sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k, n + 1))
        for k in range(n + 1)
    ]
    k = next(k for k in range(n + 1) if tail[k] <= 0.05)
    assert chance.threshold == pytest.approx(k / n)
    assert chance.threshold > chance.level


@pytest.mark.parametrize("counts", [[], [0, 0], [3, -1]])
def test_chance_needs_trials(counts):
    with pytest.raises(ValueError, match="class_counts"):
        chance_accuracy(counts)


def test_accuracy_table_final_best_and_initial_weights():
    history = pd.DataFrame({"epoch": [0, 1, 2, 3], "valid_misclass": [0.5, 0.3, 0.1, 0.2]})
    shuffled = pd.DataFrame({"epoch": [0, 1, 2, 3], "valid_misclass": [0.5, 0.45, 0.55, 0.5]})
    chance = chance_accuracy([50, 50])
    table = accuracy_table({"trained": history, "shuffled": shuffled}, chance).set_index("network")
    assert table.loc["trained", "final"] == pytest.approx(0.8)
    assert table.loc["trained", "best"] == pytest.approx(0.9)
    assert table.loc["trained", "best epoch"] == "2"
    assert table.loc["untrained (initial weights)", "final"] == pytest.approx(0.5)
    assert table.loc["trained", "above chance"] == "yes"
    assert table.loc["shuffled", "above chance"] == "no"
    assert table.iloc[-1]["final"] == 0.5 and "chance" in table.index[-1]


def statistics_rows(contrast: str, t_values: dict[str, float], significant: set[str]) -> list:
    return [
        {
            "analysis": "gradient",
            "contrast": contrast,
            "layer": np.nan,
            "band": "mu",
            "class": "left_hand",
            "channel": channel,
            "t": t,
            "significant": channel in significant,
        }
        for channel, t in t_values.items()
    ]


def test_map_table_shows_the_trained_minus_untrained_map():
    t_values = {"C3": 3.0, "C4": -5.0, "Cz": 1.0, "Fp1": 4.0}
    statistics = pd.DataFrame(
        statistics_rows("trained", t_values, {"Fp1"})
        + statistics_rows("trained-untrained", t_values, {"C3", "C4", "Cz"})
    )
    reliability = pd.DataFrame(
        [
            {
                "analysis": "gradient",
                "contrast": contrast,
                "layer": np.nan,
                "band": "mu",
                "class": "left_hand",
                "split": split,
                "r_spearman_brown": r,
            }
            for contrast, split, r in [
                ("trained-untrained", "subjects", 0.8),
                ("trained-untrained", "iterations", 0.1),
                ("trained", "subjects", 0.2),
            ]
        ]
    )
    assert summary_contrast(statistics) == "trained-untrained"
    table = map_table(statistics, reliability, n_top=2)
    assert list(table.columns) == ["band", "class", "significant", "top channels", "reliability"]
    row = table.iloc[0]
    assert row["significant"] == "3 of 4"
    assert row["top channels"] == "C4, C3"  # by |t|, among the significant
    assert row["reliability"] == pytest.approx(0.8)


def test_summary_contrast_without_network_contrasts_or_known_ones():
    assert summary_contrast(pd.DataFrame({"contrast": [np.nan, np.nan]})) == ""
    with pytest.raises(ValueError, match="shuffled"):
        summary_contrast(pd.DataFrame({"contrast": ["shuffled"]}))


def test_quality_table_averages_the_classes():
    quality = pd.DataFrame(
        [
            {
                "method": "saliency",
                "network": "trained",
                "class": klass,
                "mask": "brain_effect",
                "metric": metric,
                "value": value,
                "chance": chance,
            }
            for klass, offset in [("left_hand", 0.0), ("right_hand", 0.1)]
            for metric, value, chance in [
                ("relevance_mass_accuracy", 0.4 + offset, 0.03),
                ("roc_auc", 0.8 + offset, 0.5),
                ("pointing_game", 1.0, 0.03),
            ]
        ]
    )
    row = quality_table(quality).iloc[0]
    assert row["mass accuracy"] == pytest.approx(0.45)
    assert row["ROC-AUC"] == pytest.approx(0.85)
    assert row["ROC-AUC (chance)"] == pytest.approx(0.5)
    assert "pointing_game" not in quality_table(quality).columns


def test_sanity_table_gives_verdicts():
    flags = pd.DataFrame(
        {
            "method": ["saliency", "deeplift"],
            "check": ["cascading randomisation"] * 2,
            "similarity": [0.3, 0.7],
            "threshold": [0.5, 0.5],
            "passed": [True, False],
        }
    )
    assert list(sanity_table(flags)["verdict"]) == ["passes", "flagged (≥ 0.5)"]


def reliance_rows(frontal_share: float) -> pd.DataFrame:
    """An artifact-reliance table: the trained network's left − right contrast by region."""
    shares = {"frontopolar": frontal_share, "sensorimotor": 1 - frontal_share}
    return pd.DataFrame(
        [
            {
                "analysis": "gradient",
                "contrast": "trained",
                "class": klass,
                "region": region,
                "frequency_range": "<4 Hz",
                "share": share,
                "n_channels": 4,
            }
            for region, share in shares.items()
            for klass in [*CLASSES, "left_hand-right_hand"]
        ]
    )


def run_tables(frontal_share: float) -> RunTables:
    t_values = {"C3": 3.0, "C4": -5.0}
    return RunTables(
        epochs=epochs_summary(),
        classes=CLASSES,
        histories={"trained": pd.DataFrame({"epoch": [0, 1], "valid_misclass": [0.5, 0.25]})},
        statistics={
            "gradient": pd.DataFrame(statistics_rows("trained-untrained", t_values, {"C4"}))
        },
        reliability=pd.DataFrame(
            [
                {
                    "analysis": "gradient",
                    "contrast": "trained-untrained",
                    "layer": np.nan,
                    "band": "mu",
                    "class": "left_hand",
                    "split": "subjects",
                    "r_spearman_brown": 0.9,
                }
            ]
        ),
        reliance=reliance_rows(frontal_share),
    )


@pytest.fixture()
def headline(tmp_path):
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(3, 2))
    ax.imshow(np.eye(3))
    path = tmp_path / "headline.png"
    figure.savefig(path)
    plt.close(figure)
    return path


def render(rst: str) -> str:
    """HTML of the page followed, as in the report, by the workflow's description.

    A docutils warning or error fails the test.
    """
    settings = {"halt_level": 2, "report_level": 2}
    page = rst + "About this workflow\n===================\n\nText.\n"
    return publish_parts(page, writer="html", settings_overrides=settings)["html_body"]


def test_summary_page_renders_the_runs_numbers(headline):
    page = render(
        summary_page(
            run_tables(frontal_share=0.1),
            data_note="Data: test_set",
            headline=headline,
            titles={"gradient": "Amplitude gradient"},
        )
    )
    text = re.sub(r"<[^>]+>", "", page)
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", page)
    assert headings == [
        "Subjects and trials",
        "Decoding accuracy (validation trials)",
        "Envelope–activation correlation (the paper's Fig. 15)",
        "Maps: significant channels and split-half reliability",
        "Artifact reliance",
    ]
    assert "Data: test_set." in text
    assert "0.75" in text  # the final accuracy, 1 - 0.25
    assert "Amplitude gradient (trained − untrained)" in text
    assert "1 of 2" in text and "No warning" in text
    assert 'id="results-summary"' in page and "data:image/png;base64," in page


def test_summary_page_warns_when_eye_sites_dominate(headline):
    page = render(summary_page(run_tables(0.9), data_note="Data: x", headline=headline))
    assert 'class="admonition warning"' in page
    assert "frontopolar" in re.search(r'class="admonition warning"(.*?)</div>', page, re.S).group(1)


def test_summary_page_without_training_history(headline):
    tables = run_tables(0.1)
    tables.histories = {}
    text = re.sub(r"<[^>]+>", "", render(summary_page(tables, data_note="x", headline=headline)))
    assert "imported, not trained here" in text
