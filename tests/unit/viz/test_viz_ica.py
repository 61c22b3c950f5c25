"""The figure of the ICA components removed from one subject, on subject 1's real run 4."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import image_value_at

from eegvis.data.recordings import read_run
from eegvis.preprocessing.ica import clean_with_ica
from eegvis.viz.ica import CBAR_LABEL, plot_excluded_components
from eegvis.viz.topomaps import scalp_positions


@pytest.fixture(scope="module")
def cleaning(eegbci_dir):
    """15 components of the first minute of subject 1's run 4 (two eye components removed)."""
    run = read_run(eegbci_dir / "S001" / "S001R04.edf").crop(0, 60)
    return clean_with_ica(run, subject=1, n_components=15)


@pytest.fixture(scope="module")
def figure(cleaning):
    record = json.loads(json.dumps(cleaning.to_record()))  # as read back from its file
    fig = plot_excluded_components(cleaning.ica, record)
    yield fig
    plt.close(fig)


def test_one_titled_map_per_excluded_component(cleaning, figure):
    excluded = cleaning.components[cleaning.components["excluded"]]
    assert len(excluded) >= 1
    maps = [ax for ax in figure.axes if ax.images]
    assert [ax.get_title() for ax in maps] == [
        f"IC{row.component}\n{row.label} {row.probability:.2f}" for row in excluded.itertuples()
    ]
    title = " ".join(figure.get_suptitle().split())
    assert title.startswith(f"Subject 1: ICA components removed, {len(excluded)} of 15")
    assert "eye blink or muscle artifact with probability ≥ 0.8" in title
    colourbars = [ax for ax in figure.axes if not ax.images]
    assert [" ".join(ax.get_ylabel().split()) for ax in colourbars] == [CBAR_LABEL]


def test_maps_are_plus_one_where_the_component_peaks_in_front(cleaning, figure):
    pos, _ = scalp_positions(cleaning.ica.info)
    topographies = cleaning.ica.get_components()
    maps = [ax for ax in figure.axes if ax.images]
    for ax, component in zip(maps, cleaning.excluded, strict=True):
        topography = topographies[:, component]
        peak = np.abs(topography).argmax()
        assert image_value_at(ax, pos[peak]) == pytest.approx(1.0, abs=0.05)
        drawn = [image_value_at(ax, xy) for xy in pos]
        assert np.corrcoef(drawn, topography)[0, 1] * np.sign(topography[peak]) > 0.99
        assert pos[peak, 1] > 0  # eye components: in front of the ears


def test_no_excluded_component_says_so(cleaning):
    record = cleaning.to_record()
    record["components"] = [dict(row, excluded=False) for row in record["components"]]
    fig = plot_excluded_components(cleaning.ica, record, data="Data: PhysioNet EEGBCI")
    assert fig.get_suptitle().endswith("\nData: PhysioNet EEGBCI")
    assert not any(ax.images for ax in fig.axes)
    assert [text.get_text() for text in fig.axes[0].texts] == ["no component excluded"]
    assert "removed, 0 of 15" in " ".join(fig.get_suptitle().split())
    plt.close(fig)


def test_record_of_another_cleaning_is_refused(cleaning):
    record = cleaning.to_record()
    record["components"] = record["components"][:-1]
    with pytest.raises(ValueError, match="record has 14 components but ica has 15"):
        plot_excluded_components(cleaning.ica, record)
