import numpy as np
import pandas as pd
import pytest

from eegvis.pipeline.comparison import compare_variants, significant_channels
from eegvis.viz.comparison import plot_variant_comparison

REGIONS = {"frontal": 2, "sensorimotor": 3}
RANGES = ["<4 Hz", "7-14 Hz"]


def reliance(frontal_low: float) -> pd.DataFrame:
    """Shares of one variant: the trained contrast puts ``frontal_low`` in frontal < 4 Hz."""
    rows = []
    for analysis in ("gradient", "attribution"):
        for network in ("trained", "untrained"):
            for klass in ("left", "right", "left-right"):
                shares = np.array([[frontal_low, 0.0], [0.0, 1 - frontal_low]])
                if network == "untrained" or klass != "left-right":
                    shares = np.full((2, 2), 0.25)
                for (region, n), row in zip(REGIONS.items(), shares, strict=True):
                    for band, share in zip(RANGES, row, strict=True):
                        rows.append([analysis, network, klass, region, band, share, n])
    columns = ["analysis", "contrast", "class", "region", "frequency_range", "share", "n_channels"]
    return pd.DataFrame(rows, columns=columns)


def statistics(significant: list[str]) -> pd.DataFrame:
    channels = ["Fp1", "F7", "C3", "Cz", "C4"]
    return pd.DataFrame(
        {
            "contrast": "trained-untrained",
            "band": "mu",
            "channel": channels * 2,
            "class": ["left"] * 5 + ["right"] * 5,
            "significant": [c in significant for c in channels] * 2,
        }
    )


def test_one_row_per_variant_network_and_analysis_with_its_shares():
    history = pd.DataFrame({"valid_misclass": [0.5, 0.3, 0.2]})
    epochs = pd.DataFrame({"excluded": [False, False, True]})
    table = compare_variants(
        {"raw": reliance(0.8), "ica": reliance(0.1)},
        {
            "raw": {"gradient": statistics(["F7"]), "attribution": statistics(["F7", "C3"])},
            "ica": {"gradient": statistics([]), "attribution": statistics(["C3", "C4"])},
        },
        {"raw": epochs, "ica": epochs},
        {"raw": {"trained": history, "untrained": history.iloc[:1]}},
    )
    assert len(table) == 2 * 2 * 2
    raw = table[(table["variant"] == "raw") & (table["network"] == "trained")]
    attribution = raw[raw["analysis"] == "attribution"].iloc[0]
    assert attribution["accuracy"] == pytest.approx(0.8)
    assert attribution["share_frontal"] == pytest.approx(0.8)
    assert attribution["share_<4 Hz"] == pytest.approx(0.8)
    assert attribution["n_channels"] == 5 and attribution["n_subjects"] == 2
    assert attribution["significant_channels"] == "F7;C3"
    ica = table[(table["variant"] == "ica") & (table["analysis"] == "attribution")]
    assert ica["accuracy"].isna().all()
    assert ica.set_index("network").loc["trained", "share_sensorimotor"] == pytest.approx(0.9)
    untrained = table[(table["variant"] == "raw") & (table["network"] == "untrained")]
    assert untrained["accuracy"].tolist() == [0.5, 0.5]
    assert untrained["share_frontal"].tolist() == [0.5, 0.5]
    figure = plot_variant_comparison(table, list(REGIONS), RANGES, title="test")
    assert len(figure.axes) == 3
    stacked = [p.get_height() for p in figure.axes[1].patches]
    np.testing.assert_allclose(stacked, [0.8, 0.1, 0.2, 0.9])


def test_significant_channels_keep_the_tables_order_once():
    table = statistics(["C4", "F7"])
    assert significant_channels(table, "trained-untrained") == "F7;C4"
    assert significant_channels(table, "trained") == ""


def test_a_variant_without_a_region_stacks_its_other_shares():
    motor = reliance(0.0)
    motor = motor[motor["region"] == "sensorimotor"].copy()
    motor.loc[motor["class"] == "left-right", "share"] = [0.3, 0.7] * 4
    epochs = pd.DataFrame({"excluded": [False]})
    table = compare_variants(
        {"raw": reliance(0.8), "motor": motor},
        {v: {"attribution": statistics([])} for v in ("raw", "motor")},
        {"raw": epochs, "motor": epochs},
    )
    row = table[(table["variant"] == "motor") & (table["network"] == "trained")].iloc[0]
    assert np.isnan(row["share_frontal"]) and row["n_channels"] == 3
    figure = plot_variant_comparison(table, list(REGIONS), RANGES)
    heights = [p.get_height() for p in figure.axes[1].patches]
    np.testing.assert_allclose(heights, [0.8, 0.0, 0.2, 1.0])
