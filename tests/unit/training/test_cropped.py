"""Cropped training: learning, determinism, checkpoint resume
(the optimisers: test_optimizer.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from eegvis.training import TrainingSettings, fit_cropped, permute_labels_within


class TinyDense(nn.Module):
    """A dense two-class net: conv over time, ELU, dropout, conv classifier."""

    def __init__(self, n_chans: int = 4) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv1d(n_chans, 6, 9),
            nn.ELU(),
            nn.Dropout(0.3),
            nn.Conv1d(6, 2, 8),
            nn.LogSoftmax(dim=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def planted_data(n_trials: int, seed: int, n_chans: int = 4, n_times: int = 60):
    """Class 1 has a 12-sample-period oscillation on channel 0; class 0 does not."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n_trials)
    X = rng.normal(size=(n_trials, n_chans, n_times)).astype(np.float32)
    X[:, 0] += 2.0 * y[:, None] * np.sin(2 * np.pi * np.arange(n_times) / 12)
    return X, y.astype(np.int64)


def train_tiny(tmp_path, epochs: int, checkpoint=None, seed: int = 7):
    torch.manual_seed(seed)
    model = TinyDense()
    settings = TrainingSettings(epochs=epochs, batch_size=16, lr=0.01, seed=seed, device="cpu")
    history, initial = fit_cropped(
        model,
        planted_data(64, 1),
        planted_data(32, 2),
        input_time_length=40,
        settings=settings,
        checkpoint=checkpoint,
        fingerprint="tiny",
    )
    return model, history, initial


def test_training_learns_the_planted_class(tmp_path):
    model, history, _ = train_tiny(tmp_path, epochs=15)
    assert history["epoch"].tolist() == list(range(16))
    assert history["valid_misclass"].iloc[0] > 0.2
    assert history["valid_misclass"].iloc[-1] < 0.1
    assert history["train_loss"].iloc[-1] < history["train_loss"].iloc[0]


def test_same_seed_bit_identical_and_initial_state_kept(tmp_path):
    model_a, history_a, initial_a = train_tiny(tmp_path, epochs=3)
    model_b, history_b, initial_b = train_tiny(tmp_path, epochs=3)
    for key, value in model_a.state_dict().items():
        assert torch.equal(value, model_b.state_dict()[key])
    assert history_a.drop(columns=["train_time_s", "wall_time_s"]).equals(
        history_b.drop(columns=["train_time_s", "wall_time_s"])
    )
    torch.manual_seed(7)
    fresh = TinyDense().state_dict()
    assert all(torch.equal(fresh[key], initial_a[key]) for key in fresh)
    assert not torch.equal(model_a.state_dict()["body.0.weight"], fresh["body.0.weight"])


def test_resume_from_checkpoint_gives_the_uninterrupted_result(tmp_path):
    reference, history_ref, _ = train_tiny(tmp_path, epochs=4)
    checkpoint = tmp_path / "checkpoint.pt"

    class Interrupt(Exception):
        pass

    # Interrupt after epoch 2: make the third epoch's first forward pass fail.
    torch.manual_seed(7)
    model = TinyDense()
    calls = {"n": 0}
    n_batches_per_epoch = 8  # 64 trials x 2 crops (starts 0 and 20) / 16 crops per batch

    def fail_in_third_epoch(module, inputs):
        if module.training:
            calls["n"] += 1
            if calls["n"] > 2 * n_batches_per_epoch:
                raise Interrupt

    handle = model.register_forward_pre_hook(fail_in_third_epoch)
    settings = TrainingSettings(epochs=4, batch_size=16, lr=0.01, seed=7, device="cpu")
    with pytest.raises(Interrupt):
        fit_cropped(
            model,
            planted_data(64, 1),
            planted_data(32, 2),
            40,
            settings,
            checkpoint=checkpoint,
            fingerprint="tiny",
        )
    handle.remove()
    assert torch.load(checkpoint, weights_only=False)["epoch"] == 2

    resumed, history, _ = train_tiny(tmp_path, epochs=4, checkpoint=checkpoint)
    for key, value in reference.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key]), key
    columns = ["epoch", "train_loss", "valid_loss", "train_misclass", "valid_misclass"]
    assert history[columns].equals(history_ref[columns])


def test_checkpoint_of_other_settings_is_ignored(tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    train_tiny(tmp_path, epochs=2, checkpoint=checkpoint)
    torch.manual_seed(7)
    settings = TrainingSettings(epochs=2, batch_size=16, seed=7, device="cpu")
    history, _ = fit_cropped(
        TinyDense(), planted_data(64, 1), planted_data(32, 2), 40, settings, checkpoint, "other"
    )
    assert history["epoch"].tolist() == [0, 1, 2]


def test_labels_are_permuted_within_subjects_only():
    rng = np.random.default_rng(0)
    groups = np.repeat([3, 7, 9], 40)
    y = rng.integers(0, 2, len(groups))
    permuted = permute_labels_within(y, groups, seed=1)
    for group in (3, 7, 9):
        members = groups == group
        assert sorted(permuted[members]) == sorted(y[members])  # same labels per subject
    assert (permuted != y).mean() > 0.3  # and really moved: ~50% for random binary labels
    assert np.array_equal(permuted, permute_labels_within(y, groups, seed=1))
    assert not np.array_equal(permuted, permute_labels_within(y, groups, seed=2))
    with pytest.raises(ValueError, match="equal length"):
        permute_labels_within(y, groups[:-1], seed=1)
