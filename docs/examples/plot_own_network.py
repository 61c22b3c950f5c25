"""
Bring your own network
======================

The analyses take any PyTorch network that maps ``(batch, channels, samples)``
to class scores, and an :class:`mne.Epochs`. Nothing needs to be converted:
layers are read through forward hooks by their module names, receptive fields
are found by probing, and the input windows follow from the network's own
output length. This example trains a small band-power network with a plain
PyTorch loop on MNE epochs and analyses it like the paper's networks.

The data are synthetic recordings in the layout of the PhysioNet EEG Motor
Movement/Imagery dataset, with mu (8–13 Hz) and beta (18–26 Hz) power dropping
around C4 during left-hand imagery and around C3 during right-hand imagery.
"""

# %%
# Synthetic recordings
# --------------------
# Eight subjects, three imagery runs each, seed 0 (see
# :ref:`sphx_glr_auto_examples_plot_gradient.py`). The network will see whole
# trials: 1.0–4.1 s after each cue, 497 samples at 160 Hz.

import matplotlib.pyplot as plt
import mne
import torch
from torch import nn

import eegvis
from eegvis.data.synthetic import synthetic_epochs

RUNS = (4, 8, 12)
CLASSES = ["left_hand", "right_hand"]
epochs = synthetic_epochs(range(1, 9), RUNS, seed=0)
n_chans, n_times = len(epochs.ch_names), len(epochs.times)


# %%
# A network of your own
# ---------------------
# Spatial filters, one temporal filter per spatial filter, the log of the mean
# power over the trial and a linear classifier: a small relative of the
# Shallow ConvNet. Any ``nn.Module`` will do; the last layer's outputs are the
# class scores.
class BandPowerNet(nn.Module):
    """Log band power of learnt spatio-temporal filters, then a linear classifier."""

    def __init__(
        self, n_chans: int, n_classes: int, n_filters: int = 8, length: int = 33
    ):
        super().__init__()
        self.spatial = nn.Conv1d(n_chans, n_filters, 1)
        self.temporal = nn.Conv1d(n_filters, n_filters, length, groups=n_filters)
        self.classifier = nn.Linear(n_filters, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(batch, n_chans, n_times)`` to class scores ``(batch, n_classes)``."""
        filtered = self.temporal(self.spatial(x))
        return self.classifier(torch.log(filtered.pow(2).mean(-1) + 1e-3))


# %%
# Training, in plain PyTorch
# --------------------------
# Subjects 1–5 train, 6–8 validate; the data in microvolts, as the analyses
# give them to the network by default (``units="uV"``). Seeded, on the CPU.
def tensors(subset: mne.Epochs) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the trials in µV and their class indices."""
    X = torch.as_tensor(subset.get_data(units="uV"), dtype=torch.float32)
    y = torch.tensor(
        subset.metadata["label"].map({"left_hand": 0, "right_hand": 1}).to_numpy()
    )
    return X, y


torch.manual_seed(0)
model = BandPowerNet(n_chans, len(CLASSES))
X_train, y_train = tensors(epochs[epochs.metadata["subject"] <= 5])
X_valid, y_valid = tensors(epochs[epochs.metadata["subject"] > 5])
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
order = torch.Generator().manual_seed(0)
n_epochs = 15
for _ in range(n_epochs):
    model.train()
    for batch in torch.randperm(len(X_train), generator=order).split(32):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(X_train[batch]), y_train[batch]).backward()
        optimizer.step()
model.eval()
with torch.no_grad():
    accuracy = (model(X_valid).argmax(1) == y_valid).float().mean()
print(f"validation accuracy after {n_epochs} epochs: {accuracy:.3f}")

# %%
# Layers and receptive fields, by probing
# ---------------------------------------
# :func:`eegvis.receptive_fields` perturbs one input sample at a time and
# watches which output samples of each layer change. The default layers of a
# network without the paper's block names are its convolution and linear
# layers; the classifier has no time axis, so its one output sees the whole
# window.
for name, geometry in eegvis.receptive_fields(model, n_chans, n_times).items():
    print(
        f"{name:<10}: field {geometry.field:3d} samples, {geometry.n_outputs} outputs"
    )

# %%
# Amplitude gradients
# -------------------
# The network takes whole trials, so ``input_length`` is the trial length (a
# network with an ``n_times`` attribute, as eegvis's and braindecode's have,
# needs none). Each class's score falls as mu and beta amplitude rise over the
# hemisphere where that class's imagery lowers them.
gradient = eegvis.gradient_maps(model, epochs, input_length=n_times)
mu = gradient.eegvis.band_means({"mu": (8, 13), "beta": (18, 26)})
n = mu.sizes["subject"]
fig = mu.eegvis.plot(
    mask=mu.eegvis.test()["significant"],
    title=f"BandPowerNet, amplitude gradient, mean over n = {n} subjects\n"
    "circles: p < 0.05 (sign-flip test, tmax)",
    cbar_label="gradient (score per µV)",
)

# %%
# Envelope–activation correlations
# --------------------------------
# The same analysis as the paper's Fig. 15, on the layers named by
# ``model.named_modules()``: the band-power envelope of every channel,
# averaged over each output's receptive field, against each unit's output;
# per layer the mean absolute correlation over its units. The temporal
# filters' outputs oscillate, so they hardly follow any envelope; the class
# scores, linear in log power, follow mu and beta power at C3 and C4. (Each
# row has its own colour scale.)
bands = {"mu": (8, 13), "beta": (18, 26)}
activation = eegvis.envelope_activation_maps(
    model, epochs, bands, layers=["temporal", "classifier"], input_length=n_times
)
fig = activation.eegvis.plot(
    title=f"BandPowerNet, envelope–activation correlation, mean over n = {n} subjects",
    cbar_label="mean |r|",
)

plt.show()
