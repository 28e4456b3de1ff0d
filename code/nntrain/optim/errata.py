"""The lecture notes' versions of two algorithms, kept to show where they go wrong.

These are *not* for use; chapter 4 runs them next to the correct
optimizers to show the difference numerically.

* :class:`AdamCS231n`: Adam as written in the CS231n-style notes, with the
  bias-corrected averages fed back into the recursion and epsilon (1e-7)
  inside the root.
* :class:`AdadeltaMIT`: the rule the MIT 6.036-style appendix calls
  "adadelta", which is RMSProp (epsilon outside the root) and not Zeiler's
  Adadelta.
* :func:`rprop_aalto_direction`: the Aalto slides' Rprop formula
  g / sqrt(g^2 + eps), which is sign(g) up to eps.

The digits in these names are old file labels of the course materials, kept
so that existing code still imports; the docstrings name each source.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ..core import Parameter
from .base import Optimizer, check_beta, check_lr, check_nonneg

__all__ = ["AdamCS231n", "AdadeltaMIT", "rprop_aalto_direction"]


class AdamCS231n(Optimizer):
    r"""Adam as the CS231n-style notes write it (an erratum: the corrected averages re-enter the recursion).

    With v_0 = c_0 = 0 (``exp_avg``, ``exp_avg_sq`` hold the *corrected* values)::

        v <- (mu v + (1 - mu) g) / (1 - mu^t)
        c <- (gamma c + (1 - gamma) g^2) / (1 - gamma^t)
        w <- w - lr v / sqrt(c + eps)

    At t = 1 this equals Adam; from t = 2 on, v is divided again and again, so
    it is no longer an average of the gradients (for constant g it exceeds g).

    Inputs: params, lr >= 0, betas = (mu, gamma) in [0, 1), eps >= 0 (the notes' 1e-7).
    """

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-7):
        check_lr(lr)
        check_beta(betas[0], "betas[0]")
        check_beta(betas[1], "betas[1]")
        check_nonneg(eps, "eps")
        super().__init__(params, dict(lr=float(lr), betas=(float(betas[0]), float(betas[1])), eps=float(eps)))

    def update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float,
               betas: tuple[float, float], eps: float) -> None:
        mu, gamma = betas
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p)
            state["exp_avg_sq"] = np.zeros_like(p)
        state["step"] += 1
        t = state["step"]
        state["exp_avg"] = (mu * state["exp_avg"] + (1 - mu) * g) / (1 - mu**t)
        state["exp_avg_sq"] = (gamma * state["exp_avg_sq"] + (1 - gamma) * g * g) / (1 - gamma**t)
        p -= lr * state["exp_avg"] / np.sqrt(state["exp_avg_sq"] + eps)


class AdadeltaMIT(Optimizer):
    r"""The rule the MIT appendix (B.0.1.3) calls "adadelta": one leaky average, epsilon outside the root.

    With G_0 = 0 (``square_avg``)::

        G <- gamma G + (1 - gamma) g^2
        w <- w - lr g / (sqrt(G) + eps)

    This is ``RMSprop(lr, alpha=gamma, eps=eps)`` exactly. Zeiler's Adadelta
    (:class:`nntrain.optim.Adadelta`) also averages the squared updates and
    needs no learning rate.

    Inputs: params, lr >= 0, gamma in [0, 1), eps >= 0.
    """

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-2, gamma: float = 0.9, eps: float = 1e-8):
        check_lr(lr)
        check_beta(gamma, "gamma")
        check_nonneg(eps, "eps")
        super().__init__(params, dict(lr=float(lr), gamma=float(gamma), eps=float(eps)))

    def update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float, gamma: float,
               eps: float) -> None:
        G = state.setdefault("square_avg", np.zeros_like(p))
        G *= gamma
        G += (1 - gamma) * g * g
        p -= lr * g / (np.sqrt(G) + eps)


def rprop_aalto_direction(g: np.ndarray, eps: float = 1e-8) -> np.ndarray:
    """The Aalto slides' Rprop direction g / sqrt(g^2 + eps): sign(g) up to eps (same shape as ``g``)."""
    g = np.asarray(g, dtype=np.float64)
    check_nonneg(eps, "eps")
    return g / np.sqrt(g * g + eps)
