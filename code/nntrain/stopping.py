"""Gradient descent with the three stopping rules of chapter 1.

``w_{k+1} = w_k - eta * grad f(w_k)``, stopped by one of

* ``"step"``:     ||w_{k+1} - w_k|| < tol       (the step became tiny)
* ``"gradient"``: ||grad f(w_k)|| < tol         (the slope became tiny)
* ``"loss"``:     |f(w_{k+1}) - f(w_k)| < tol   (the loss stopped improving; the rule in the CMU notes, §2.1)

Chapter 3 studies gradient descent itself; this module only answers "when do
we stop?". Two functions predict where a rule stops without running it:
:func:`quadratic_stop` exactly, for a quadratic, and :func:`flat_valley_stop`
asymptotically, along a valley as flat as ``|w - w*|**p``.

With a fixed ``eta`` the three rules are all gradient rules in disguise: the
step is ``eta`` times the gradient, and (for small steps) one step lowers the
loss by about ``eta ||grad||**2``. So the step rule is the gradient rule with
threshold ``tol / eta`` (checked one iterate later), and the loss rule is about
the gradient rule with threshold ``sqrt(tol / eta)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["RULES", "StopResult", "descend", "quadratic_stop", "flat_valley_stop"]

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


def _check_rule(rule: str, eta: float, tol: float) -> None:
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}; got {rule!r}.")
    if not (np.isfinite(eta) and eta > 0):
        raise ValueError(f"the step size eta must be positive; got {eta}.")
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be positive; got {tol}.")


def descend(f: Callable, grad: Callable, w0, eta: float, rule: str, tol: float, max_iter: int = 10_000) -> StopResult:
    """Run gradient descent from ``w0`` (shape (D,)) until ``rule`` fires or ``max_iter`` steps.

    ``f`` maps (D,) to a float, ``grad`` maps (D,) to (D,). ``eta`` > 0, ``tol`` > 0.
    """
    _check_rule(rule, eta, tol)
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


def quadratic_stop(A, b, w0, eta: float, rule: str, tol: float, max_iter: int = 10_000) -> int | None:
    """The iteration at which :func:`descend` stops on ``f(w) = 1/2 w^T A w - b^T w``, in closed form.

    Inputs: ``A`` symmetric positive definite (D, D), ``b`` and ``w0`` of shape (D,).
    Returns: the number of steps ``descend(..., rule, tol)`` takes, or None if
    the rule does not fire within ``max_iter`` steps.

    With ``A = Q diag(lam) Q^T``, ``z = Q^T (w0 - w*)`` (chapters 1 and 3 call it z) and ``rho = 1 - eta lam``,
    the error after ``k`` steps is ``Q (z rho**k)``, so

    * ``||grad f(w_k)||**2 = sum_i (lam_i z_i rho_i**k)**2``; the gradient rule
      stops at the first ``k`` where it is below ``tol**2``;
    * ``||w_{k+1} - w_k|| = eta ||grad f(w_k)||``; the step rule stops after the
      step that makes it below ``tol``, i.e. at ``k + 1``;
    * ``f(w_k) - f(w_{k+1}) = 1/2 sum_i lam_i z_i**2 rho_i**(2k) (1 - rho_i**2)``;
      the loss rule stops at ``k + 1`` likewise.
    """
    _check_rule(rule, eta, tol)
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or not np.allclose(A, A.T):
        raise ValueError(f"A must be a symmetric matrix of shape (D, D); got shape {A.shape}.")
    lam, Q = np.linalg.eigh(A)
    if lam[0] <= 0:
        raise ValueError(f"A must be positive definite; its smallest eigenvalue is {lam[0]:.3g}.")
    w0 = np.asarray(w0, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if w0.shape != (A.shape[0],) or b.shape != w0.shape:
        raise ValueError(f"b and w0 must have shape ({A.shape[0]},); got {b.shape} and {w0.shape}.")
    z = Q.T @ (w0 - np.linalg.solve(A, b))
    rho = 1 - eta * lam
    k = np.arange(max_iter + 1)[:, None]
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run: inf never fires
        modes = z * rho**k  # (max_iter + 1, D): the error in the eigenbasis
        if rule == "loss":
            quantity = 0.5 * np.sum(lam * modes**2 * (1 - rho**2), axis=1)
        else:
            quantity = np.sqrt(np.sum((lam * modes) ** 2, axis=1)) * (eta if rule == "step" else 1.0)
    shift = 0 if rule == "gradient" else 1
    below = np.flatnonzero(np.abs(quantity[: max_iter + 1 - shift]) < tol)
    return int(below[0]) + shift if below.size else None


def flat_valley_stop(rule: str, eta: float, tol: float, power: int = 4, u1: float | None = None) -> tuple[float, float | None]:
    """Where a rule stops on the flat valley ``f(u) = u**power`` (``power`` >= 3), for small ``tol``.

    Returns ``(distance, iterations)``: the distance ``|u|`` to the minimiser at
    which the rule fires, and, when the first iterate ``u1`` is given, an
    estimate of the number of steps (None otherwise).

    The gradient is ``p u**(p-1)`` (``p = power``), so the gradient rule fires
    at ``u = (tol / p)**(1/(p-1))``, the step rule at ``(tol / (eta p))**(1/(p-1))``
    and the loss rule, since one step lowers the loss by about
    ``eta p**2 u**(2p-2)``, at ``(tol / (eta p**2))**(1/(2p-2))``.
    Each step multiplies ``u`` by ``1 - eta p u**(p-2)``; for small steps
    ``u**(2-p)`` then grows by ``(p-2) p eta`` per step, so the run reaches
    ``u`` after about ``1 + (u**(2-p) - u1**(2-p)) / ((p-2) p eta)`` steps
    (plus one for the step and loss rules, which look one step ahead).
    """
    _check_rule(rule, eta, tol)
    if int(power) != power or power < 3:
        raise ValueError(f"power must be an integer >= 3 (a valley flatter than a quadratic); got {power}.")
    p = int(power)
    if rule == "gradient":
        u = (tol / p) ** (1 / (p - 1))
    elif rule == "step":
        u = (tol / (eta * p)) ** (1 / (p - 1))
    else:
        u = (tol / (eta * p**2)) ** (1 / (2 * p - 2))
    if u1 is None:
        return u, None
    if not (np.isfinite(u1) and u1 != 0):
        raise ValueError(f"u1, the first iterate's distance, must be non-zero; got {u1}.")
    k = 1 + (u ** (2 - p) - abs(u1) ** (2 - p)) / ((p - 2) * p * eta)
    return u, k + (0 if rule == "gradient" else 1)
