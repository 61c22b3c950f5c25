"""
Attribution methods against the ground truth
============================================

Saliency, DeepLIFT, Haufe patterns, integrated gradients, LRP...: attribution
methods disagree, and on real EEG nobody knows which one is right. On
synthetic data we do, because we planted the effect. This example computes
three methods' maps of one trained network (and of its untrained twin, the
floor), scores them against the planted effect, and runs Adebayo et al.'s
(2018) cascading-randomisation sanity check.

The synthetic recordings (the layout of the PhysioNet EEG Motor
Movement/Imagery dataset) hold one effect: during imagery of one hand, mu
(8–13 Hz) and beta (18–26 Hz) power drops around C4 (left hand) or C3 (right
hand).
"""

# %%
# Synthetic recordings and a trained network
# ------------------------------------------
# Eight subjects and a Shallow ConvNet trained for two epochs on subjects 1–5
# (see :ref:`sphx_glr_auto_examples_plot_gradient.py` for these steps).

import matplotlib.pyplot as plt
import pandas as pd

import eegvis
from eegvis.analyses import crop_attribution, sample_crops
from eegvis.data.artifacts import planted_masks
from eegvis.data.epochs import to_arrays
from eegvis.data.synthetic import synthetic_epochs
from eegvis.data.trials import iter_epochs_subjects
from eegvis.evaluation import (
    cascading_similarity,
    ground_truth_scores,
    merge_class_masks,
    randomisation_flags,
)
from eegvis.models import build_dense_network
from eegvis.training import TrainingSettings, fit_cropped
from eegvis.viz.quality import plot_attribution_quality
from eegvis.viz.sanity import plot_cascading

RUNS = (4, 8, 12)
CLASSES = ["left_hand", "right_hand"]
epochs = synthetic_epochs(range(1, 9), RUNS, seed=0)
train = epochs[epochs.metadata["subject"] <= 5]
valid = epochs[epochs.metadata["subject"] > 5]
shallow = {"final_conv_length": 12}
model = build_dense_network(64, 2, 450, shallow=shallow, seed=0)
settings = TrainingSettings(
    epochs=2, batch_size=16, lr=0.01, weight_decay=0, seed=0, device="cpu"
)
history, _ = fit_cropped(
    model,
    to_arrays(train, CLASSES),
    to_arrays(valid, CLASSES),
    450,
    settings,
)
print(f"validation misclassification: {history['valid_misclass'].iloc[-1]:.3f}")
networks = {
    "trained": model,
    "untrained": build_dense_network(64, 2, 450, shallow=shallow, seed=0),
}

# %%
# Attribution maps
# ----------------
# Every method attributes each crop's class scores to the crop's spectral
# amplitudes (phases held fixed), so all maps are channel × frequency × class.
# Per subject and class, ``attribution`` is the mean over the class's own crops
# and ``contrast`` that minus the mean over the other class's crops (the map
# the statistics test). Haufe patterns turn the amplitude gradient into an
# activation pattern with the amplitudes' covariance.
methods = ["saliency", "deeplift", "haufe"]
maps = {
    (method, network): eegvis.attribution_maps(net, epochs, method=method)
    for method in methods
    for network, net in networks.items()
}
print(maps["deeplift", "trained"])

# %%
# Scalp maps of the class contrast
# --------------------------------
# DeepLIFT's contrast in the mu band, tested across the eight subjects.
mu = maps["deeplift", "trained"].eegvis.band_means({"mu": (8, 13)})
n = mu.sizes["subject"]
fig = mu.eegvis.plot(
    mask=mu.eegvis.test()["significant"],
    title=f"DeepLIFT class contrast, mean over n = {n} subjects\n"
    "circles: p < 0.05 (sign-flip test, tmax)",
    cbar_label="attribution (score)",
)

# %%
# Scores against the planted effect
# ---------------------------------
# :func:`eegvis.data.artifacts.planted_masks` gives the planted regions as
# channel × frequency masks, one per class; the lateralised effect is evidence
# for both classes, so both are scored against their union. Four metrics of
# the magnitude of each subject's map: relevance mass accuracy (the share of
# ``|map|`` inside the mask), relevance rank accuracy, the pointing game and
# the ROC-AUC of ``|map|`` as a detector of the mask, each with a 95% t
# interval over subjects and its chance level.
ch_names = list(epochs.ch_names)
freqs = maps["saliency", "trained"]["frequency"].values
masks = merge_class_masks(planted_masks(ch_names, freqs), CLASSES)
summaries = [
    ground_truth_scores(result["attribution"], masks, method=method, network=network)[1]
    for (method, network), result in maps.items()
]
summary = pd.concat(summaries, ignore_index=True)
print(
    summary[summary["class"] == "left_hand"]
    .pivot_table(
        index=["method", "network"], columns="metric", values="value", sort=False
    )
    .round(2)
)

# %%
fig = plot_attribution_quality(
    summary, data="8 synthetic subjects (eegvis.data.synthetic), seed 0"
)

# %%
# Sanity check: cascading randomisation
# -------------------------------------
# Re-initialise the trained network's layers one at a time from the classifier
# down and recompute the map on 64 validation crops: a map that depends on
# what the network learnt must change. A method whose mean Spearman
# similarity to its original map stays at or above 0.5 over the cascade is
# flagged.
crops, labels = sample_crops(iter_epochs_subjects(valid), model, valid.info, 64, 3)


def explain(method):
    """Return ``network -> its class contrast on the crops`` (Haufe: its pattern)."""

    def map_of(network):
        attribution, contrast = crop_attribution(
            network, crops, labels, 160.0, 2, method
        )
        return attribution if contrast is None else contrast

    return map_of


cascading = pd.concat(
    [
        cascading_similarity(model, explain(method), valid.info, method=method)
        for method in methods
    ],
    ignore_index=True,
)
flags = randomisation_flags(cascading)
fig = plot_cascading(cascading, flags=flags)
print(flags)

plt.show()
# sphinx_gallery_thumbnail_number = 2
