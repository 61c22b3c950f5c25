"""The artifact-reliance figure: one region × frequency-range heat map per network."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from eegvis.viz.reliance import plot_reliance

REGIONS = {"frontopolar": 6, "lateral_frontotemporal": 10, "sensorimotor": 21}
RANGES = ["<4 Hz", "4-7 Hz", "7-14 Hz"]
NETWORKS = ["trained", "untrained"]
CLASSES = ["left_hand", "right_hand", "left_hand-right_hand"]


def table() -> pd.DataFrame:
    """Random shares (summing to 1 per analysis, network and class), regions listed backwards."""
    rng = np.random.default_rng(0)
    rows = []
    for analysis in ("gradient", "attribution"):
        for network in NETWORKS:
            for klass in CLASSES:
                share = rng.dirichlet(np.ones(len(REGIONS) * len(RANGES))).reshape(3, 3)
                for i, region in reversed(list(enumerate(REGIONS))):
                    for j, frequency_range in enumerate(RANGES):
                        rows.append(
                            (
                                analysis,
                                network,
                                klass,
                                region,
                                frequency_range,
                                share[i, j],
                                REGIONS[region],
                            )
                        )
    columns = ["analysis", "contrast", "class", "region", "frequency_range", "share", "n_channels"]
    return pd.DataFrame(rows, columns=columns)


def expected(frame: pd.DataFrame, analysis: str, network: str, klass: str) -> np.ndarray:
    rows = frame[
        (frame["analysis"] == analysis) & (frame["contrast"] == network) & (frame["class"] == klass)
    ]
    return (
        rows.pivot(index="region", columns="frequency_range", values="share")
        .loc[list(REGIONS), RANGES]
        .values
    )


def test_each_network_is_a_heat_map_of_its_shares_with_the_numbers_printed():
    frame = table()
    fig = plot_reliance(frame, "attribution")
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == NETWORKS
    top = max(expected(frame, "attribution", n, "left_hand-right_hand").max() for n in NETWORKS)
    for ax, network in zip(panels, NETWORKS, strict=True):
        shares = expected(frame, "attribution", network, "left_hand-right_hand")
        np.testing.assert_array_equal(ax.images[0].get_array(), shares)
        assert ax.images[0].norm.vmin == 0 and ax.images[0].norm.vmax == top
        printed = np.array([float(t.get_text()) for t in ax.texts]).reshape(shares.shape)
        np.testing.assert_allclose(printed, shares, atol=0.005)
        assert [t.get_text() for t in ax.get_xticklabels()] == RANGES
    labels = [t.get_text() for t in panels[0].get_yticklabels()]
    assert labels == ["frontopolar (6)", "lateral frontotemporal (10)", "sensorimotor (21)"]
    colourbar = fig.axes[-1]
    assert len(fig.axes) == 3 and colourbar.get_ylabel() == "share of |attribution|"
    title = fig.get_suptitle().replace("\n", " ")
    assert title.startswith("Gradient attribution") and "|left_hand-right_hand|" in title
    plt.close(fig)


def test_a_class_a_network_and_a_title_can_be_chosen():
    frame = table()
    fig = plot_reliance(frame, "gradient", "right_hand", networks=["untrained"], title="Reliance")
    (panel,) = [ax for ax in fig.axes if ax.images]
    assert panel.get_title() == "untrained" and fig.get_suptitle() == "Reliance"
    np.testing.assert_array_equal(
        panel.images[0].get_array(), expected(frame, "gradient", "untrained", "right_hand")
    )
    plt.close(fig)


def test_bad_choices_are_refused():
    frame = table()
    with pytest.raises(ValueError, match="analysis 'perturbation' is not in the table"):
        plot_reliance(frame, "perturbation")
    with pytest.raises(ValueError, match="klass 'feet' is not in the table"):
        plot_reliance(frame, klass="feet")
    with pytest.raises(ValueError, match=r"networks \['shuffled'\] not in the table"):
        plot_reliance(frame, networks=["trained", "shuffled"])
    with pytest.raises(ValueError, match="no class contrast"):
        plot_reliance(frame[frame["class"] == "left_hand"])
    with pytest.raises(ValueError, match="subject-mean table"):
        plot_reliance(frame.assign(subject=1))


def test_warnings_are_printed_under_the_panels_and_only_when_given():
    frame = table()
    quiet = plot_reliance(frame, "gradient")
    assert quiet.get_supxlabel() == ""
    loud = plot_reliance(frame, "gradient", warnings=["trained network, gradient: eyes"])
    assert loud.get_supxlabel() == "Warning: trained network, gradient: eyes"
    assert loud._supxlabel.get_color() == "firebrick"
    plt.close("all")


def test_the_titles_own_line_breaks_are_kept():
    fig = plot_reliance(table(), "gradient", title="Artifact reliance\nData: synthetic")
    assert fig.get_suptitle() == "Artifact reliance\nData: synthetic"
    plt.close(fig)
