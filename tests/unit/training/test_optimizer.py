"""The AdamW flavours of cropped training and their cosine schedule."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from eegvis.training.optimizer import BraindecodeAdamW, cosine_factor, make_optimizer


def test_braindecode_adamw_matches_braindecode_0_4():
    from braindecode.torch_ext import optimizers, schedulers

    torch.manual_seed(0)
    ours_net = nn.Linear(5, 3)
    theirs_net = nn.Linear(5, 3)
    theirs_net.load_state_dict(ours_net.state_dict())
    lr, decay, n_updates = 0.01, 5e-4, 20
    ours = BraindecodeAdamW(ours_net.parameters(), lr=lr, weight_decay=decay)
    theirs = schedulers.ScheduledOptimizer(
        schedulers.CosineAnnealing(n_updates),
        optimizers.AdamW(theirs_net.parameters(), lr=lr, weight_decay=decay),
        schedule_weight_decay=True,
    )
    data = torch.randn(8, 5)
    for i_update in range(n_updates):
        for group in ours.param_groups:
            group["lr"] = lr * cosine_factor(i_update, n_updates)
            group["weight_decay"] = decay * cosine_factor(i_update, n_updates)
        for net, opt in ((ours_net, ours), (theirs_net, theirs)):
            opt.zero_grad()
            net(data).pow(2).sum().backward()
            opt.step()
    for a, b in zip(ours_net.parameters(), theirs_net.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


def adamw_by_hand(p, grads, lr, betas, eps, decay):
    """braindecode 0.4's AdamW in float64 NumPy: bias-corrected Adam, then p -= decay * p."""
    m, v = np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g**2
        step = lr * math.sqrt(1 - betas[1] ** t) / (1 - betas[0] ** t)
        p = p - step * m / (np.sqrt(v) + eps)
        p = p - decay * p
    return p


def test_braindecode_adamw_steps_as_written():
    rng = np.random.default_rng(0)
    start, grads = rng.normal(size=6), rng.normal(size=(4, 6))
    param = nn.Parameter(torch.tensor(start))
    untouched = nn.Parameter(torch.tensor(start))  # no gradient: not stepped, not decayed
    optimizer = BraindecodeAdamW(
        [param, untouched], lr=0.05, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.01
    )
    for g in grads:
        param.grad = torch.tensor(g)
        optimizer.step()
    expected = adamw_by_hand(start, grads, 0.05, (0.8, 0.9), 1e-6, 0.01)
    np.testing.assert_allclose(param.detach().numpy(), expected, rtol=1e-12)
    np.testing.assert_array_equal(untouched.detach().numpy(), start)
    assert optimizer.state[param]["step"] == 4


def test_the_two_flavours_decay_differently():
    """With a zero gradient only the decay acts: braindecode's is not scaled by lr."""
    lr, decay = 0.01, 0.1
    for name, kept in (("braindecode", 1 - decay), ("torch", 1 - lr * decay)):
        param = nn.Parameter(torch.ones(3, dtype=torch.float64))
        optimizer = make_optimizer([param], name, lr=lr, weight_decay=decay)
        param.grad = torch.zeros_like(param)
        optimizer.step()
        torch.testing.assert_close(param.detach(), torch.full((3,), kept, dtype=torch.float64))


def test_make_optimizer_builds_the_named_flavour():
    params = [nn.Parameter(torch.zeros(2))]
    ours = make_optimizer(params, "braindecode", lr=0.02, weight_decay=1e-3)
    theirs = make_optimizer(params, "torch", lr=0.03, weight_decay=2e-3)
    assert type(ours) is BraindecodeAdamW and type(theirs) is torch.optim.AdamW
    assert (ours.param_groups[0]["lr"], ours.param_groups[0]["weight_decay"]) == (0.02, 1e-3)
    assert (theirs.param_groups[0]["lr"], theirs.param_groups[0]["weight_decay"]) == (0.03, 2e-3)
    with pytest.raises(ValueError, match="optimizer must be 'braindecode' or 'torch', got 'adam'"):
        make_optimizer(params, "adam", lr=0.01, weight_decay=0.0)


def test_cosine_factor_is_braindecodes_cosine_annealing():
    from braindecode.torch_ext.schedulers import CosineAnnealing

    n_updates = 37
    schedule = CosineAnnealing(n_updates)
    factors = [cosine_factor(i, n_updates) for i in range(n_updates)]
    assert factors == pytest.approx([schedule.get_lr(1.0, i) for i in range(n_updates)], abs=1e-15)
    assert factors[0] == 1.0 and cosine_factor(n_updates, n_updates) == pytest.approx(0.0)
    assert cosine_factor(10, 20) == pytest.approx(0.5)
    assert all(np.diff(factors) < 0)
