"""
Amplitude perturbation: the paper's map, and how reliable it is
===============================================================

Schirrmeister et al. (2017) and braindecode's amplitude-perturbation tutorial
add Gaussian noise to the Fourier amplitudes of each crop and correlate, across
crops, the change of each channel's and frequency's amplitude with the change of
each class's score (before the softmax). Repeated over iterations of fresh
noise, the mean correlation maps what the network responds to.

The perturbation is a Monte Carlo estimate: for small noise the score changes
by the amplitude gradient times the noise, so the perturbation map is
proportional to the mean gradient, one constant per class
(:ref:`sphx_glr_auto_examples_plot_gradient.py`). This example computes both
on the same network, shows that they agree, and shows how the perturbation's
reliability grows with its iterations.
"""

# %%
# Synthetic recordings and a trained network
# ------------------------------------------
# Eight synthetic subjects in the EEGBCI layout, whose mu (8–13 Hz) and beta
# (18–26 Hz) power drops over the hemisphere opposite the imagined hand, and a
# Shallow ConvNet trained for two epochs on subjects 1–5 (see
# :ref:`sphx_glr_auto_examples_plot_gradient.py` for these steps).

import matplotlib.pyplot as plt
import numpy as np

import eegvis
from eegvis.data.epochs import to_arrays
from eegvis.data.synthetic import synthetic_epochs
from eegvis.models import build_dense_network
from eegvis.training import TrainingSettings, fit_cropped

RUNS = (4, 8, 12)
CLASSES = ["left_hand", "right_hand"]
epochs = synthetic_epochs(range(1, 9), RUNS, seed=0)
train = epochs[epochs.metadata["subject"] <= 5]
valid = epochs[epochs.metadata["subject"] > 5]
model = build_dense_network(64, 2, 450, shallow={"final_conv_length": 12}, seed=0)
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

# %%
# Perturbation maps
# -----------------
# Twelve iterations, as in the tutorial, each perturbing every crop of every
# subject once (noise seed 0). ``correlation`` is each subject's map (its own
# crops), ``pooled`` the map over all subjects' crops, and
# ``iteration_correlation`` the pooled map of each iteration.
perturbation = eegvis.perturbation_maps(
    model, epochs, n_iterations=12, reliability_band=(8, 13), seed=0
)
print(perturbation)

# %%
# Reliability over iterations
# ---------------------------
# After each iteration, the pooled mu-band maps (``reliability_band``) of the
# odd and the even iterations so far are correlated across channels and
# classes (split-half r, corrected with the Spearman–Brown formula);
# ``n_iterations="auto"`` iterates until it reaches ``target_reliability`` (0.9
# by default). A map whose reliability is below about 0.5 should not be read
# channel by channel.
reliability = perturbation.attrs["iteration_reliability"]
fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
ax.plot(np.arange(1, len(reliability) + 1), reliability, marker="o")
ax.axhline(0.9, color="grey", linestyle="--", label="default target (auto)")
ax.set(
    xlabel="iterations",
    ylabel="split-half r (Spearman–Brown)",
    title=f"Pooled 8–13 Hz map, {len(epochs)} trials of 8 subjects",
)
ax.legend(loc="lower right")

# %%
# Scalp maps and the test across subjects
# ---------------------------------------
# The mean of each subject's map in the mu band, tested against zero across
# subjects (sign-flip permutations, maximum-``|t|`` correction).
mu = perturbation.eegvis.band_means({"mu": (8, 13)})
n = mu.sizes["subject"]
fig = mu.eegvis.plot(
    mask=mu.eegvis.test()["significant"],
    title=f"Amplitude perturbation, mean over n = {n} subjects\n"
    "circles: p < 0.05 (sign-flip test, tmax)",
    cbar_label="correlation r",
)

# %%
# The perturbation estimates the gradient
# ---------------------------------------
# The pooled perturbation correlation at every channel in the mu band against
# the pooled amplitude gradient there: one line per class through the origin,
# up to the perturbation's sampling noise.
gradient = eegvis.gradient_maps(model, epochs)
mu_bins = {"frequency": slice(8, 13)}
fig, ax = plt.subplots(figsize=(5, 4), layout="constrained")
for klass in CLASSES:
    x = gradient["pooled"].sel(mu_bins).sel({"class": klass}).mean("frequency")
    y = perturbation["pooled"].sel(mu_bins).sel({"class": klass}).mean("frequency")
    r = np.corrcoef(x, y)[0, 1]
    ax.scatter(x, y, s=12, label=f"{klass} (r = {r:.2f})")
ax.axhline(0, color="grey", linewidth=0.5)
ax.axvline(0, color="grey", linewidth=0.5)
ax.set(
    xlabel="amplitude gradient, 8–13 Hz (score per µV)",
    ylabel="perturbation correlation, 8–13 Hz",
    title="64 channels, pooled over 8 subjects",
)
ax.ticklabel_format(axis="x", style="sci", scilimits=(0, 0))
ax.legend()

plt.show()
# sphinx_gallery_thumbnail_number = 2
