"""Training curves."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure


def plot_training_curves(history: pd.DataFrame, title: str = "") -> Figure:
    """Plot loss and misclassification per epoch for training and validation.

    Parameters
    ----------
    history : pandas.DataFrame
        As returned by :func:`eegvis.training.fit_cropped`: columns ``epoch``,
        ``train_loss``, ``valid_loss``, ``train_misclass``, ``valid_misclass``.
    title : str
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Two panels: NLL loss, and misclassification in percent with the
        chance level of a balanced two-class problem marked.
    """
    fig, (ax_loss, ax_mis) = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
    for split, style in (("train", "-"), ("valid", "--")):
        ax_loss.plot(history["epoch"], history[f"{split}_loss"], style, label=split)
        ax_mis.plot(history["epoch"], 100 * history[f"{split}_misclass"], style, label=split)
    ax_loss.set(xlabel="epoch", ylabel="loss (NLL of mean crop log-probability)")
    ax_mis.set(xlabel="epoch", ylabel="misclassified trials (%)", ylim=(0, 100))
    ax_mis.axhline(50, color="0.6", lw=0.8, ls=":", label="chance (2 classes)")
    for ax in (ax_loss, ax_mis):
        ax.grid(alpha=0.3)
        ax.legend(frameon=False)
    if title:
        fig.suptitle(title)
    return fig
