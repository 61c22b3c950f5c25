"""Cropped training of a dense ConvNet and its optimisers."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["cropped", "optimizer"],
    submod_attrs={
        "cropped": [
            "checkpoint_fingerprint",
            "CroppedData",
            "evaluate",
            "fit_cropped",
            "permute_labels_within",
            "TrainingSettings",
            "TrainingState",
        ],
        "optimizer": ["BraindecodeAdamW", "cosine_factor", "make_optimizer"],
    },
)
