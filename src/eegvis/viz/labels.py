"""Titles of a figure's rows, columns and panels: layers, bands and scores.

No plotting imports, so the workflow's rules can use them when they are parsed.
"""

from __future__ import annotations

#: Figure-title name of each analysis.
ANALYSIS_TITLES = {
    "envelope_activation": "Envelope–activation correlation (Fig. 15)",
    "envelope_class": "Envelope–class correlation (Fig. 14)",
    "gradient": "Amplitude gradient",
    "perturbation": "Amplitude-perturbation correlation",
    "attribution": "Gradient attribution (gradient × class amplitude difference)",
    "saliency": "Saliency |∂ score / ∂ amplitude|, class contrast",
    "input_x_gradient": "Input × gradient, class contrast",
    "integrated_gradients": "Integrated gradients, class contrast",
    "deeplift": "DeepLIFT, class contrast",
    "gradient_shap": "GradientSHAP, class contrast",
    "occlusion": "Occlusion, class contrast",
    "lrp": "LRP, class contrast",
    "haufe": "Haufe activation pattern of the amplitude gradient",
}
#: Column titles of the analysed layers (:data:`eegvis.models.BLOCK_OUTPUTS`).
LAYER_TITLES = {
    "pool_nonlin": "block 1",
    "pool_nonlin_2": "block 2",
    "pool_nonlin_3": "block 3",
    "pool_nonlin_4": "block 4",
    "conv_classifier": "classifier",
}

#: Panel titles of the ground-truth scores (:data:`eegvis.evaluation.ground_truth.METRICS`).
METRIC_TITLES = {
    "relevance_mass_accuracy": "relevance mass accuracy",
    "relevance_rank_accuracy": "relevance rank accuracy",
    "pointing_game": "pointing game",
    "roc_auc": "ROC-AUC",
}


def band_title(name: str, low: float, high: float) -> str:
    """Return a row title such as ``"alpha 7–13 Hz"``."""
    return f"{name} {low:g}–{high:g} Hz"


#: Panel titles of the map similarities (:data:`eegvis.evaluation.sanity.SIMILARITY_METRICS`).
SIMILARITY_TITLES = {
    "spearman": "Spearman rank correlation of |map|",
    "ssim": "SSIM of the |map| scalp images",
}
