"""Sign-based and secant methods: Rprop (two variants) and QuickProp.

* :class:`Rprop` is ``torch.optim.Rprop`` step for step.
* :class:`RpropBacktrack` is the variant described in the CMU 11-685 notes
  (and Riedmiller and Braun's original, 1993): after a sign change it *reverts*
  the previous step instead of merely skipping the next one.
* :class:`QuickProp` is Fahlman's (1988) per-weight secant method, which torch
  does not have; the update transcribes Fahlman's published rule.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ..core import Parameter
from .base import Optimizer, check_lr, check_nonneg

__all__ = ["Rprop", "RpropBacktrack", "QuickProp"]


def _check_rprop(lr: float, etas: tuple[float, float], step_sizes: tuple[float, float]) -> None:
    check_lr(lr)
    eta_minus, eta_plus = etas
    if not (0.0 < eta_minus < 1.0 < eta_plus):
        raise ValueError(f"etas must satisfy 0 < eta_minus < 1 < eta_plus; got {etas!r}.")
    lo, hi = step_sizes
    if not (0.0 <= lo <= hi):
        raise ValueError(f"step_sizes must satisfy 0 <= min <= max; got {step_sizes!r}.")


class _RpropFamily(Optimizer):
    """What the sign-based methods share: the constructor (``lr`` is the initial step size, ``etas``, ``step_sizes``) and the initial state."""

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50.0)):
        _check_rprop(lr, etas, step_sizes)
        super().__init__(params, dict(lr=float(lr), etas=tuple(map(float, etas)),
                                      step_sizes=tuple(map(float, step_sizes))))

    @staticmethod
    def _init_state(state: dict[str, Any], p: np.ndarray, lr: float) -> None:
        """Step count 0, previous gradient 0, every step size Delta = lr."""
        state["step"] = 0
        state["prev"] = np.zeros_like(p)
        state["step_size"] = np.full_like(p, lr)


class Rprop(_RpropFamily):
    r"""Resilient backpropagation as ``torch.optim.Rprop`` (no weight backtracking).

    Each weight has its own step size Delta (``state["step_size"]``, starting
    at lr) and remembers its previous gradient (``state["prev"]``, starting at
    0)::

        s      <- sign(g * prev)
        Delta  <- clip(Delta * (eta+ if s > 0, eta- if s < 0, 1 if s == 0), Delta_min, Delta_max)
        g      <- 0 where s < 0          (after a sign change: no step this time)
        w      <- w - sign(g) * Delta
        prev   <- g

    Only the *sign* of the gradient moves the weight; its size is ignored.
    The learning rate is read once, to initialise Delta, so changing ``lr``
    mid-run does nothing (as in torch).

    Inputs: params, lr >= 0, etas = (eta-, eta+) with 0 < eta- < 1 < eta+,
    step_sizes = (Delta_min, Delta_max).
    """

    def update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float,
               etas: tuple[float, float], step_sizes: tuple[float, float]) -> None:
        if not state:
            self._init_state(state, p, lr)
        state["step"] += 1
        s = np.sign(g * state["prev"])
        factor = np.where(s > 0, etas[1], np.where(s < 0, etas[0], 1.0))
        state["step_size"] = np.clip(state["step_size"] * factor, *step_sizes)
        g = np.where(s < 0, 0.0, g)
        p -= np.sign(g) * state["step_size"]
        state["prev"] = g


class RpropBacktrack(_RpropFamily):
    r"""Rprop with weight backtracking (the CMU notes; Riedmiller and Braun 1993).

    State: step sizes Delta (start at lr), previous gradient ``prev`` (start
    0), previous change of the weight ``prev_delta`` (start 0)::

        s = sign(g * prev)
        s > 0:   Delta <- min(eta+ Delta, Delta_max);  dw = -sign(g) Delta;  prev <- g
        s < 0:   Delta <- max(eta- Delta, Delta_min);  dw = -prev_delta;     prev <- 0
        s == 0:                                        dw = -sign(g) Delta;  prev <- g
        w <- w + dw;   prev_delta <- dw

    The difference from torch's :class:`Rprop` is the second line: after
    overshooting a minimum (a sign change) the last step is undone.

    Inputs: as :class:`Rprop`.
    """

    def update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float,
               etas: tuple[float, float], step_sizes: tuple[float, float]) -> None:
        if not state:
            self._init_state(state, p, lr)
            state["prev_delta"] = np.zeros_like(p)
        state["step"] += 1
        s = np.sign(g * state["prev"])
        delta = state["step_size"]
        delta = np.where(s > 0, np.minimum(delta * etas[1], step_sizes[1]), delta)
        delta = np.where(s < 0, np.maximum(delta * etas[0], step_sizes[0]), delta)
        dw = np.where(s < 0, -state["prev_delta"], -np.sign(g) * delta)
        p += dw
        state["step_size"] = delta
        state["prev"] = np.where(s < 0, 0.0, g)
        state["prev_delta"] = dw


class QuickProp(Optimizer):
    r"""QuickProp (Fahlman 1988): a per-weight secant (quasi-Newton) step.

    Each weight fits a parabola through its last two gradients and jumps to
    its minimum. With previous step d (``state["prev_delta"]``), previous
    gradient p (``state["prev"]``), learning rate eps, maximum growth mu and
    shrink = mu / (1 + mu), Fahlman's rule reads::

        d == 0:  dw = -eps g                                   (gradient-descent fallback)
        d >  0:  dw = (-eps g if g < 0 else 0)
                      + (mu d if g <= shrink p else d g / (p - g))
        d <  0:  dw = (-eps g if g > 0 else 0)
                      + (mu d if g >= shrink p else d g / (p - g))
        w <- w + dw

    The secant part d g / (p - g) is the step to the minimum of the parabola
    through (w - d, p) and (w, g); it is capped at mu times the previous step
    (this also catches a parabola that opens downwards); where p == g (no
    curvature seen) the secant part is 0. The gradient term is
    added only while the slope still points the way the last step went.
    On a 1-D quadratic whose first step overshoots the minimum the second
    step lands on it exactly.

    Inputs: params, lr (eps) >= 0, mu > 0 (Fahlman's default 1.75).
    """

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-2, mu: float = 1.75):
        check_lr(lr)
        if not (np.isscalar(mu) and mu > 0):
            raise ValueError(f"mu (maximum growth factor) must be > 0; got {mu!r}.")
        super().__init__(params, dict(lr=float(lr), mu=float(mu)))

    def update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float, mu: float) -> None:
        if not state:
            state["step"] = 0
            state["prev"] = np.zeros_like(p)
            state["prev_delta"] = np.zeros_like(p)
        state["step"] += 1
        d, prev = state["prev_delta"], state["prev"]
        shrink = mu / (1.0 + mu)
        denom = prev - g
        with np.errstate(divide="ignore", invalid="ignore"):
            secant = np.where(denom != 0, d * g / np.where(denom != 0, denom, 1.0), 0.0)
        pos, neg = d > 0, d < 0
        grad_term = np.where((pos & (g < 0)) | (neg & (g > 0)) | (d == 0), -lr * g, 0.0)
        capped = (pos & (g <= shrink * prev)) | (neg & (g >= shrink * prev))
        quad = np.where(d == 0, 0.0, np.where(capped, mu * d, secant))
        dw = grad_term + quad
        p += dw
        state["prev"] = g.copy()
        state["prev_delta"] = dw
