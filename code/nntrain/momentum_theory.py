r"""Momentum and Nesterov on a quadratic: a 2 x 2 linear iteration per eigendirection.

Chapter 3 reduced gradient descent on E(w) = 1/2 w^T A w to one number per
eigendirection, the factor 1 - eta lambda (:mod:`nntrain.rates`). With momentum
the error in an eigendirection depends on the last *two* iterates, so the
factor becomes a 2 x 2 matrix; its eigenvalues z1, z2 play the role of
1 - eta lambda, and the rate is the spectral radius max(|z1|, |z2|).

**Heavy ball.** Torch's form (``SGD(lr=eta, momentum=beta)``, buffer b_0 = g_0)
is b_t = beta b_{t-1} + g_t, w_{t+1} = w_t - eta b_t; the notes' velocity form
(``MomentumVelocity``, v_0 = 0) is v_{t+1} = beta v_t - eta g_t,
w_{t+1} = w_t + v_{t+1}. Both say w_{t+1} - w_t = beta (w_t - w_{t-1}) - eta g_t
(v_{t+1} = -eta b_t), started from w_{-1} = w_0. With g = lambda w in 1-D::

    w_{t+1} = (1 + beta - eta lambda) w_t - beta w_{t-1},
    [w_{t+1}, w_t]^T = [[1 + beta - eta lambda, -beta], [1, 0]] [w_t, w_{t-1}]^T.

The eigenvalues solve z^2 - T z + D = 0 with trace T = 1 + beta - eta lambda and
determinant D = beta. A monic quadratic has both roots in |z| < 1 iff (Jury/Schur)
P(1) = 1 - T + D > 0, P(-1) = 1 + T + D > 0 and |D| < 1; here P(1) = eta lambda
and P(-1) = 2 + 2 beta - eta lambda, so the stability region is
0 < eta lambda < 2 + 2 beta (beta < 1). The discriminant T^2 - 4 D names the regime:

* < 0, "underdamped": complex roots with |z|^2 = D, so the rate is sqrt(beta)
  whatever eta lambda, for (1 - sqrt(beta))^2 < eta lambda < (1 + sqrt(beta))^2;
* = 0, "critically damped": a double root (the error decays like t |z|^t);
* > 0, "overdamped": real roots, rate (|T| + sqrt(T^2 - 4 beta)) / 2 > sqrt(beta).
  Beyond (1 + sqrt(beta))^2 both roots are negative: the error alternates in
  sign, as gradient descent's does for eta lambda > 1;
* "unstable" unless 0 < eta lambda < 2 + 2 beta, whatever the discriminant (on
  the bound a root is -1; eta lambda <= 0 is a flat or concave direction).

**Best (eta, beta).** The roots multiply to beta, so no direction beats
sqrt(beta), and all of them reach it when every eta lambda_i lies in the
underdamped band. The smallest beta whose band spans [eta lambda_min, eta lambda_max]
puts its ends there (both extreme directions critically damped):
eta lambda_min = (1 - sqrt(beta))^2, eta lambda_max = (1 + sqrt(beta))^2. Dividing, sqrt(kappa) = (1 + sqrt(beta)) / (1 - sqrt(beta)),
so sqrt(beta*) = (sqrt(kappa) - 1) / (sqrt(kappa) + 1) and adding the square roots,
sqrt(eta*) (sqrt(lambda_min) + sqrt(lambda_max)) = 2, i.e.
eta* = 4 / (sqrt(lambda_max) + sqrt(lambda_min))^2. The rate sqrt(beta*) needs
about sqrt(kappa) / 2 steps per factor e, against kappa / 2 for gradient descent
(Polyak 1964; that no other (eta, beta) beats it is checked on a grid in the tests).

**Nesterov.** Torch's form (``nesterov=True``) is b_t = beta b_{t-1} + g_t,
w_{t+1} = w_t - eta (g_t + beta b_t). The notes' look-ahead form is
v_{t+1} = beta v_t - eta grad E(w_t + beta v_t), w_{t+1} = w_t + v_{t+1} (v_0 = 0).
They are the same iteration: torch's parameter is the look-ahead point
u_t = w_t + beta v_t and its buffer is b_t = -v_{t+1} / eta (from u_0 = w_0).
In 1-D the first step is w_1 = (1 - (1 + beta) eta lambda) w_0, and then
w_{t+1} = (1 + beta)(1 - eta lambda) w_t - beta (1 - eta lambda) w_{t-1}:
T = (1 + beta)(1 - eta lambda), D = beta (1 - eta lambda), P(1) = eta lambda,
P(-1) = 2 + 2 beta - (1 + 2 beta) eta lambda, and |D| < 1 follows from those two,
so the region is 0 < eta lambda < (2 + 2 beta) / (1 + 2 beta): below 2 for every
beta > 0, and 3.8 / 2.8 = 1.36 at beta = 0.9, against 3.8 for the heavy ball.
It is underdamped for ((1 - beta) / (1 + beta))^2 < eta lambda < 1, with rate
sqrt(beta (1 - eta lambda)) < sqrt(beta); at eta lambda = 1 both roots are 0.

All functions take ``eta_lambda`` (eta lambda, any finite real) and ``beta`` in
[0, 1), as floats or broadcastable arrays (the matrices and regimes: floats), in float64.
"""
from __future__ import annotations

import numpy as np

__all__ = ["heavy_ball_matrix", "nesterov_matrix", "heavy_ball_eigenvalues", "nesterov_eigenvalues",
           "heavy_ball_rate", "nesterov_rate", "heavy_ball_bound", "nesterov_bound",
           "heavy_ball_regime", "nesterov_regime", "optimal_heavy_ball", "optimal_rate",
           "rate_plane", "boundaries", "REGIMES", "CRITICAL_RTOL"]

REGIMES = ("overdamped", "critically damped", "underdamped", "unstable")

#: "critically damped" means |T^2 - 4 D| <= CRITICAL_RTOL * max(T^2, 4 |D|), so that
#: eta lambda = (1 - sqrt(beta))^2 computed in floating point still reads as critical.
CRITICAL_RTOL = 1e-12


def _check(eta_lambda, beta) -> tuple[np.ndarray, np.ndarray]:
    el = np.asarray(eta_lambda, dtype=np.float64)
    b = np.asarray(beta, dtype=np.float64)
    if not np.all(np.isfinite(el)):
        raise ValueError(f"eta_lambda (eta times an eigenvalue) must be finite; got {eta_lambda!r}.")
    if not np.all((b >= 0) & (b < 1)):
        raise ValueError(f"beta (the momentum) must lie in [0, 1); got {beta!r}.")
    return np.broadcast_arrays(el, b)


def _trace_det(eta_lambda, beta, nesterov: bool) -> tuple[np.ndarray, np.ndarray]:
    """The characteristic polynomial z^2 - T z + D of the 2 x 2 iteration."""
    el, b = _check(eta_lambda, beta)
    if nesterov:
        return (1 + b) * (1 - el), b * (1 - el)
    return 1 + b - el, b


def _matrix(eta_lambda: float, beta: float, nesterov: bool) -> np.ndarray:
    if np.ndim(eta_lambda) or np.ndim(beta):
        raise ValueError("the 2 x 2 matrix needs scalar eta_lambda and beta; use the rate functions for arrays.")
    T, D = _trace_det(eta_lambda, beta, nesterov)
    return np.array([[float(T), -float(D)], [1.0, 0.0]])


def heavy_ball_matrix(eta_lambda: float, beta: float) -> np.ndarray:
    """[[1 + beta - eta lambda, -beta], [1, 0]]: maps (w_t, w_{t-1}) to (w_{t+1}, w_t); shape (2, 2)."""
    return _matrix(eta_lambda, beta, nesterov=False)


def nesterov_matrix(eta_lambda: float, beta: float) -> np.ndarray:
    """[[(1 + beta)(1 - eta lambda), -beta (1 - eta lambda)], [1, 0]] on (w_t, w_{t-1}); shape (2, 2)."""
    return _matrix(eta_lambda, beta, nesterov=True)


def _roots(T: np.ndarray, D: np.ndarray) -> np.ndarray:
    """Roots of z^2 - T z + D, shape (..., 2) complex, the larger modulus first."""
    s = np.sqrt((T * T - 4 * D).astype(np.complex128))
    big = (T + np.where(T < 0, -s, s)) / 2          # no cancellation in the root that matters
    return np.stack([big, T - big], axis=-1)


def heavy_ball_eigenvalues(eta_lambda, beta) -> np.ndarray:
    """Eigenvalues of :func:`heavy_ball_matrix`, shape broadcast(eta_lambda, beta).shape + (2,)."""
    return _roots(*_trace_det(eta_lambda, beta, nesterov=False))


def nesterov_eigenvalues(eta_lambda, beta) -> np.ndarray:
    """Eigenvalues of :func:`nesterov_matrix`, shape broadcast(...).shape + (2,)."""
    return _roots(*_trace_det(eta_lambda, beta, nesterov=True))


def _rate(T, D):
    r = np.abs(_roots(T, D)[..., 0])
    return float(r) if r.ndim == 0 else r


def heavy_ball_rate(eta_lambda, beta):
    """The spectral radius max |z| of the heavy-ball iteration: sqrt(beta) when underdamped.

    A float for scalar inputs, else an array of the broadcast shape (for a plane of settings)."""
    return _rate(*_trace_det(eta_lambda, beta, nesterov=False))


def nesterov_rate(eta_lambda, beta):
    """The spectral radius of Nesterov's iteration: sqrt(beta (1 - eta lambda)) when underdamped."""
    return _rate(*_trace_det(eta_lambda, beta, nesterov=True))


def _beta(beta):
    b = _check(0.0, beta)[1]
    return float(b) if b.ndim == 0 else b


def heavy_ball_bound(beta):
    """2 + 2 beta: the heavy ball converges iff 0 < eta lambda < this (at equality a root is -1)."""
    return 2 + 2 * _beta(beta)


def nesterov_bound(beta):
    """(2 + 2 beta) / (1 + 2 beta): Nesterov converges iff 0 < eta lambda < this (at equality a root is -1)."""
    b = _beta(beta)
    return (2 + 2 * b) / (1 + 2 * b)


def _regime(eta_lambda, beta, nesterov: bool, bound) -> str:
    if np.ndim(eta_lambda) or np.ndim(beta):
        raise ValueError("a regime needs scalar eta_lambda and beta.")
    T, D = (float(x) for x in _trace_det(eta_lambda, beta, nesterov))
    if not 0 < eta_lambda < bound(beta):
        return "unstable"
    disc = T * T - 4 * D
    if abs(disc) <= CRITICAL_RTOL * max(T * T, 4 * abs(D)):
        return "critically damped"
    return "underdamped" if disc < 0 else "overdamped"


def heavy_ball_regime(eta_lambda: float, beta: float) -> str:
    """One of :data:`REGIMES` for the heavy ball, from the sign of (1 + beta - eta lambda)^2 - 4 beta.

    "critically damped" up to :data:`CRITICAL_RTOL`; "unstable" outside 0 < eta lambda < 2 + 2 beta."""
    return _regime(eta_lambda, beta, False, heavy_ball_bound)


def nesterov_regime(eta_lambda: float, beta: float) -> str:
    """One of :data:`REGIMES` for Nesterov, from the sign of T^2 - 4 D (T, D as in the module docstring).

    Critical at eta lambda = ((1 - beta) / (1 + beta))^2 and at eta lambda = 1 (double root 0)."""
    return _regime(eta_lambda, beta, True, nesterov_bound)


def optimal_heavy_ball(lam_min: float, lam_max: float) -> tuple[float, float]:
    """(eta*, beta*) = (4 / (sqrt(lam_max) + sqrt(lam_min))^2, ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2)."""
    if not (np.isfinite(lam_max) and 0 < lam_min <= lam_max):
        raise ValueError(f"need finite eigenvalues 0 < lam_min <= lam_max; got {lam_min!r}, {lam_max!r}.")
    eta = 4 / (np.sqrt(lam_max) + np.sqrt(lam_min)) ** 2
    return float(eta), optimal_rate(lam_max / lam_min) ** 2


def optimal_rate(kappa: float) -> float:
    """sqrt(beta*) = (sqrt(kappa) - 1) / (sqrt(kappa) + 1), for kappa >= 1: gradient descent's
    best rate (kappa - 1) / (kappa + 1) (:func:`nntrain.rates.rate_star`) with kappa replaced by sqrt(kappa)."""
    if not (np.isfinite(kappa) and kappa >= 1):
        raise ValueError(f"the condition number must be a finite number >= 1; got {kappa!r}.")
    return float((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1))


def rate_plane(eta_lambda, beta) -> dict[str, np.ndarray]:
    """Rates over the grid eta_lambda (n,) x beta (m,): {"heavy ball": (m, n), "nesterov": (m, n)}.

    Rows follow beta, columns eta_lambda, as ``imshow``/``pcolormesh`` expect."""
    el, b = np.asarray(eta_lambda, dtype=np.float64), np.asarray(beta, dtype=np.float64)
    if el.ndim != 1 or b.ndim != 1:
        raise ValueError(f"eta_lambda and beta must be 1-D grids; got shapes {el.shape}, {b.shape}.")
    E, B = np.meshgrid(el, b)
    return {"heavy ball": heavy_ball_rate(E, B), "nesterov": nesterov_rate(E, B)}


def boundaries(beta) -> dict[str, np.ndarray]:
    """The region boundaries as curves eta_lambda(beta), each of beta's shape.

    Heavy ball: "heavy ball stable" 2 + 2 beta; "heavy ball critical low" (1 - sqrt(beta))^2
    and "heavy ball critical high" (1 + sqrt(beta))^2 (underdamped between). Nesterov: "nesterov stable"
    (2 + 2 beta) / (1 + 2 beta); "nesterov critical" ((1 - beta) / (1 + beta))^2
    (underdamped between it and eta lambda = 1)."""
    b = _beta(beta)
    r = b ** 0.5
    return {"heavy ball stable": heavy_ball_bound(b), "heavy ball critical low": (1 - r) ** 2,
            "heavy ball critical high": (1 + r) ** 2, "nesterov stable": nesterov_bound(b),
            "nesterov critical": ((1 - b) / (1 + b)) ** 2}
