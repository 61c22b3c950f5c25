"""
Is my network looking at the eyes?
==================================

In the PhysioNet EEG Motor Movement/Imagery runs the target of each trial
appears on the left or the right of the screen, so looking at it, a horizontal
eye movement, carries the class too. A network can decode from the eyes as
well as from the motor cortex, and its accuracy cannot tell which. The
artifact-reliance report divides the class contrast of a network's amplitude
gradients among scalp regions and frequency ranges, and warns when the sites
and frequencies of eye movements dominate.

Here the synthetic recordings hold two sources of class information: the
planted brain effect (mu and beta power dropping around C4 for the left hand,
C3 for the right) and a planted confound: in every trial the eyes move towards
the cued side 0.3 s after the cue, a 30 µV step of opposite sign at F7/AF7/FT7/T9
and F8/AF8/FT8/T10, almost all of its power below 4 Hz.
"""

# %%
# Recordings with a planted eye-movement confound
# -----------------------------------------------
# :class:`eegvis.data.artifacts.Artifacts` adds artifacts to the synthetic
# runs from a random stream of their own: the brain signals are the same as
# without them. Eight subjects, seed 0.

import matplotlib.pyplot as plt
import mne
from torch import nn

import eegvis
from eegvis.data.artifacts import Artifacts
from eegvis.data.channels import select_channels
from eegvis.data.epochs import to_arrays
from eegvis.data.synthetic import synthetic_epochs
from eegvis.diagnostics import reliance_table, reliance_warnings
from eegvis.models import SEED_000_OPTIONS, build_dense_network
from eegvis.training import TrainingSettings, fit_cropped
from eegvis.viz.reliance import plot_reliance

RUNS = (4, 8, 12)
CLASSES = ["left_hand", "right_hand"]
saccades = Artifacts(saccade_uv=30.0)
epochs = synthetic_epochs(range(1, 9), RUNS, seed=0, artifacts=saccades)
print(saccades.describe()["saccade"])


# %%
# Train a Deep ConvNet, and keep its untrained twin
# -------------------------------------------------
# The seed-000 tutorial's Deep4Net with half the paper's filters (so that it
# trains in seconds), two epochs of cropped training on subjects 1–5. The
# same function trains the control network of the last section.
def train(picked: mne.Epochs) -> dict[str, nn.Module]:
    """Train a Deep4Net on subjects 1-5 of ``picked``; return it and its twin."""
    deep4 = dict(SEED_000_OPTIONS, n_filters_time=12, n_filters_spat=12, n_filters_2=25)
    deep4.update(n_filters_3=50, n_filters_4=100)
    n_chans = len(picked.ch_names)
    model = build_dense_network(n_chans, 2, 450, deep4=deep4, seed=0)
    history, _ = fit_cropped(
        model,
        to_arrays(picked[picked.metadata["subject"] <= 5], CLASSES),
        to_arrays(picked[picked.metadata["subject"] > 5], CLASSES),
        450,
        TrainingSettings(epochs=2, batch_size=16, seed=0, device="cpu"),
    )
    misclass = history["valid_misclass"].iloc[-1]
    print(f"{n_chans} channels: validation misclassification {misclass:.3f}")
    return {
        "trained": model,
        "untrained": build_dense_network(n_chans, 2, 450, deep4=deep4, seed=0),
    }


networks = train(epochs)

# %%
# The artifact-reliance report
# ----------------------------
# Gradient maps of both networks, then :func:`~eegvis.diagnostics.reliance_table`:
# for each network and each class contrast (``|left − right|`` of the subject-mean
# map), the share in every scalp region (assigned from the channel positions)
# and frequency range, for the plain gradient and for the gradient attribution
# (gradient × the data's class difference of amplitude).
gradients = {name: eegvis.gradient_maps(net, epochs) for name, net in networks.items()}
table = reliance_table(gradients)
warnings = reliance_warnings(table)
for message in warnings:
    print(message)

# %%
# The trained network's class contrast lies at the lateral frontotemporal sites
# and below 4 Hz: where the eyes are, not the motor cortex.
attribution_warnings = reliance_warnings(table[table["analysis"] == "attribution"])
fig = plot_reliance(table, "attribution", warnings=attribution_warnings)

# %%
# A control: sensorimotor channels only
# -------------------------------------
# One of the workflow's artifact controls (``dataset.channels: sensorimotor``):
# the same recipe on the 21 channels of the FC, C and CP rows, far from the
# eyes. Its class contrast now lies in the sensorimotor region, in the mu and
# beta range. (The others: ICA with ICLabel, ``preprocessing.ica``, and a notch
# filter for line noise, ``preprocessing.notch``.)
sensorimotor = epochs.copy().pick(select_channels(epochs.ch_names, "sensorimotor"))
control = {
    name: eegvis.gradient_maps(net, sensorimotor)
    for name, net in train(sensorimotor).items()
}
control_table = reliance_table(control)
print(reliance_warnings(control_table) or "no warning")
fig = plot_reliance(
    control_table,
    "attribution",
    title="Sensorimotor channels only: share of the class contrast\n"
    "of the gradient attribution",
)

# %%
# The same comparison in numbers: the trained network's share of the
# gradient attribution's class contrast below 4 Hz and in the mu/beta range
# (7–31 Hz), over all regions.
for label, result in {
    "all 64 channels": table,
    "21 sensorimotor": control_table,
}.items():
    rows = result[
        (result["contrast"] == "trained") & (result["analysis"] == "attribution")
    ]
    rows = rows[rows["class"].str.contains("-")]
    shares = rows.groupby("frequency_range", sort=False)["share"].sum()
    slow, rhythms = shares["<4 Hz"], shares["7-14 Hz"] + shares["14-31 Hz"]
    print(f"{label:>16}: <4 Hz {slow:.2f}, 7–31 Hz {rhythms:.2f}")

plt.show()
