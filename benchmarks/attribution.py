"""Time each attribution method as the workflow runs it against Captum called directly.

Network: eegvis's seed-000 Deep4Net (64 channels, 2 classes, 450-sample input),
dense, in eval mode, untrained (timing does not depend on the weights). Inputs:
``--n-crops`` pink-noise crops (``gradients.pink_noise_crops``) with alternating
labels.

Rows per method, on the same crops:

- eegvis: ``eegvis.analyses.attribution_maps.crop_attribution``, what
  ``scripts/attribution_maps.py`` runs per subject: each batch attributed to
  both classes in one call (the batch repeated per class), on the network's
  attribution copy (batch norms folded), in the spectral domain (the crops
  rebuilt from their amplitudes), each class's mean over its own and the other
  crops accumulated.
- Captum directly: the obvious user code, a loop over batches and classes
  calling the Captum method on the same network (in eval mode, LogSoftmax
  bypassed by the same scores wrapper) with the time samples as inputs,
  summing each class's attributions over its crops. It does less (no spectral
  synthesis, no second mean) and is the reference the issue names.

The ratio printed is Captum's time over eegvis's (above 1: eegvis is faster).
LRP has no Captum row (Captum's LRP has no rule for ELU); Haufe none either
(it is one amplitude-gradient pass and a covariance product per subject).

    python benchmarks/attribution.py [--n-crops 128] [--batch-size 64] [--threads 2]
                                     [--methods saliency deeplift ...] [--repeats 1]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from _timing import timed
from captum.attr import DeepLift, GradientShap, InputXGradient, IntegratedGradients, Saliency
from gradients import N_TIMES, SFREQ, network, pink_noise_crops

from eegvis.analyses.attribution import explained_model
from eegvis.analyses.attribution_maps import crop_attribution
from eegvis.analyses.methods import METHOD_OPTIONS, METHODS


def captum_call(method, explained, x, target):
    """The Captum method called as its documentation shows, with eegvis's method defaults."""
    if method == "saliency":
        return Saliency(explained).attribute(x, target=target)
    if method == "input_x_gradient":
        return InputXGradient(explained).attribute(x, target=target)
    zeros = torch.zeros_like(x)
    if method == "integrated_gradients":
        n_steps = METHOD_OPTIONS["integrated_gradients"]["n_steps"]
        return IntegratedGradients(explained).attribute(x, zeros, target=target, n_steps=n_steps)
    if method == "deeplift":
        return DeepLift(explained).attribute(x, zeros, target=target)
    n_samples = METHOD_OPTIONS["gradient_shap"]["n_samples"]
    return GradientShap(explained).attribute(x, x, target=target, n_samples=n_samples)


def captum_loop(model, X, y, method, batch_size, n_classes=2):
    """Per class, the sum of Captum's time-domain attributions over that class's crops.

    The network is the same scores wrapper of its attribution copy as eegvis uses
    (Captum's DeepLIFT fails on the dense network's dilated max pooling otherwise).
    """
    explained = explained_model(model, N_TIMES, "time", strip_log_softmax=True)
    total = np.zeros((n_classes, *X.shape[1:]))
    for first in range(0, len(X), batch_size):
        x = torch.as_tensor(X[first : first + batch_size]).requires_grad_()
        labels = y[first : first + batch_size]
        for k in range(n_classes):
            result = captum_call(method, explained, x, k).detach().numpy()
            total[k] += result[labels == k].sum(axis=0)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-crops", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = network(seed=0)
    X = pink_noise_crops(args.n_crops)
    y = np.arange(args.n_crops) % 2
    print(
        f"{args.n_crops} crops of 64 x {N_TIMES}, batch {args.batch_size}, "
        f"{args.threads} threads, best of {args.repeats}"
    )
    print(f"{'method':22s} {'eegvis s':>9s} {'Captum loop s':>14s} {'ratio':>7s}")
    for method in args.methods:
        options = {"window": 16} if method == "occlusion" else {}
        ours, _ = timed(
            lambda method=method, options=options: crop_attribution(
                model, X, y, SFREQ, 2, method, batch_size=args.batch_size, **options
            ),
            args.repeats,
        )
        if method in ("lrp", "haufe", "occlusion"):
            print(f"{method:22s} {ours:9.2f} {'-':>14s} {'-':>7s}")
            continue
        theirs, _ = timed(
            lambda method=method: captum_loop(model, X, y, method, args.batch_size), args.repeats
        )
        print(f"{method:22s} {ours:9.2f} {theirs:14.2f} {theirs / ours:7.2f}")


if __name__ == "__main__":
    main()
