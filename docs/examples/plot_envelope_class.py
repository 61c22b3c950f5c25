"""
Envelope–class correlations (the paper's Fig. 14)
=================================================

Before asking what a network has learnt, ask what there is to learn: where and
in which frequency bands does band power carry class information at all?
Schirrmeister et al. (2017, Fig. 14 and the last column of Fig. 15) correlated
the band-power envelope of every channel, averaged over the receptive field of
the network's predictions, with the class labels. No network is trained: the
network only sets the window over which the envelopes are averaged.

The synthetic recordings used here (the layout of the PhysioNet EEG Motor
Movement/Imagery dataset) have one planted effect: during imagery of one hand,
mu (8–13 Hz) and beta (18–26 Hz) power drops over the opposite hemisphere's
sensorimotor cortex (around C4 for the left hand, around C3 for the right).
"""

# %%
# Synthetic recordings
# --------------------
# Eight subjects, three imagery runs each, seed 0 (see
# :ref:`sphx_glr_auto_examples_plot_gradient.py`).

import matplotlib.pyplot as plt

import eegvis
from eegvis.data.filters import bands_below_nyquist, paper_filterbank
from eegvis.data.synthetic import synthetic_epochs
from eegvis.models import SEED_000_OPTIONS, build_dense_network

RUNS = (4, 8, 12)
epochs = synthetic_epochs(range(1, 9), RUNS, seed=0)

# %%
# The paper's filterbank
# ----------------------
# 6 Hz wide bands 3 Hz apart up to 31 Hz, then 8 Hz wide ones 4 Hz apart, up
# to 119 Hz; at 160 Hz, 22 of them lie below the Nyquist frequency. The
# example keeps the 13 that end below 45 Hz, to stay fast; the workflow's
# ``bands: paper_filterbank`` takes them all.
bands = {
    f"{low:g}–{high:g} Hz": (low, high)
    for low, high in bands_below_nyquist(160, paper_filterbank())
    if high < 45
}
print(list(bands))

# %%
# Envelope–class maps
# -------------------
# The network's predictions see 136 samples (0.85 s) each; its weights do not
# matter, so an untrained Deep4Net will do. The result holds each subject's
# correlation (subject × channel × band × class) and the correlation pooled
# over all subjects' samples. With two classes the two maps are each other's
# negative.
model = build_dense_network(64, 2, 450, deep4=SEED_000_OPTIONS, seed=0)
maps = eegvis.envelope_class_maps(epochs, bands, model)
print(maps["correlation"].dims, maps["correlation"].shape)

# %%
# Where in frequency
# ------------------
# The pooled correlation of the left-hand class at C3, C4 and, as a reference
# far from the sources, Oz: the envelope at C4 falls during left-hand imagery
# (negative r) in the bands of the planted mu and beta drop, and at C3 during
# right-hand imagery (positive r for the left-hand class). Above the beta band
# nothing is planted, and nothing is found.
centres = [(low + high) / 2 for low, high in bands.values()]
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for channel in ("C3", "C4", "Oz"):
    ax.plot(
        centres,
        maps["pooled"].sel(channel=channel, **{"class": "left_hand"}),
        marker="o",
        label=channel,
    )
ax.axhline(0, color="grey", linewidth=0.5)
for low, high in ((8, 13), (18, 26)):
    ax.axvspan(
        low, high, color="grey", alpha=0.15, label="planted" if low == 8 else None
    )
ax.set(
    xlabel="band centre (Hz)",
    ylabel="correlation r with left_hand",
    title=f"Envelope–class correlation, pooled over {len(epochs)} trials of 8 subjects",
)
ax.legend()

# %%
# Where on the scalp
# ------------------
# Two of the bands as scalp maps, each subject's map averaged and tested
# against zero across the eight subjects (sign-flip permutations,
# maximum-``|t|`` correction over the channels and bands of each class).
shown = maps.sel(band=["7–13 Hz", "19–25 Hz"])
n = shown.sizes["subject"]
fig = shown.eegvis.plot(
    mask=shown.eegvis.test()["significant"],
    title=f"Envelope–class correlation, mean over n = {n} subjects\n"
    "circles: p < 0.05 (sign-flip test, tmax)",
    cbar_label="correlation r",
)

plt.show()
# sphinx_gallery_thumbnail_number = 2
