"""Inference on maps: one-sample tests across subjects, split-half reliability, test families."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["families", "one_sample", "reliability", "tables"],
    submod_attrs={
        "families": [
            "analysis_families",
            "attribution_results",
            "bands_by_name",
            "contrasts",
            "envelope_activation_families",
            "envelope_class_families",
            "map_families",
            "MapFamily",
            "spectral_families",
            "subject_selection",
        ],
        "one_sample": ["MapTest", "one_sample_test"],
        "reliability": ["spearman_brown", "split_half", "SplitHalf"],
        "tables": [
            "iteration_reliability_table",
            "reliability_table",
            "statistics_table",
            "subject_reliability_table",
        ],
    },
)
