"""Gradient descent with the three stopping rules of chapter 1.

``w_{k+1} = w_k - eta * grad f(w_k)``, stopped by one of

* ``"step"``:     ||w_{k+1} - w_k|| < tol       (the step became tiny)
* ``"gradient"``: ||grad f(w_k)|| < tol         (the slope became tiny)
* ``"loss"``:     |f(w_{k+1}) - f(w_k)| < tol   (the loss stopped improving; the rule in the CMU notes, §2.1)

Chapter 3 studies gradient descent itself; this module only answers "when do
we stop?".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["RULES", "StopResult", "descend"]

RULES = ("step", "gradient", "loss")
DIVERGED = 1e100  # a loss this large means the run is diverging


@dataclass
class StopResult:
    """Iterates ``w`` of shape (K+1, D), losses (K+1,), and why the run stopped."""

    w: np.ndarray
    loss: np.ndarray
    rule: str
    stopped: bool  # False when max_iter ran out first

    @property
    def diverged(self) -> bool:
        return not self.stopped and not abs(self.loss[-1]) <= DIVERGED

    @property
    def iterations(self) -> int:
        return len(self.w) - 1


def descend(f: Callable, grad: Callable, w0, eta: float, rule: str, tol: float, max_iter: int = 10_000) -> StopResult:
    """Run gradient descent from ``w0`` (shape (D,)) until ``rule`` fires or ``max_iter`` steps.

    ``f`` maps (D,) to a float, ``grad`` maps (D,) to (D,). ``eta`` > 0, ``tol`` > 0.
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}; got {rule!r}.")
    if not (np.isfinite(eta) and eta > 0):
        raise ValueError(f"the step size eta must be positive; got {eta}.")
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be positive; got {tol}.")
    w = np.array(w0, dtype=np.float64)
    if w.ndim != 1:
        raise ValueError(f"w0 must be a vector of shape (D,); got shape {w.shape}.")
    ws, losses = [w.copy()], [float(f(w))]
    for _ in range(max_iter):
        g = np.asarray(grad(w), dtype=np.float64)
        if g.shape != w.shape:
            raise ValueError(f"grad must return shape {w.shape}; got {g.shape}.")
        if rule == "gradient" and np.linalg.norm(g) < tol:
            return StopResult(np.array(ws), np.array(losses), rule, True)
        w_new = w - eta * g
        loss_new = float(f(w_new))
        ws.append(w_new.copy())
        losses.append(loss_new)
        if not np.isfinite(loss_new) or abs(loss_new) > DIVERGED:
            break  # diverging: stop before the arithmetic overflows
        if rule == "step" and np.linalg.norm(w_new - w) < tol:
            return StopResult(np.array(ws), np.array(losses), rule, True)
        if rule == "loss" and abs(loss_new - losses[-2]) < tol:
            return StopResult(np.array(ws), np.array(losses), rule, True)
        w = w_new
    return StopResult(np.array(ws), np.array(losses), rule, False)
