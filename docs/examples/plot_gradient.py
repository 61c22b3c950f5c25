"""
Amplitude gradients: what is the network sensitive to?
======================================================

The amplitude gradient is the derivative of each class's score (before the
softmax) with respect to the spectral amplitudes of the input, with the phases
held fixed: one forward and one backward pass per crop give, for every channel
and frequency, how much a small increase of amplitude there would raise the
class's score. It is the exact, deterministic counterpart of the amplitude
perturbation of Schirrmeister et al. (2017), which estimates the same quantity
by Monte Carlo (:ref:`sphx_glr_auto_examples_plot_perturbation.py`).

Here a Shallow ConvNet is trained on synthetic recordings in the layout of the
PhysioNet EEG Motor Movement/Imagery dataset, in which mu (8–13 Hz) and beta
(18–26 Hz) power drops over the sensorimotor cortex opposite the imagined hand:
around C4 for the left hand, around C3 for the right. The gradient maps should
find those sites and bands, and the untrained network, the control, should not.
"""

# %%
# Synthetic recordings
# --------------------
# :func:`eegvis.data.synthetic.synthetic_epochs` writes each subject's runs as
# EDF files (64 channels, 160 Hz, ``T1``/``T2`` cues for the left and right fist)
# and epochs them back as the workflow does: standard channel names and
# positions, the imagery trials 1.0–4.1 s after each cue. Eight subjects,
# seed 0: the same data on every run.

import matplotlib.pyplot as plt
import numpy as np

import eegvis
from eegvis.data.epochs import to_arrays
from eegvis.data.synthetic import synthetic_epochs
from eegvis.models import build_dense_network
from eegvis.training import TrainingSettings, fit_cropped
from eegvis.viz.topomaps import plot_channel_frequency

RUNS = (4, 8, 12)
CLASSES = ["left_hand", "right_hand"]
epochs = synthetic_epochs(range(1, 9), RUNS, seed=0)
print(epochs)

# %%
# A network
# ---------
# A Shallow ConvNet trained with cropped decoding (crops of 450 samples, two
# epochs) on subjects 1–5 and validated on 6–8. The network is built from a
# seed, so an untrained copy with the same initial weights is the control.
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
print(history[["epoch", "train_misclass", "valid_misclass"]])
untrained = build_dense_network(64, 2, 450, shallow=shallow, seed=0)

# %%
# Gradient maps
# -------------
# One call per network. The result is an :class:`xarray.Dataset` with the
# per-subject map ``gradient`` (subject × channel × frequency × class), the map
# ``pooled`` over all crops, and each subject's class difference of the
# spectral amplitudes (``amplitude_difference``, for the gradient attribution
# below).
maps = eegvis.gradient_maps(model, epochs)
control = eegvis.gradient_maps(untrained, epochs)
print(maps)

# %%
# The spectrum of the gradient over the 21 sensorimotor channels (FC, C and CP
# rows), pooled over all crops. Left-hand imagery lowers mu and beta at C4, so
# the left-hand score *falls* as the amplitude there rises, and rises with the
# amplitude at C3; the right-hand score is the mirror image. The untrained
# network (its own colour scale) responds weakly and everywhere.
sensorimotor = [str(ch) for ch in maps["channel"].values[:21]]
n_subjects = maps.sizes["subject"]
pooled = [
    m["pooled"].sel(channel=sensorimotor, frequency=slice(0, 40))
    for m in (maps, control)
]
fig = plot_channel_frequency(
    np.stack([p.transpose("class", "channel", "frequency").values for p in pooled]),
    ["trained", "untrained"],
    CLASSES,
    sensorimotor,
    pooled[0]["frequency"].values,
    title=f"Amplitude gradient, pooled over the crops of {n_subjects} subjects",
    cbar_label="gradient (score per µV)",
)

# %%
# Scalp maps and a test across subjects
# -------------------------------------
# ``band_means`` averages the frequency bins of each band; ``test`` runs a
# sign-flip permutation test of the subjects' maps against zero at every
# channel, with the maximum-``|t|`` correction over the channels and bands of
# each class (the 2⁷ = 128 distinct sign patterns of eight subjects are all
# enumerated, so the smallest possible p is 1/128).
bands = {"mu": (8, 13), "beta": (18, 26)}
mu_beta = maps.eegvis.band_means(bands)
test = mu_beta.eegvis.test()
n = mu_beta.sizes["subject"]
fig = mu_beta.eegvis.plot(
    mask=test["significant"],
    title=f"Trained network, mean over n = {n} subjects; circles: p < 0.05 (tmax)",
    cbar_label="gradient (score per µV)",
)

# %%
# The untrained network's gradient is not zero either: every subject sees the
# same network, so its sensitivities are consistent across subjects and can
# be significant without any class information. A map of one network answers
# *what is it sensitive to*, not *what has it learnt*; for that, compare with
# the control.
control_bands = control.eegvis.band_means(bands)
fig = control_bands.eegvis.plot(
    mask=control_bands.eegvis.test()["significant"],
    title=f"Untrained control, mean over n = {n} subjects; circles: p < 0.05 (tmax)",
    cbar_label="gradient (score per µV)",
)

# %%
# Gradient attribution: where the network uses class differences
# ---------------------------------------------------------------
# The gradient times each subject's class difference of mean amplitude is the
# first-order change of the class score that the data's class difference
# produces. Where the data hold no class difference it is symmetric around
# zero whatever the network, so its test is calibrated for any network.
attribution = maps.assign(gradient=maps["gradient"] * maps["amplitude_difference"])
attribution_bands = attribution.eegvis.band_means(bands)
fig = attribution_bands.eegvis.plot(
    mask=attribution_bands.eegvis.test()["significant"],
    title=f"Gradient × class amplitude difference, n = {n} subjects; circles: p < 0.05",
    cbar_label="score change",
)

# %%
# Reliability
# -----------
# :func:`eegvis.split_half` correlates the mean map of the odd subjects with
# that of the even ones (across channels) and corrects it with the
# Spearman–Brown formula: an estimate of how well the map of all eight
# subjects would replicate.
for klass in CLASSES:
    mu_maps = mu_beta["gradient"].sel({"band": "mu", "class": klass}).values
    reliability = eegvis.split_half(mu_maps)
    print(f"{klass}, mu: split-half r = {reliability.r_spearman_brown:.2f}")

plt.show()
# sphinx_gallery_thumbnail_number = 2
