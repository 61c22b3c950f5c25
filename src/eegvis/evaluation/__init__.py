"""Evaluation of attribution maps: scores against the truth planted in synthetic data.

::

    from eegvis.data.artifacts import planted_masks
    from eegvis.evaluation import ground_truth_scores
    maps = eegvis.read_maps("results/demo/gradient/trained.nc")
    relevance = maps[maps.attrs["map"]]
    masks = planted_masks(relevance["channel"].values, relevance["frequency"].values)
    per_subject, summary = ground_truth_scores(
        relevance, masks, method="gradient", network="trained"
    )

- :mod:`~eegvis.evaluation.ground_truth`: relevance mass and rank accuracy,
  pointing game and ROC-AUC of a map against a mask, their chance levels, and
  the tables of every subject, class and mask.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["ground_truth"],
    submod_attrs={
        "ground_truth": [
            "METRICS",
            "chance_levels",
            "class_masks",
            "ground_truth_scores",
            "pointing_game",
            "relevance_mass_accuracy",
            "relevance_rank_accuracy",
            "roc_auc",
        ],
    },
)
