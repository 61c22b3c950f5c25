"""Checkpoints of cropped training: the fingerprint that names the run a checkpoint belongs to.

Resuming from a checkpoint (and ignoring one of other settings) is tested through
``fit_cropped`` in test_cropped.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

import numpy as np

from eegvis.training import TrainingSettings
from eegvis.training.checkpoints import checkpoint_fingerprint

ARCHITECTURE = {
    "n_chans": 64,
    "n_classes": 2,
    "input_time_length": 450,
    "deep4": {"n_filters_2": 50},
}
TRAIN, VALID = ["epochs/sub-001_epo.fif", "epochs/sub-002_epo.fif"], ["epochs/sub-003_epo.fif"]


def test_checkpoint_fingerprint_is_the_sha256_of_the_runs_identity():
    settings = TrainingSettings(epochs=3, device="cpu")
    fingerprint = checkpoint_fingerprint(ARCHITECTURE, settings, False, TRAIN, VALID)
    identity = [ARCHITECTURE, dataclasses.asdict(settings), False, TRAIN, VALID, []]
    assert fingerprint == hashlib.sha256(json.dumps(identity).encode()).hexdigest()
    # Equal inputs (as other objects) give the same fingerprint.
    again = checkpoint_fingerprint(
        json.loads(json.dumps(ARCHITECTURE)),
        TrainingSettings(epochs=3, device="cpu"),
        0,
        tuple(TRAIN),
        [str(path) for path in VALID],
    )
    assert again == fingerprint


def test_any_change_of_the_run_changes_the_fingerprint():
    settings = TrainingSettings()
    reference = checkpoint_fingerprint(ARCHITECTURE, settings, False, TRAIN, VALID)
    changed_settings = {
        field.name: dataclasses.replace(settings, **{field.name: changed})
        for field, changed in zip(
            dataclasses.fields(TrainingSettings),
            (31, 32, 0.02, 1e-3, "torch", 1, "cpu", True),
            strict=True,
        )
    }
    others = [
        checkpoint_fingerprint(
            {**ARCHITECTURE, "deep4": {"n_filters_2": 51}}, settings, False, TRAIN, VALID
        ),
        checkpoint_fingerprint({**ARCHITECTURE, "n_chans": 63}, settings, False, TRAIN, VALID),
        *(
            checkpoint_fingerprint(ARCHITECTURE, changed, False, TRAIN, VALID)
            for changed in changed_settings.values()
        ),
        checkpoint_fingerprint(ARCHITECTURE, settings, True, TRAIN, VALID),
        checkpoint_fingerprint(ARCHITECTURE, settings, False, TRAIN[:1], VALID),
        checkpoint_fingerprint(ARCHITECTURE, settings, False, TRAIN[::-1], VALID),
        checkpoint_fingerprint(ARCHITECTURE, settings, False, TRAIN, ["epochs/sub-004_epo.fif"]),
        checkpoint_fingerprint(ARCHITECTURE, settings, False, TRAIN + VALID, []),
        checkpoint_fingerprint(ARCHITECTURE, settings, False, TRAIN, VALID, data=[np.zeros(3)]),
        checkpoint_fingerprint(ARCHITECTURE, settings, False, TRAIN, VALID, data=[np.ones(3)]),
        checkpoint_fingerprint(
            ARCHITECTURE, settings, False, TRAIN, VALID, data=[np.zeros(3, np.float32)]
        ),
        checkpoint_fingerprint(
            ARCHITECTURE, settings, False, TRAIN, VALID, data=[np.zeros((3, 1))]
        ),
    ]
    assert len(set(others)) == len(others) and reference not in others


def test_the_same_data_gives_the_same_fingerprint():
    settings = TrainingSettings()
    data = np.arange(12.0).reshape(3, 4)
    assert checkpoint_fingerprint(
        ARCHITECTURE, settings, False, TRAIN, VALID, data=[data]
    ) == checkpoint_fingerprint(ARCHITECTURE, settings, False, TRAIN, VALID, data=[data.copy()])
    assert checkpoint_fingerprint(
        ARCHITECTURE, settings, False, TRAIN, VALID, data=[data.T]
    ) != checkpoint_fingerprint(ARCHITECTURE, settings, False, TRAIN, VALID, data=[data])
