"""The attribution methods by name, their options and defaults (no torch import).

The workflow reads these when it builds its jobs; :mod:`eegvis.analyses.attribution`
implements them.
"""

from __future__ import annotations

from typing import Any

#: The attribution methods, with what each computes.
METHODS: dict[str, str] = {
    "saliency": "|gradient| (Captum Saliency)",
    "input_x_gradient": "input x gradient (Captum InputXGradient)",
    "integrated_gradients": "integrated gradients from the zero input (Captum)",
    "deeplift": "DeepLIFT rescale rule against the zero input (Captum DeepLift)",
    "gradient_shap": "expected gradients against other crops (Captum GradientShap)",
    "occlusion": "prediction change when a window is zeroed (Captum Occlusion)",
    "lrp": "layer-wise relevance propagation (Zennit composite)",
    "haufe": "activation pattern: amplitude covariance x class-centred gradient (Haufe 2014)",
}
#: The methods that attribute each crop (all but ``haufe``, which needs a subject's crops).
CROP_METHODS = tuple(method for method in METHODS if method != "haufe")
#: Each method's options and their defaults.
METHOD_OPTIONS: dict[str, dict[str, Any]] = {
    "integrated_gradients": {"n_steps": 16},
    "gradient_shap": {"n_samples": 8, "seed": 0},
    "occlusion": {"window": 8},
    "lrp": {"composite": "epsilon"},
}


def method_options(method: str, options: dict[str, Any]) -> dict[str, Any]:
    """Return ``options`` over the method's defaults; unknown methods or options are errors.

    Raises
    ------
    ValueError
        If ``method`` is not in :data:`METHODS` or an option is not one of its own.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    defaults = METHOD_OPTIONS.get(method, {})
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise ValueError(
            f"unknown options for method {method!r}: {unknown}; "
            f"it takes {sorted(defaults) or 'none'}"
        )
    return {**defaults, **options}
