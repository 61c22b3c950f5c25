"""Figures: scalp-map grids, spectra, envelope maps, training curves (matplotlib, MNE)."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=[
        "captions",
        "comparison",
        "envelopes",
        "ica",
        "labels",
        "quality",
        "reliance",
        "sanity",
        "spectral",
        "topomaps",
        "training",
    ],
    submod_attrs={
        "captions": [
            "describe_reliability",
            "map_grid",
            "reliability_notes",
            "select",
            "statistics_caption",
        ],
        "comparison": ["plot_variant_comparison"],
        "envelopes": ["plot_envelope_activation", "plot_envelope_class"],
        "ica": ["plot_excluded_components"],
        "labels": ["band_title"],
        "quality": ["plot_attribution_quality"],
        "reliance": ["plot_reliance"],
        "sanity": ["plot_cascading"],
        "spectral": ["plot_band_maps", "plot_spectrum"],
        "topomaps": [
            "eeg_info",
            "plot_channel_frequency",
            "plot_map_grid",
            "scalp_positions",
            "symmetric_limit",
        ],
        "training": ["plot_training_curves"],
    },
)
