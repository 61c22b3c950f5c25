"""Checks of attribution methods: whether a map explains what the network learned.

::

    from eegvis.evaluation import cascading_similarity, randomisation_flags
    table = cascading_similarity(model, explain, epochs.info, method="gradient")
    randomisation_flags(table)    # does the map survive randomising the weights?

- :mod:`~eegvis.evaluation.sanity`: Adebayo et al.'s (2018) sanity checks,
  cascading model-parameter randomisation and label randomisation, with the
  similarity of maps (Spearman rank correlation, SSIM of scalp images).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["sanity"],
    submod_attrs={
        "sanity": [
            "SIMILARITY_METRICS",
            "cascading_randomisation",
            "cascading_similarity",
            "label_randomisation_similarity",
            "randomisation_flags",
            "rank_similarity",
            "ssim_similarity",
        ],
    },
)
