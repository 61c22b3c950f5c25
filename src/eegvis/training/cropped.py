"""Cropped training of a dense ConvNet, resumable from per-epoch checkpoints.

The recipe of Schirrmeister et al. (2017) as braindecode 0.4 ran it: crops of
``input_time_length`` samples cover each trial (:mod:`eegvis.models.crops`); the loss
is the negative log-likelihood of the time-averaged log-probabilities of a
crop; a trial's prediction is the mean over its predicted samples. AdamW with
a cosine schedule over all updates.

The optimisers are in :mod:`eegvis.training.optimizer`.
"""

from __future__ import annotations

import copy
import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from eegvis.models.crops import crop_index, crop_starts, trial_predictions
from eegvis.models.layers import n_predictions
from eegvis.training.checkpoints import TrainingState, load_checkpoint, save_checkpoint
from eegvis.training.optimizer import cosine_factor, make_optimizer
from eegvis.utils.devices import resolve_device
from eegvis.utils.progress import progress

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainingSettings:
    """Hyper-parameters of cropped training (defaults: the seed-000 tutorial).

    Attributes
    ----------
    epochs : int
        Passes over the training crops.
    batch_size : int
        Crops per update.
    lr : float
        Initial learning rate.
    weight_decay : float
        Initial weight decay (see the module docstring for its two meanings).
    optimizer : {"braindecode", "torch"}
        AdamW flavour.
    seed : int
        Seeds dropout (through torch's global generator, seeded when training
        starts) and the crop order; the workflow also uses it for the initial
        weights.
    device : str
        ``"auto"`` (CUDA when present, else CPU), ``"cpu"``, ``"cuda"`` or
        ``"cuda:N"``.
    amp : bool
        Mixed precision (bfloat16 autocast) on CUDA; ignored on CPU.
    """

    epochs: int = 30
    batch_size: int = 64
    lr: float = 0.01
    weight_decay: float = 5e-4
    optimizer: str = "braindecode"
    seed: int = 20170629
    device: str = "auto"
    amp: bool = False


def _dense(log_probs: torch.Tensor) -> torch.Tensor:
    """View (batch, n_classes) outputs as (batch, n_classes, 1) dense predictions."""
    return log_probs if log_probs.ndim == 3 else log_probs.unsqueeze(-1)


def _gather(X: np.ndarray, index: np.ndarray, length: int) -> torch.Tensor:
    """Cut crops ``X[trial, :, start:start + length]`` for each (trial, start) pair."""
    offsets = index[:, 1, None] + np.arange(length)
    crops = X[index[:, 0, None], :, offsets]  # (n, length, n_chans)
    return torch.from_numpy(np.ascontiguousarray(crops.transpose(0, 2, 1)))


class CroppedData:
    """Trials with their crops, for training and evaluation.

    Parameters
    ----------
    X : ndarray, shape (n_trials, n_chans, n_times)
        Trials (float32).
    y : ndarray of int, shape (n_trials,)
        Class labels.
    input_time_length : int
        Crop length in samples.
    n_preds : int
        Dense predictions per crop.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, input_time_length: int, n_preds: int) -> None:
        self.X, self.y = X, y
        self.input_time_length = input_time_length
        self.starts = crop_starts(X.shape[-1], input_time_length, n_preds)
        self.index = crop_index(len(X), self.starts)

    def batch(self, rows: np.ndarray, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """Return crops ``rows`` of :attr:`index` and their labels on ``device``."""
        index = self.index[rows]
        crops = _gather(self.X, index, self.input_time_length).to(device)
        labels = torch.from_numpy(self.y[index[:, 0]]).to(device)
        return crops, labels


def evaluate(
    model: nn.Module, data: CroppedData, batch_size: int, device: torch.device
) -> tuple[float, float]:
    """Return the crop loss and the trial misclassification rate, in eval mode.

    Parameters
    ----------
    model : nn.Module
        Dense model returning log-probabilities (batch, n_classes, n_preds).
    data : CroppedData
        Trials to evaluate.
    batch_size : int
        Crops per forward pass.
    device : torch.device
        The model's device.

    Returns
    -------
    loss : float
        Mean over crops of the NLL of the time-averaged log-probabilities.
    misclass : float
        Fraction of trials whose mean prediction's argmax is not the label.
    """
    model.eval()
    outputs = []
    with torch.no_grad():
        for begin in range(0, len(data.index), batch_size):
            crops, _ = data.batch(
                np.arange(begin, min(begin + batch_size, len(data.index))), device
            )
            outputs.append(_dense(model(crops)).double().cpu().numpy())
    preds = np.concatenate(outputs)
    crop_labels = data.y[data.index[:, 0]]
    loss = -preds.mean(axis=-1)[np.arange(len(preds)), crop_labels].mean()
    trial_preds = trial_predictions(preds, len(data.X), data.starts, data.input_time_length)
    misclass = float(np.mean(trial_preds.argmax(axis=1) != data.y))
    return float(loss), misclass


def _state_on_cpu(model: nn.Module) -> dict:
    return {name: value.detach().cpu().clone() for name, value in model.state_dict().items()}


def fit_cropped(
    model: nn.Module,
    train: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    input_time_length: int,
    settings: TrainingSettings,
    checkpoint: str | os.PathLike | None = None,
    fingerprint: str = "",
) -> tuple[pd.DataFrame, dict]:
    """Train a dense model with cropped decoding; resume from ``checkpoint``.

    The model's weights when this function is first called are its
    *untrained* state, returned (and kept in the checkpoint) so the untrained
    control network is exactly this network before its first update.

    Each epoch's losses and misclassification rates are logged, and so is the
    progress over the epochs with the time left (:func:`eegvis.utils.progress.progress`,
    which also draws a bar when standard error is a terminal).

    Parameters
    ----------
    model : nn.Module
        Dense model returning log-probabilities (batch, n_classes, n_preds),
        freshly initialised (seed it with ``settings.seed`` before building
        it). Trained in place; moved to ``settings.device``.
    train, valid : tuple of ndarray
        ``(X, y)``: trials (n_trials, n_chans, n_times), float32, and labels.
    input_time_length : int
        Crop length in samples.
    settings : TrainingSettings
        Hyper-parameters, seed and device.
    checkpoint : path-like | None
        Written after every epoch; if it exists with the same ``fingerprint``
        when training starts, training resumes from it and ends with the same
        result as an uninterrupted run (on CPU, bit for bit).
    fingerprint : str
        Identifies the data and settings the checkpoint belongs to.

    Returns
    -------
    history : pandas.DataFrame
        One row per epoch (epoch 0 = before training): ``epoch``,
        ``train_loss``, ``valid_loss``, ``train_misclass``, ``valid_misclass``,
        ``train_time_s`` (updates only), ``wall_time_s``.
    initial_state : dict
        The untrained state dict (on the CPU).
    """
    device = resolve_device(settings.device)
    model.to(device)
    run = _prepare(model, device, train, valid, input_time_length, settings)
    checkpoint = Path(checkpoint) if checkpoint is not None else None
    state = _resume_or_start(model, run, checkpoint, fingerprint)
    epochs = progress(
        range(state.epoch + 1, settings.epochs + 1),
        desc="training",
        unit="epoch",
        logger=logger,
        initial=state.epoch,
    )
    for epoch in epochs:
        started = time.perf_counter()
        _train_epoch(model, run, state)
        train_time = time.perf_counter() - started
        state.epoch = epoch
        _record(state, model, run.train, run.valid, settings, run.device, train_time, started)
        if checkpoint is not None:
            _save_progress(checkpoint, state, model, run)
    return pd.DataFrame(state.history), state.initial_state


@dataclass(frozen=True, eq=False)
class _Run:
    """What :func:`fit_cropped` sets up before training: data, optimiser, crop order, schedule.

    Attributes
    ----------
    train, valid : CroppedData
        The training and validation trials with their crops.
    settings : TrainingSettings
        The recipe.
    device : torch.device
        Where the model trains.
    optimizer : torch.optim.Optimizer
        The AdamW flavour of ``settings``.
    rng : numpy.random.Generator
        Draws the crop order of every epoch.
    n_batches, n_updates : int
        Updates per epoch and in all.
    autocast : bool
        Whether the forward pass runs in bfloat16 autocast.
    """

    train: CroppedData
    valid: CroppedData
    settings: TrainingSettings
    device: torch.device
    optimizer: torch.optim.Optimizer
    rng: np.random.Generator
    n_batches: int
    n_updates: int
    autocast: bool


def _prepare(
    model: nn.Module,
    device: torch.device,
    train: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    input_time_length: int,
    settings: TrainingSettings,
) -> _Run:
    """Cut the crops, make the optimiser and the crop-order generator; log the plan.

    ``model`` is already on ``device``.
    """
    n_preds = n_predictions(model, train[0].shape[1], input_time_length)
    train_data = CroppedData(*train, input_time_length, n_preds)
    valid_data = CroppedData(*valid, input_time_length, n_preds)
    n_batches = math.ceil(len(train_data.index) / settings.batch_size)
    run = _Run(
        train=train_data,
        valid=valid_data,
        settings=settings,
        device=device,
        optimizer=make_optimizer(
            model.parameters(), settings.optimizer, settings.lr, settings.weight_decay
        ),
        rng=np.random.default_rng(settings.seed),
        n_batches=n_batches,
        n_updates=settings.epochs * n_batches,
        autocast=settings.amp and device.type == "cuda",
    )
    logger.info(
        "Training on %s: %d train and %d valid trials, %d crops of %d samples per epoch "
        "(%d predictions each), %d updates",
        device,
        len(train[0]),
        len(valid[0]),
        len(train_data.index),
        input_time_length,
        n_preds,
        run.n_updates,
    )
    return run


def _resume_or_start(
    model: nn.Module, run: _Run, checkpoint: Path | None, fingerprint: str
) -> TrainingState:
    """Restore the state of ``checkpoint`` if it belongs to ``fingerprint``; else start afresh.

    A fresh start seeds torch's global generator (dropout draws from it), keeps
    the untrained weights and records epoch 0, the untrained network's losses.
    """
    state = load_checkpoint(checkpoint, fingerprint)
    if state is not None:
        model.load_state_dict(state.model_state)
        run.optimizer.load_state_dict(state.optimizer_state)
        torch.set_rng_state(state.torch_rng)
        run.rng.bit_generator.state = state.numpy_rng
        logger.info("Resuming from %s after epoch %d", checkpoint, state.epoch)
        return state
    torch.manual_seed(run.settings.seed)  # dropout draws from torch's global generator
    started = time.perf_counter()
    state = TrainingState(
        epoch=0,
        i_update=0,
        history=[],
        initial_state=_state_on_cpu(model),
        model_state={},
        optimizer_state={},
        torch_rng=torch.Tensor(),
        numpy_rng={},
        fingerprint=fingerprint,
    )
    _record(state, model, run.train, run.valid, run.settings, run.device, 0.0, started)
    return state


def _train_epoch(model: nn.Module, run: _Run, state: TrainingState) -> None:
    """One pass over the training crops in a fresh random order, one update per batch."""
    settings = run.settings
    model.train()
    order = run.rng.permutation(len(run.train.index))
    for i_batch in range(run.n_batches):
        rows = order[i_batch * settings.batch_size : (i_batch + 1) * settings.batch_size]
        _update(model, run, state, *run.train.batch(rows, run.device))


def _update(
    model: nn.Module, run: _Run, state: TrainingState, crops: torch.Tensor, labels: torch.Tensor
) -> None:
    """One optimiser step on a batch, at the learning rate (and decay) of the cosine schedule."""
    settings = run.settings
    factor = cosine_factor(state.i_update, run.n_updates)
    for group in run.optimizer.param_groups:
        group["lr"] = settings.lr * factor
        if settings.optimizer == "braindecode":
            group["weight_decay"] = settings.weight_decay * factor
    with torch.autocast(run.device.type, dtype=torch.bfloat16, enabled=run.autocast):
        log_probs = model(crops)
    loss = F.nll_loss(_dense(log_probs).float().mean(dim=2), labels)
    run.optimizer.zero_grad(set_to_none=True)
    loss.backward()
    run.optimizer.step()
    state.i_update += 1


def _save_progress(checkpoint: Path, state: TrainingState, model: nn.Module, run: _Run) -> None:
    """Write the state after an epoch (model, optimiser, both generators) to ``checkpoint``."""
    state.model_state = _state_on_cpu(model)
    state.optimizer_state = copy.deepcopy(run.optimizer.state_dict())
    state.torch_rng = torch.get_rng_state()
    state.numpy_rng = run.rng.bit_generator.state
    save_checkpoint(checkpoint, state)


def _record(
    state: TrainingState,
    model: nn.Module,
    train_data: CroppedData,
    valid_data: CroppedData,
    settings: TrainingSettings,
    device: torch.device,
    train_time: float,
    started: float,
) -> None:
    """Evaluate after an epoch, append to the history and log the row."""
    train_loss, train_misclass = evaluate(model, train_data, settings.batch_size, device)
    valid_loss, valid_misclass = evaluate(model, valid_data, settings.batch_size, device)
    row = dict(
        epoch=state.epoch,
        train_loss=train_loss,
        valid_loss=valid_loss,
        train_misclass=train_misclass,
        valid_misclass=valid_misclass,
        train_time_s=train_time,
        wall_time_s=time.perf_counter() - started,
    )
    state.history.append(row)
    logger.info(
        "Epoch %d/%d: train_loss %.5f valid_loss %.5f train_misclass %.5f "
        "valid_misclass %.5f (updates %.2f s, epoch %.2f s)",
        state.epoch,
        settings.epochs,
        train_loss,
        valid_loss,
        train_misclass,
        valid_misclass,
        train_time,
        row["wall_time_s"],
    )


def permute_labels_within(y: np.ndarray, groups: np.ndarray, seed: int) -> np.ndarray:
    """Permute labels within each group (subject): the data-randomisation control.

    A network trained on these labels sees the same recordings and the same
    class frequencies per subject as the real one, but no relation between a
    trial and its class (Adebayo et al. 2018's data randomisation test).

    Parameters
    ----------
    y : ndarray, shape (n_trials,)
        Labels.
    groups : ndarray, shape (n_trials,)
        Group (subject) of each trial; labels move only within a group.
    seed : int
        Seed of the permutations (``numpy.random.default_rng``).

    Returns
    -------
    permuted : ndarray, shape (n_trials,)
        A new array; each group holds the same labels in another order.

    Raises
    ------
    ValueError
        If ``y`` and ``groups`` differ in length.
    """
    y, groups = np.asarray(y), np.asarray(groups)
    if y.shape != groups.shape or y.ndim != 1:
        raise ValueError(f"y and groups must be 1-D of equal length, got {y.shape}, {groups.shape}")
    rng = np.random.default_rng(seed)
    permuted = y.copy()
    for group in np.unique(groups):
        members = np.flatnonzero(groups == group)
        permuted[members] = y[rng.permutation(members)]
    return permuted
