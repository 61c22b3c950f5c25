"""Cropped training of a dense ConvNet and its optimisers."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["checkpoints", "cropped", "optimizer"],
    submod_attrs={
        "checkpoints": [
            "checkpoint_fingerprint",
            "load_checkpoint",
            "save_checkpoint",
            "TrainingState",
        ],
        "cropped": [
            "CroppedData",
            "evaluate",
            "fit_cropped",
            "permute_labels_within",
            "TrainingSettings",
        ],
        "optimizer": ["BraindecodeAdamW", "cosine_factor", "make_optimizer"],
    },
)
