"""Which attribution map to believe: scores against planted truth, and sanity checks.

::

    from eegvis.data.artifacts import planted_masks
    from eegvis.evaluation import ground_truth_scores, cascading_similarity, randomisation_flags
    maps = eegvis.read_maps("results/demo/gradient/trained.nc")
    relevance = maps[maps.attrs["map"]]
    masks = planted_masks(relevance["channel"].values, relevance["frequency"].values)
    per_subject, summary = ground_truth_scores(
        relevance, masks, method="gradient", network="trained"
    )
    table = cascading_similarity(model, explain, epochs.info, method="gradient")
    randomisation_flags(table)    # does the map survive randomising the weights?

- :mod:`~eegvis.evaluation.ground_truth`: relevance mass and rank accuracy,
  pointing game and ROC-AUC of a map against a mask, their chance levels, and
  the tables of every subject, class and mask.
- :mod:`~eegvis.evaluation.sanity`: Adebayo et al.'s (2018) sanity checks,
  cascading model-parameter randomisation and label randomisation, with the
  similarity of maps (Spearman rank correlation, SSIM of scalp images).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["ground_truth", "sanity"],
    submod_attrs={
        "ground_truth": [
            "METRICS",
            "chance_levels",
            "class_masks",
            "ground_truth_scores",
            "merge_class_masks",
            "pointing_game",
            "relevance_mass_accuracy",
            "relevance_rank_accuracy",
            "roc_auc",
        ],
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
