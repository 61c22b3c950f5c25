"""Map grids read from the statistics and reliability tables, and their captions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eegvis.viz.captions import (
    LOW_RELIABILITY,
    METHOD_DESCRIPTIONS,
    describe_reliability,
    map_grid,
    reliability_notes,
    select,
    statistics_caption,
)

CHANNELS = ["C3", "Cz", "C4"]


def statistics() -> pd.DataFrame:
    """Two contrasts x two bands; rows in another channel order than CHANNELS; C4 missing
    for the control in beta."""
    rows = []
    for contrast, offset in (("trained", 0.0), ("untrained", 10.0)):
        for band, scale in (("alpha", 1.0), ("beta", 2.0)):
            for channel in ("C4", "C3", "Cz"):
                if (contrast, band, channel) == ("untrained", "beta", "C4"):
                    continue
                rows.append(
                    {
                        "analysis": "gradient",
                        "contrast": contrast,
                        "layer": np.nan if channel == "Cz" else "",  # as after a concat
                        "band": band,
                        "class": "left",
                        "channel": channel,
                        "mean": offset + scale * CHANNELS.index(channel),
                        "significant": channel == "C3" and contrast == "trained",
                        "n_subjects": 9,
                        "method": "tmax",
                        "alpha": 0.05,
                        "n_permutations": 256,
                    }
                )
    return pd.DataFrame(rows)


def test_select_compares_as_strings_and_reads_nan_as_empty():
    table = statistics()
    assert len(select(table, {"contrast": "trained", "band": "beta"})) == 3
    assert len(select(table, {"layer": ""})) == len(table)  # NaN reads as ""
    assert len(select(table, {"n_subjects": "9"})) == len(table)
    assert select(table, {"contrast": "shuffled"}).empty


def test_map_grid_puts_each_cells_means_in_channel_order():
    rows = [{"band": "alpha"}, {"band": "beta"}]
    columns = [{"contrast": "trained"}, {"contrast": "untrained"}]
    values, mask = map_grid(statistics(), rows, columns, CHANNELS)
    assert values.shape == mask.shape == (2, 2, 3)
    np.testing.assert_array_equal(values[0, 0], [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(values[1, 0], [0.0, 2.0, 4.0])
    np.testing.assert_array_equal(values[1, 1], [10.0, 12.0, np.nan])  # no C4 row: NaN
    assert mask[:, 0, 0].all() and mask.sum() == 2
    empty, none = map_grid(statistics(), [{"band": "gamma"}], columns, CHANNELS)
    assert np.isnan(empty).all() and not none.any()
    with pytest.raises(ValueError, match="more than one statistics row per channel"):
        map_grid(statistics(), [{"band": "alpha"}], [{"class": "left"}], CHANNELS)


def reliability() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "contrast": ["trained", "untrained", "trained", "trained"],
            "band": ["alpha", "alpha", "alpha", "beta"],
            "split": ["subjects", "subjects", "iterations", "subjects"],
            "r": [0.9412, 0.31, 0.7, np.nan],
        }
    )


def test_reliability_notes_per_map_flag_unreliable_ones():
    rows = [{"band": "alpha"}, {"band": "beta"}, {"band": "gamma"}]
    columns = [{"contrast": "trained"}, {"contrast": "untrained"}]
    notes = reliability_notes(reliability(), rows, columns)
    assert notes.tolist() == [
        ["split-half r = 0.94", "split-half r = 0.31 (unreliable)"],
        ["split-half r = n/a", ""],
        ["", ""],
    ]
    iterations = reliability_notes(reliability(), rows[:1], columns, split="iterations")
    assert iterations.tolist() == [["split-half r = 0.70", ""]]
    # A selector that matches the reliability of several maps gives no note.
    assert reliability_notes(reliability(), rows[:1], [{}]).tolist() == [[""]]
    assert describe_reliability(LOW_RELIABILITY) == "split-half r = 0.50"
    assert describe_reliability(0.4999) == "split-half r = 0.50 (unreliable)"


def test_statistics_caption_names_the_test():
    caption = statistics_caption(statistics(), "valid")
    assert caption.startswith("Mean over n = 9 subjects (valid); ")
    assert METHOD_DESCRIPTIONS["tmax"] in caption
    assert "(256 sign flips), α = 0.05;" in caption
    mixed = pd.concat([statistics(), statistics().assign(method="fdr")])
    with pytest.raises(
        ValueError, match=r"expected one method in the statistics, found \['tmax', 'fdr'\]"
    ):
        statistics_caption(mixed, "all")
    assert set(METHOD_DESCRIPTIONS) == {"tmax", "cluster", "fdr"}
