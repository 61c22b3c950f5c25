"""One call per attribution method: Captum's classes and Zennit's LRP rules.

Private to :mod:`eegvis.analyses`; :func:`eegvis.analyses.attribution.attribute`
dispatches to these (see its module docstring for what each method computes).
Each takes the explained model, the inputs, the phases (None in the time domain),
the targets and the method's options.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import Tensor

from eegvis.analyses._explained import ClassScores, SpectralSynthesis
from eegvis.analyses._zennit import zennit_module


def _extra(phase: Tensor | None) -> tuple[Tensor, ...] | None:
    return None if phase is None else (phase,)


def _saliency(explained: ClassScores, inputs: Tensor, phase: Tensor | None, target: Tensor):
    from captum.attr import Saliency

    return Saliency(explained).attribute(
        inputs, target=target, abs=True, additional_forward_args=_extra(phase)
    )


def _input_x_gradient(explained: ClassScores, inputs: Tensor, phase: Tensor | None, target):
    from captum.attr import InputXGradient

    return InputXGradient(explained).attribute(
        inputs, target=target, additional_forward_args=_extra(phase)
    )


def _integrated_gradients(
    explained: ClassScores, inputs: Tensor, phase: Tensor | None, target: Tensor, n_steps: int
) -> Tensor:
    from captum.attr import IntegratedGradients

    return IntegratedGradients(explained).attribute(
        inputs,
        baselines=torch.zeros_like(inputs),
        target=target,
        additional_forward_args=_extra(phase),
        n_steps=n_steps,
        internal_batch_size=len(inputs),
    )


def _deeplift(explained: ClassScores, inputs: Tensor, phase: Tensor | None, target: Tensor):
    from captum.attr import DeepLift

    return DeepLift(explained).attribute(
        inputs,
        baselines=torch.zeros_like(inputs),
        target=target,
        additional_forward_args=_extra(phase),
    )


def _gradient_shap(
    explained: ClassScores,
    inputs: Tensor,
    phase: Tensor | None,
    target: Tensor,
    n_samples: int,
    seed: int,
) -> Tensor:
    from captum.attr import GradientShap

    # Captum draws the baselines and the points between them from numpy's global random
    # state (and noise from torch's): both are seeded here and restored afterwards.
    devices = [inputs.device] if inputs.device.type == "cuda" else []
    numpy_state = np.random.get_state()  # noqa: NPY002
    try:
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            np.random.seed(seed)  # noqa: NPY002
            return GradientShap(explained).attribute(
                inputs,
                baselines=inputs.detach(),
                target=target,
                additional_forward_args=_extra(phase),
                n_samples=n_samples,
                stdevs=0.0,
            )
    finally:
        np.random.set_state(numpy_state)  # noqa: NPY002


def _occlusion(
    explained: ClassScores, inputs: Tensor, phase: Tensor | None, target: Tensor, window: int
) -> Tensor:
    from captum.attr import Occlusion

    return Occlusion(explained).attribute(
        inputs,
        sliding_window_shapes=(1, window),
        strides=(1, window),
        baselines=0.0,
        target=target,
        additional_forward_args=_extra(phase),
    )


def lrp(
    explained: ClassScores, inputs: Tensor, phase: Tensor | None, target: Tensor, composite: str
) -> Tensor:
    rules = _lrp_rules(composite)
    if explained.synthesis is not None:
        explained.synthesis.phase = phase
    inputs = inputs.detach().requires_grad_(True)
    try:
        with rules.context(explained) as modified, torch.enable_grad():
            scores = modified(inputs)
            chosen = torch.zeros_like(scores).scatter_(1, target[:, None], 1.0) * scores
            (relevance,) = torch.autograd.grad(scores, inputs, grad_outputs=chosen.detach())
    finally:
        if explained.synthesis is not None:
            explained.synthesis.phase = None
    return relevance


def _lrp_rules(composite: str) -> Any:
    """Return the Zennit composite named ``composite``; the synthesis is an epsilon layer.

    ``"epsilon"``: the epsilon rule for every linear layer (convolutions, dense layers,
    the synthesis), activations and batch norms passed: relevance is conserved up to
    what biases absorb. Zennit's own composites by their registered names otherwise.
    """
    composites, rules, kinds = (zennit_module(name) for name in ("composites", "rules", "types"))
    synthesis = (SpectralSynthesis, rules.Epsilon())
    if composite == "epsilon":
        return composites.LayerMapComposite(
            layer_map=[
                synthesis,
                (kinds.Activation, rules.Pass()),
                (kinds.BatchNorm, rules.Pass()),
                (kinds.Linear, rules.Epsilon()),
            ]
        )
    if composite not in composites.COMPOSITES:
        names = sorted(["epsilon", *composites.COMPOSITES])
        raise ValueError(f"composite must be one of {names}, got {composite!r}")
    return composites.COMPOSITES[composite](layer_map=[synthesis])


#: The Captum methods by name: each called as ``(explained, inputs, phase, target, **options)``.
CAPTUM_CALLS: dict[str, Callable[..., Tensor]] = {
    "saliency": _saliency,
    "input_x_gradient": _input_x_gradient,
    "integrated_gradients": _integrated_gradients,
    "deeplift": _deeplift,
    "gradient_shap": _gradient_shap,
    "occlusion": _occlusion,
}
