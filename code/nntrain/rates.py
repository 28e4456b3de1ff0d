"""Closed-form predictions for gradient descent on a quadratic.

On E(w) = 1/2 w^T A w - b^T w with A = Q diag(lambda) Q^T, the error in the
eigenbasis, z = Q^T (w - w*), obeys z_i <- (1 - eta lambda_i) z_i: each
eigendirection contracts (or grows) by its own factor |1 - eta lambda_i|, and
the slowest one sets the pace, max_i |1 - eta lambda_i|.

In 1-D with curvature lambda, eta_opt = 1 / lambda reaches the minimum in one
step, and the ratio r = eta / eta_opt = eta lambda names the regime:

=============  ===============================  ======================
r              error factor 1 - r               regime
=============  ===============================  ======================
0 < r < 1      in (0, 1)                        "monotone"
r = 1          0                                "one step"
1 < r < 2      in (-1, 0)                       "oscillating, converging"
r = 2          -1                               "bouncing forever"
r > 2          < -1                             "diverging"
=============  ===============================  ======================

The best fixed step for a whole spectrum is eta* = 2 / (lambda_min + lambda_max),
with rate (kappa - 1) / (kappa + 1); any eta >= 2 / lambda_max does not converge.
"""
from __future__ import annotations

import numpy as np

__all__ = ["REGIMES", "factors", "contraction", "regime", "eta_opt", "stability_bound",
           "eta_star", "rate_star", "steps_to_reduce"]

REGIMES = ("monotone", "one step", "oscillating, converging", "bouncing forever", "diverging")

#: Relative tolerance for "exactly" at the regime boundaries r = 1 and r = 2.
BOUNDARY_RTOL = 1e-12


def _eigenvalues(lam, positive: bool = True) -> np.ndarray:
    lam = np.atleast_1d(np.asarray(lam, dtype=np.float64))
    if lam.ndim != 1 or lam.size == 0 or not np.all(np.isfinite(lam)):
        raise ValueError(f"eigenvalues must be a non-empty finite vector; got {lam!r}.")
    if positive and np.any(lam <= 0):
        raise ValueError(f"eigenvalues must be positive (an SPD Hessian); got min {lam.min():.4g}.")
    return lam


def _step(eta) -> float:
    if not (np.isfinite(eta) and eta > 0):
        raise ValueError(f"eta must be a positive finite step size; got {eta!r}.")
    return float(eta)


def factors(eta: float, eigenvalues) -> np.ndarray:
    """Per-eigendirection factors |1 - eta lambda_i|, shape (D,) for eigenvalues of shape (D,)."""
    return np.abs(1.0 - _step(eta) * _eigenvalues(eigenvalues, positive=False))


def contraction(eta: float, eigenvalues) -> float:
    """The worst factor max_i |1 - eta lambda_i| (the spectral norm of I - eta A)."""
    return float(factors(eta, eigenvalues).max())


def eta_opt(curvature: float) -> float:
    """eta_opt = 1 / E'' for a 1-D quadratic of curvature E'' > 0 (Newton's step)."""
    return 1.0 / float(_eigenvalues(curvature)[0])


def regime(ratio: float) -> str:
    """The regime of a 1-D quadratic for a step eta = ratio * eta_opt, one of :data:`REGIMES`.

    The boundaries r = 1 and r = 2 are matched with relative tolerance
    :data:`BOUNDARY_RTOL` so that a slider value 2.0 reads "bouncing forever".
    Raises ValueError for ratio <= 0 (no descent) or non-finite.
    """
    if not (np.isfinite(ratio) and ratio > 0):
        raise ValueError(f"the step must be a positive multiple of eta_opt; got ratio {ratio!r}.")
    if abs(ratio - 1.0) <= BOUNDARY_RTOL:
        return "one step"
    if abs(ratio - 2.0) <= 2 * BOUNDARY_RTOL:
        return "bouncing forever"
    if ratio < 1.0:
        return "monotone"
    if ratio < 2.0:
        return "oscillating, converging"
    return "diverging"


def stability_bound(eigenvalues) -> float:
    """The largest step that does not diverge, 2 / lambda_max; converges only for eta strictly below."""
    return 2.0 / float(_eigenvalues(eigenvalues).max())


def eta_star(eigenvalues) -> float:
    """The best fixed step 2 / (lambda_min + lambda_max): equalises the two extreme factors."""
    lam = _eigenvalues(eigenvalues)
    return 2.0 / float(lam.min() + lam.max())


def rate_star(kappa: float) -> float:
    """The contraction at eta*: (kappa - 1) / (kappa + 1), for kappa = lambda_max / lambda_min >= 1."""
    if not (np.isfinite(kappa) and kappa >= 1):
        raise ValueError(f"the condition number must be a finite number >= 1; got {kappa!r}.")
    return (kappa - 1.0) / (kappa + 1.0)


def steps_to_reduce(rate: float, factor: float = 1e-6) -> float:
    """Steps t with rate^t = factor: log(factor) / log(rate) (inf if rate >= 1, 0 if rate == 0)."""
    if not (0 <= rate and 0 < factor < 1):
        raise ValueError(f"need rate >= 0 and 0 < factor < 1; got rate={rate!r}, factor={factor!r}.")
    if rate >= 1:
        return float("inf")
    if rate == 0:
        return 0.0
    return float(np.log(factor) / np.log(rate))
