"""Per-parameter adaptive step sizes: Adagrad, RMSprop, Adadelta, Adam, AdamW.

Each class follows the corresponding ``torch.optim`` class step for step (same
state keys, same place for epsilon, same order of operations up to rounding).
Where the lecture notes or the original papers use another convention, the
docstring says so; :mod:`nntrain.optim.errata` holds the notes' versions.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ..core import Parameter
from .base import Optimizer, check_beta, check_lr, check_nonneg

__all__ = ["Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW"]


class Adagrad(Optimizer):
    r"""AdaGrad (Duchi et al. 2011) as ``torch.optim.Adagrad``.

    With s_0 = initial_accumulator_value (``state["sum"]``), at step t::

        g   <- g + lambda w                          (if weight_decay lambda != 0)
        lr_t = lr / (1 + (t - 1) lr_decay)
        s   <- s + g^2
        w   <- w - lr_t g / (sqrt(s) + eps)

    epsilon is *outside* the root (torch, the CS231n-style notes, the ASU
    slides and Duchi et al. agree).
    Because s only grows, the steps shrink like 1/sqrt(t) when gradients keep
    their size: on long runs AdaGrad stalls.

    Inputs: params, lr >= 0, lr_decay >= 0, weight_decay >= 0,
    initial_accumulator_value >= 0, eps >= 0.
    """

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0, eps: float = 1e-10):
        check_lr(lr)
        for name, val in [("lr_decay", lr_decay), ("weight_decay", weight_decay),
                          ("initial_accumulator_value", initial_accumulator_value), ("eps", eps)]:
            check_nonneg(val, name)
        super().__init__(params, dict(lr=float(lr), lr_decay=float(lr_decay), weight_decay=float(weight_decay),
                                      initial_accumulator_value=float(initial_accumulator_value), eps=float(eps)))

    def update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float, lr_decay: float,
               weight_decay: float, initial_accumulator_value: float, eps: float) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p, initial_accumulator_value)
        state["step"] += 1
        if weight_decay != 0:
            g = g + weight_decay * p
        clr = lr / (1 + (state["step"] - 1) * lr_decay)
        state["sum"] += g * g
        p -= clr * g / (np.sqrt(state["sum"]) + eps)


class RMSprop(Optimizer):
    r"""RMSProp (Tieleman and Hinton 2012) as ``torch.optim.RMSprop``.

    With v_0 = 0 (``square_avg``), gbar_0 = 0 (``grad_avg``, if centered),
    b_0 = 0 (``momentum_buffer``, if momentum mu > 0)::

        g    <- g + lambda w                      (if weight_decay lambda != 0)
        v    <- alpha v + (1 - alpha) g^2
        gbar <- alpha gbar + (1 - alpha) g         (centered only)
        r    = sqrt(v - gbar^2) + eps if centered else sqrt(v) + eps
        b    <- mu b + g / r;   w <- w - lr b      (if mu > 0)
        w    <- w - lr g / r                       (if mu == 0)

    epsilon is *outside* the root, as in torch and in the MIT appendix's rule
    (which the appendix calls "adadelta"); the CMU notes, the Aalto slides and
    the ASU slides put it inside, sqrt(v + eps). The decay rate is torch's
    ``alpha`` (gamma in the CMU notes, the CS231n-style notes and the MIT
    appendix, beta in the Aalto slides, rho in the ASU slides).

    Inputs: params, lr >= 0, alpha in [0, 1), eps >= 0, weight_decay >= 0,
    momentum >= 0, centered.
    """

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False):
        check_lr(lr)
        check_beta(alpha, "alpha")
        check_nonneg(eps, "eps")
        check_nonneg(weight_decay, "weight_decay")
        check_nonneg(momentum, "momentum")
        super().__init__(params, dict(lr=float(lr), alpha=float(alpha), eps=float(eps),
                                      weight_decay=float(weight_decay), momentum=float(momentum),
                                      centered=bool(centered)))

    def update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float, alpha: float, eps: float,
               weight_decay: float, momentum: float, centered: bool) -> None:
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(p)
            if centered:
                state["grad_avg"] = np.zeros_like(p)
        state["step"] += 1
        if weight_decay != 0:
            g = g + weight_decay * p
        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * g * g
        if centered:
            gbar = state["grad_avg"]
            gbar *= alpha
            gbar += (1 - alpha) * g
            r = np.sqrt(v - gbar * gbar) + eps
        else:
            r = np.sqrt(v) + eps
        if momentum > 0:
            b = state["momentum_buffer"]
            b *= momentum
            b += g / r
            p -= lr * b
        else:
            p -= lr * g / r


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler 2012) as ``torch.optim.Adadelta``.

    Two leaky averages: of squared gradients v (``square_avg``) and of squared
    updates u (``acc_delta``), both starting at 0::

        g     <- g + lambda w                         (if weight_decay lambda != 0)
        v     <- rho v + (1 - rho) g^2
        delta  = sqrt(u + eps) / sqrt(v + eps) * g
        u     <- rho u + (1 - rho) delta^2
        w     <- w - lr delta

    Zeiler's algorithm has no learning rate (lr = 1, torch's default); the
    ratio of the two RMS values gives the step its units. epsilon is *inside*
    both roots (Zeiler, torch). What the MIT appendix calls "adadelta" has no u at all: it
    is :class:`RMSprop`.

    Inputs: params, lr >= 0, rho in [0, 1), eps >= 0, weight_decay >= 0.
    """

    def __init__(self, params: Iterable[Parameter], lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0):
        check_lr(lr)
        check_beta(rho, "rho")
        check_nonneg(eps, "eps")
        check_nonneg(weight_decay, "weight_decay")
        super().__init__(params, dict(lr=float(lr), rho=float(rho), eps=float(eps), weight_decay=float(weight_decay)))

    def update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float, rho: float, eps: float,
               weight_decay: float) -> None:
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p)
            state["acc_delta"] = np.zeros_like(p)
        state["step"] += 1
        if weight_decay != 0:
            g = g + weight_decay * p
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * g * g
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u *= rho
        u += (1 - rho) * delta * delta
        p -= lr * delta


class Adam(Optimizer):
    r"""Adam (Kingma and Ba 2015) as ``torch.optim.Adam``, plus two switches for the ablations.

    With m_0 = v_0 = 0 (``exp_avg``, ``exp_avg_sq``), at step t = 1, 2, ...::

        g    <- g + lambda w                     (if weight_decay lambda != 0: L2, not AdamW)
        m    <- beta1 m + (1 - beta1) g
        v    <- beta2 v + (1 - beta2) g^2
        vmax <- max(vmax, v)                     (amsgrad only; ``max_exp_avg_sq``)
        mhat = m / (1 - beta1^t);  vhat = v / (1 - beta2^t)   (vmax in place of v if amsgrad)
        w    <- w - lr mhat / (sqrt(vhat) + eps)

    The raw averages m and v are what the recursion carries; the corrected
    copies are only used for the step (the CS231n-style notes feed the
    corrected values back,
    see :class:`nntrain.optim.errata.AdamCS231n`). epsilon is *outside* the root
    (Kingma and Ba, torch, the CMU notes, the Aalto slides); the MIT appendix
    and the ASU slides put it inside,
    sqrt(vhat + eps): set ``eps_inside_sqrt=True`` for that variant.
    ``bias_correction=False`` drops both corrections (mhat = m, vhat = v);
    neither switch exists in torch.

    Inputs: params, lr >= 0, betas = (beta1, beta2) each in [0, 1), eps >= 0,
    weight_decay >= 0, amsgrad, bias_correction, eps_inside_sqrt.
    """

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False,
                 bias_correction: bool = True, eps_inside_sqrt: bool = False):
        check_lr(lr)
        if len(tuple(betas)) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2); got {betas!r}.")
        check_beta(betas[0], "betas[0]")
        check_beta(betas[1], "betas[1]")
        check_nonneg(eps, "eps")
        check_nonneg(weight_decay, "weight_decay")
        super().__init__(params, dict(lr=float(lr), betas=(float(betas[0]), float(betas[1])), eps=float(eps),
                                      weight_decay=float(weight_decay), amsgrad=bool(amsgrad),
                                      bias_correction=bool(bias_correction), eps_inside_sqrt=bool(eps_inside_sqrt)))

    def update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float, betas: tuple[float, float],
               eps: float, weight_decay: float, amsgrad: bool, bias_correction: bool = True,
               eps_inside_sqrt: bool = False, decoupled: bool = False) -> None:
        beta1, beta2 = betas
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p)
            state["exp_avg_sq"] = np.zeros_like(p)
            if amsgrad:
                state["max_exp_avg_sq"] = np.zeros_like(p)
        state["step"] += 1
        t = state["step"]
        if weight_decay != 0:
            if decoupled:
                p *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * p
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * g * g
        if amsgrad:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        bc1 = 1 - beta1**t if bias_correction else 1.0
        bc2 = 1 - beta2**t if bias_correction else 1.0
        if eps_inside_sqrt:
            denom = np.sqrt(v / bc2 + eps)
        else:
            denom = np.sqrt(v) / np.sqrt(bc2) + eps
        p -= (lr / bc1) * m / denom


class AdamW(Adam):
    r"""AdamW (Loshchilov and Hutter 2019) as ``torch.optim.AdamW``: Adam with decoupled weight decay.

    Before the Adam step (same m, v, bias corrections, eps outside the root)::

        w <- w (1 - lr lambda)

    instead of adding lambda w to the gradient, so the decay is not divided by
    sqrt(vhat). Default lambda = 0.01, as in torch.

    Inputs: as :class:`Adam` (without the ablation switches).
    """

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
        self.param_groups[0]["decoupled"] = True
        self.defaults["decoupled"] = True
