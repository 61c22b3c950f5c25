"""Training curves (eegvis.viz.training)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from eegvis.viz.training import plot_training_curves


def history() -> pd.DataFrame:
    epochs = np.arange(6)
    return pd.DataFrame(
        {
            "epoch": epochs,
            "train_loss": 0.7 * 0.8**epochs,
            "valid_loss": 0.72 * 0.85**epochs,
            "train_misclass": np.linspace(0.5, 0.05, 6),
            "valid_misclass": np.linspace(0.55, 0.1, 6),
        }
    )


def test_curves_show_loss_and_misclassification_in_percent(tmp_path):
    data = history()
    figure = plot_training_curves(data, title="seed 000")
    loss, misclass = figure.axes
    assert [line.get_label() for line in loss.lines] == ["train", "valid"]
    for line, split in zip(loss.lines, ("train", "valid"), strict=True):
        np.testing.assert_array_equal(line.get_xdata(), data["epoch"])
        np.testing.assert_allclose(line.get_ydata(), data[f"{split}_loss"])
    train, valid, chance = misclass.lines
    np.testing.assert_allclose(train.get_ydata(), 100 * data["train_misclass"])
    np.testing.assert_allclose(valid.get_ydata(), 100 * data["valid_misclass"])
    assert valid.get_linestyle() == "--" and train.get_linestyle() == "-"
    assert chance.get_label() == "chance (2 classes)"
    assert list(chance.get_ydata()) == [50, 50]
    assert misclass.get_ylim() == (0, 100)
    assert misclass.get_ylabel() == "misclassified trials (%)"
    assert figure.get_suptitle() == "seed 000"
    figure.savefig(tmp_path / "curves.png", dpi=40)
    plt.close(figure)
    untitled = plot_training_curves(data)
    assert untitled.get_suptitle() == ""
    plt.close(untitled)
