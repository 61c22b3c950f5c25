"""The optimisers of cropped training: AdamW with a cosine schedule, in two flavours.

Two flavours of AdamW are offered (``optimizer``):

``"braindecode"``
    braindecode 0.4's AdamW: after the Adam step, ``p -= weight_decay * p``,
    not scaled by the learning rate; the cosine schedule anneals the learning
    rate *and* the weight decay. This is what the paper's code ran.
``"torch"``
    :class:`torch.optim.AdamW`: ``p -= lr * weight_decay * p`` before the Adam
    step; the schedule anneals the learning rate (and so, through ``lr``, the
    decay). With the seed-000 values (lr 0.01, weight decay 5e-4) its decay is
    100 times weaker than braindecode's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import torch


class BraindecodeAdamW(torch.optim.Optimizer):
    """AdamW as in braindecode 0.4: decay ``p -= weight_decay * p`` after Adam.

    Parameters
    ----------
    params : iterable of Tensor
        Parameters to optimise.
    lr : float
        Learning rate.
    betas : tuple of float
        Adam's moment decay rates.
    eps : float
        Added to the denominator.
    weight_decay : float
        Fraction of each weight removed per step (not scaled by ``lr``).
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> None:
        """Take one optimisation step."""
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state[param]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(param)
                    state["exp_avg_sq"] = torch.zeros_like(param)
                state["step"] += 1
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.mul_(beta1).add_(param.grad, alpha=1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(param.grad, param.grad, value=1 - beta2)
                denom = exp_avg_sq.sqrt().add_(group["eps"])
                step_size = (
                    group["lr"]
                    * math.sqrt(1 - beta2 ** state["step"])
                    / (1 - beta1 ** state["step"])
                )
                param.addcdiv_(exp_avg, denom, value=-step_size)
                if group["weight_decay"]:
                    param.add_(param, alpha=-group["weight_decay"])


def cosine_factor(i_update: int, n_updates: int) -> float:
    """Return the cosine-annealing factor ``0.5 cos(pi i / n) + 0.5`` of update ``i``."""
    return 0.5 * math.cos(math.pi * i_update / n_updates) + 0.5


def make_optimizer(
    parameters: Iterable[torch.Tensor], name: str, lr: float, weight_decay: float
) -> torch.optim.Optimizer:
    """Return the AdamW flavour ``name`` (``"braindecode"`` or ``"torch"``) over ``parameters``.

    Parameters
    ----------
    parameters : iterable of Tensor
        Parameters to optimise.
    name : {"braindecode", "torch"}
        :class:`BraindecodeAdamW` or :class:`torch.optim.AdamW`.
    lr, weight_decay : float
        Learning rate and weight decay (see the module's description).

    Returns
    -------
    optimizer : torch.optim.Optimizer
    """
    if name == "braindecode":
        return BraindecodeAdamW(parameters, lr=lr, weight_decay=weight_decay)
    if name == "torch":
        return torch.optim.AdamW(parameters, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"optimizer must be 'braindecode' or 'torch', got {name!r}.")
