"""Full-batch L-BFGS against full-batch Adam (chapter 8), counted in function evaluations.

``torch.optim.LBFGS`` is not a drop-in optimizer: its ``step(closure)`` calls
``closure()`` (forward, loss, backward) several times per step, during the
line search, and one ``step`` can run ``max_iter`` iterations. A fair
comparison with Adam therefore counts *evaluations of the loss and gradient*,
not steps: both functions below return one loss per evaluation.

Full batch, float64, small problems (logistic regression or a small MLP on the
digits): the regime where a quasi-Newton method shines. With minibatch noise
its curvature pairs and line search break down, which is why deep learning
uses Adam and SGD.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["lbfgs_fit", "adam_fit", "objective", "full_batch_loss"]


def objective(model: nn.Module, X: torch.Tensor, y: torch.Tensor, l2: float = 0.0) -> torch.Tensor:
    """Mean cross-entropy on all of ``(X, y)`` plus ``l2 / 2`` times the squared norm of every parameter.

    With ``l2 > 0`` logistic regression has a unique minimiser; without it the
    digits are separable and the loss only tends to 0 as the weights grow.
    """
    loss = F.cross_entropy(model(X), y)
    if l2:
        loss = loss + 0.5 * l2 * sum(p.pow(2).sum() for p in model.parameters())
    return loss


def full_batch_loss(model: nn.Module, X: torch.Tensor, y: torch.Tensor, l2: float = 0.0) -> float:
    """:func:`objective` as a float (no gradient, not counted as an evaluation)."""
    with torch.no_grad():
        return objective(model, X, y, l2).item()


def lbfgs_fit(model: nn.Module, X: torch.Tensor, y: torch.Tensor, max_iter: int = 50, history_size: int = 10,
              line_search_fn: str | None = "strong_wolfe", max_eval: int | None = None,
              lr: float = 1.0, l2: float = 0.0) -> list[float]:
    """Minimise the mean cross-entropy of ``model`` on ``(X, y)`` with ``torch.optim.LBFGS``; one ``step``.

    Inputs: ``X`` of shape (N, D), ``y`` int64 of shape (N,), on the model's
    device and dtype (float64 recommended); ``max_iter`` L-BFGS iterations and
    ``max_eval`` closure evaluations at most (torch's default 1.25 max_iter);
    ``history_size`` curvature pairs kept; ``line_search_fn`` ``"strong_wolfe"``
    or None (fixed step ``lr``); ``l2`` see :func:`objective`. The tolerances
    are set near zero so that the budget, not a stopping test, ends the run.
    Returns: the loss at every closure evaluation, in order; its length is the
    number of function (and gradient) evaluations, which with a line search
    exceeds the number of iterations. Trial points of the line search are
    included, so the list need not decrease; the model ends at the accepted
    point (:func:`full_batch_loss` gives its loss).
    """
    opt = torch.optim.LBFGS(model.parameters(), lr=lr, max_iter=max_iter, max_eval=max_eval,
                            history_size=history_size, line_search_fn=line_search_fn,
                            tolerance_grad=1e-12, tolerance_change=1e-15)
    losses: list[float] = []

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = objective(model, X, y, l2)
        loss.backward()
        losses.append(loss.item())
        return loss

    model.train()
    opt.step(closure)
    return losses


def adam_fit(model: nn.Module, X: torch.Tensor, y: torch.Tensor, steps: int, lr: float = 1e-2,
             l2: float = 0.0) -> list[float]:
    """``steps`` full-batch Adam steps on :func:`objective`; the loss before each step (one evaluation each)."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses: list[float] = []
    model.train()
    for _ in range(steps):
        opt.zero_grad()
        loss = objective(model, X, y, l2)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses
