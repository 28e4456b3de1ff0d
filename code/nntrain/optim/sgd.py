"""Gradient descent with momentum, in three equivalent-looking forms.

* :class:`SGD` is ``torch.optim.SGD`` step for step (momentum, dampening,
  Nesterov, L2 weight decay).
* :class:`MomentumVelocity` is the velocity form of the lecture notes
  (the CMU notes, the CS231n-style notes, the ASU slides): ``v <- mu v - lr g``, ``w <- w + v``.
* :class:`MomentumAverage` is the moving-average form of the MIT appendix:
  ``M <- gamma M + (1 - gamma) g``, ``w <- w - lr M``.

With a constant learning rate, no dampening and no weight decay,
``SGD(lr, momentum=mu)`` and ``MomentumVelocity(lr, momentum=mu)`` produce the
same iterates (``v_t = -lr * buf_t``), and ``MomentumAverage(lr', gamma=mu)``
equals them when ``lr = lr' (1 - mu)`` (``M_t = (1 - mu) buf_t``). The velocity
form parts ways with the other two as soon as the learning rate changes during
the run: torch (and the MIT appendix's form) multiply the whole buffer by the *new* rate,
the velocity form keeps the old rate inside ``v``.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ..core import Parameter
from .base import Optimizer, blocks, check_beta, check_lr, check_nonneg

__all__ = ["SGD", "MomentumVelocity", "MomentumAverage"]


class SGD(Optimizer):
    r"""Stochastic gradient descent as ``torch.optim.SGD``.

    With gradient g, learning rate eta, momentum mu, dampening tau, weight
    decay lambda, at step t = 1, 2, ...::

        g  <- g + lambda w                      (L2 weight decay, if lambda != 0)
        b  <- g                    if t == 1    (buffer starts as the first gradient)
        b  <- mu b + (1 - tau) g   otherwise    (only if mu != 0)
        d  <- g + mu b  if nesterov else b      (d = g if mu == 0)
        w  <- w - eta d

    ``state["momentum_buffer"]`` holds b (absent when mu == 0, as in torch).

    Other conventions: the notes write momentum as a velocity
    (:class:`MomentumVelocity`) or as a moving average (:class:`MomentumAverage`);
    torch's buffer starts at g, not at 0, so with dampening tau = mu torch is
    *not* the MIT appendix's moving average during the first steps.

    Inputs: params (iterable of Parameter), lr >= 0, momentum >= 0,
    dampening >= 0, weight_decay >= 0, nesterov (needs momentum > 0 and
    dampening == 0, as in torch).
    """

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False):
        check_lr(lr)
        check_nonneg(momentum, "momentum")
        check_nonneg(dampening, "dampening")
        check_nonneg(weight_decay, "weight_decay")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"nesterov momentum requires momentum > 0 and dampening = 0; "
                             f"got momentum={momentum}, dampening={dampening}.")
        super().__init__(params, dict(lr=float(lr), momentum=float(momentum), dampening=float(dampening),
                                      weight_decay=float(weight_decay), nesterov=bool(nesterov)))

    def update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float, momentum: float,
               dampening: float, weight_decay: float, nesterov: bool) -> None:
        if weight_decay != 0:
            g = g + weight_decay * p                  # a new array: g is never modified
        arrays = [p, g]
        first = False
        if momentum != 0:
            if "momentum_buffer" not in state:        # torch: the buffer starts as g
                state["momentum_buffer"] = g.copy()
                first = True
            arrays.append(state["momentum_buffer"])
        # In place, block by block (see blocks): each block of the buffer is
        # updated and used for the step while it is still in cache. tmp is a
        # reused work array, so no step allocates.
        for p_, g_, *buf_ in blocks(*arrays):
            tmp = self.scratch(p_)
            d = g_
            if buf_:
                buf = buf_[0]
                if not first:
                    buf *= momentum
                    buf += g_ if dampening == 0 else np.multiply(g_, 1 - dampening, out=tmp)
                if nesterov:
                    d = np.add(g_, np.multiply(buf, momentum, out=tmp), out=tmp)
                else:
                    d = buf
            p_ -= np.multiply(d, lr, out=tmp)


class MomentumVelocity(Optimizer):
    r"""Momentum in the velocity form of the lecture notes (heavy ball, Polyak 1964).

    With v_0 = 0::

        v <- mu v - eta g
        w <- w + v

    ``state["velocity"]`` holds v. With constant eta this equals
    ``SGD(lr=eta, momentum=mu)`` (v = -eta b); after a change of eta it does
    not (v still carries the old rate). Nesterov's version evaluates g at the
    look-ahead point w + mu v, which needs the gradient at another point than
    the current one; torch's ``nesterov=True`` is the equivalent rewriting that
    only needs the gradient at w (Sutskever et al. 2013).

    Inputs: params, lr >= 0, momentum in [0, 1).
    """

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-3, momentum: float = 0.9):
        check_lr(lr)
        check_beta(momentum, "momentum")
        super().__init__(params, dict(lr=float(lr), momentum=float(momentum)))

    def update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float, momentum: float) -> None:
        if "velocity" not in state:
            state["velocity"] = np.zeros_like(p)
        v = state["velocity"]
        v *= momentum
        v -= np.multiply(g, lr, out=self.scratch(p))
        p += v


class MomentumAverage(Optimizer):
    r"""Momentum as a step on a moving average of the gradients (MIT appendix, B.0.1.2).

    With M_0 = 0::

        M <- gamma M + (1 - gamma) g
        w <- w - eta' M

    ``state["exp_avg"]`` holds M. With constant eta' this equals
    ``SGD(lr=eta' (1 - gamma), momentum=gamma)`` (M = (1 - gamma) b).

    Inputs: params, lr (eta') >= 0, gamma in [0, 1).
    """

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-2, gamma: float = 0.9):
        check_lr(lr)
        check_beta(gamma, "gamma")
        super().__init__(params, dict(lr=float(lr), gamma=float(gamma)))

    def update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float, gamma: float) -> None:
        if "exp_avg" not in state:
            state["exp_avg"] = np.zeros_like(p)
        m = state["exp_avg"]
        tmp = self.scratch(p)
        m *= gamma
        m += np.multiply(g, 1 - gamma, out=tmp)
        p -= np.multiply(m, lr, out=tmp)
