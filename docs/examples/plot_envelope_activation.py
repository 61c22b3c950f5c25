"""
Envelope–activation correlations (the paper's Fig. 15)
======================================================

Which band-power changes do a network's layers follow, and where on the scalp?
Schirrmeister et al. (2017, Fig. 15) band-passed the input, took the squared
Hilbert envelope of every channel in every band, averaged it over the receptive
field of each unit's output sample, and correlated it with the unit's output,
pooling trials and time. Per layer, the mean absolute correlation over its
units, for the trained network minus the untrained one, shows what training
added: from the first block, which follows power everywhere, to the classifier,
which follows it where it carries class information.

Here a Deep ConvNet (Deep4Net) is trained on synthetic recordings in the
layout of the PhysioNet EEG Motor Movement/Imagery dataset, in which mu
(8–13 Hz) and beta (18–26 Hz) power drops over the sensorimotor cortex opposite
the imagined hand (around C4 for the left hand, C3 for the right).
"""

# %%
# Synthetic recordings
# --------------------
# Eight subjects, three imagery runs each, seed 0 (see
# :ref:`sphx_glr_auto_examples_plot_gradient.py`).

import matplotlib.pyplot as plt

import eegvis
from eegvis.data.epochs import to_arrays
from eegvis.data.synthetic import synthetic_epochs
from eegvis.models import SEED_000_OPTIONS, build_dense_network
from eegvis.training import TrainingSettings, fit_cropped

RUNS = (4, 8, 12)
CLASSES = ["left_hand", "right_hand"]
epochs = synthetic_epochs(range(1, 9), RUNS, seed=0)

# %%
# A Deep ConvNet and its untrained twin
# -------------------------------------
# The Deep4Net of braindecode's seed-000 tutorial (``SEED_000_OPTIONS``: dense
# prediction over 450-sample crops), with half the paper's filters in every
# block so that it trains in seconds; drop the ``n_filters_*`` options for the
# paper's network. Two epochs of cropped training on subjects 1–5. The
# untrained network is the same architecture with the same initial weights
# (seed 0): Adebayo et al.'s (2018) model-randomisation control.
deep4 = dict(
    SEED_000_OPTIONS,
    n_filters_time=12,
    n_filters_spat=12,
    n_filters_2=25,
    n_filters_3=50,
)
deep4["n_filters_4"] = 100
model = build_dense_network(64, 2, 450, deep4=deep4, seed=0)
train = epochs[epochs.metadata["subject"] <= 5]
valid = epochs[epochs.metadata["subject"] > 5]
history, _ = fit_cropped(
    model,
    to_arrays(train, CLASSES),
    to_arrays(valid, CLASSES),
    450,
    TrainingSettings(epochs=2, batch_size=16, seed=0, device="cpu"),
)
print(history[["epoch", "train_misclass", "valid_misclass"]])
untrained = build_dense_network(64, 2, 450, deep4=deep4, seed=0)

# %%
# The layers and their receptive fields
# -------------------------------------
# By default the analysis reads the outputs of the four conv-pool blocks and
# of the classifier (before the softmax), through forward hooks.
# :func:`eegvis.receptive_fields` finds, by probing, which input samples each
# output sample of a layer sees.
layers = eegvis.receptive_fields(model, 64, 450)
for name, geometry in layers.items():
    print(f"{name:>32}: field {geometry.field:3d} samples, stride {geometry.stride}")

# %%
# Envelope–activation maps
# ------------------------
# Three bands: mu/alpha and beta, where the effect is planted, and a
# high-gamma band that holds none. Each network gives per-subject maps
# (subject × channel × band × layer), each a layer's mean absolute correlation
# over its units. Here each trial is band-passed on its own; the workflow
# filters the continuous recordings (``raw=``), which keeps the filter's edge
# effects out of the trials.
bands = {"alpha": (7, 13), "beta": (13, 31), "high_gamma": (60, 78)}
trained_maps = eegvis.envelope_activation_maps(model, epochs, bands)
untrained_maps = eegvis.envelope_activation_maps(untrained, epochs, bands)
print(trained_maps["correlation"].dims, trained_maps["correlation"].shape)

# %%
# Trained minus untrained, tested across subjects
# -----------------------------------------------
# The difference of each subject's two maps is what training added; the
# sign-flip test across the eight subjects (maximum-``|t|`` correction over the
# channels and bands of each layer) marks the channels where it differs from
# zero more consistently across subjects than chance allows. Training adds
# correlation with mu and beta power over C3 and C4, growing towards the
# classifier. In the high-gamma band, where nothing is planted, the
# differences are about ten times smaller (each row has its own colour scale)
# and, beyond the first block, nowhere significant.
contrast = trained_maps.assign(
    correlation=trained_maps["correlation"] - untrained_maps["correlation"]
)
test = contrast.eegvis.test()
print("significant channels per band and layer:")
print(test["significant"].sum("channel").to_pandas())
n = contrast.sizes["subject"]
fig = contrast.eegvis.plot(
    mask=test["significant"],
    title="Envelope–activation correlation, trained − untrained, "
    f"mean over n = {n} subjects\n"
    "circles: p < 0.05 (sign-flip test, tmax over channels × bands per layer)",
    cbar_label="Δ mean |r|",
)

plt.show()
