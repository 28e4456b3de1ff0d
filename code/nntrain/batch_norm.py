"""Batch normalization (chapter 7): forward/backward pairs and ``BatchNorm1d``.

For a batch ``x`` of shape (N, D) (rows = examples) and each feature d, in
training mode (the Aalto slides; torch's ``BatchNorm1d``)::

    mu     = (1/N) sum_n x[n]                    batch mean, shape (D,)
    var    = (1/N) sum_n (x[n] - mu)^2           *biased* batch variance
    xhat   = (x - mu) / sqrt(var + eps)          eps inside the root
    out    = gamma * xhat + beta                 gamma, beta of shape (D,)

Each output row depends on every row of its batch through ``mu`` and ``var``
(the examples are coupled). In evaluation mode running statistics replace them.

Conventions of the sources, where they differ from torch's (which we follow):
the MIT 6.036-style appendix stores the batch as columns (Z of shape (D, K)),
puts eps outside the root, ``(x - mu) / (sigma + eps)``, and its backward uses
``sigma`` without eps (see :func:`mit_appendix_backward`); the ASU STP598
slides put ``delta ~ 1e-8`` inside the root and have no gamma, beta; the Aalto
slides average the biased ``(1/N) sum (x - mu_running)^2`` into the running
variance, where torch averages the unbiased batch variance ``N/(N-1) var``.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .core import Module, Parameter
from .functional import _check_dout

__all__ = ["batchnorm_forward", "batchnorm_backward", "batchnorm_eval_forward",
           "batchnorm_eval_backward", "batchnorm_backward_steps", "BackwardSteps",
           "batchnorm_jacobian", "mit_appendix_forward", "mit_appendix_backward",
           "BatchNorm1d"]

Cache = Any
ONE_VALUE = ("Expected more than 1 value per channel when training, got input of shape {}: "
             "the batch variance of one example is 0, and the unbiased running variance "
             "var * N/(N-1) divides by N-1 = 0.")


def _check_x(x, D: int | None = None) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 3:
        raise ValueError(f"expected (N, C) input; got (N, C, L) = {x.shape}. Only (N, C) is "
                         "supported: reshape with x.transpose(0, 2, 1).reshape(-1, C).")
    if x.ndim != 2 or (D is not None and x.shape[1] != D):
        want = f"(N, {D})" if D is not None else "(N, D)"
        raise ValueError(f"expected {want} input, one row per example; got shape {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x must be finite; got nan or inf in an array of shape {x.shape}.")
    return x


def _check_vec(v, D: int, name: str) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    if v.shape != (D,) or not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must have shape ({D},), one finite entry per feature; "
                         f"got shape {v.shape}.")
    return v


def _check_eps(eps) -> float:
    if not np.isfinite(eps) or eps < 0:
        raise ValueError(f"eps must be a finite number >= 0; got {eps!r}.")
    return float(eps)


def _batch_stats(x, gamma, beta, eps):
    x = _check_x(x)
    N, D = x.shape
    gamma, beta = _check_vec(gamma, D, "gamma"), _check_vec(beta, D, "beta")
    eps = _check_eps(eps)
    if N < 2:
        raise ValueError(ONE_VALUE.format(x.shape))
    mu = x.mean(axis=0)
    var = ((x - mu) ** 2).mean(axis=0)
    if np.any(var + eps == 0):
        raise ValueError("a feature is constant across the batch and eps = 0: xhat = 0/0. "
                         "Use eps > 0.")
    return x, gamma, beta, eps, mu, var


# ------------------------------------------------------------ training mode
def batchnorm_forward(x, gamma, beta, eps: float = 1e-5) -> tuple[np.ndarray, Cache]:
    """Training-mode batch norm with batch statistics (torch's arithmetic).

    Inputs: ``x`` of shape (N, D), N >= 2; ``gamma``, ``beta`` of shape (D,);
    ``eps`` >= 0. Returns ``out`` of shape (N, D) and
    ``cache = (x, xhat, mu, var, gamma, eps)`` (``mu``, ``var`` of shape (D,)).
    """
    x, gamma, beta, eps, mu, var = _batch_stats(x, gamma, beta, eps)
    xhat = (x - mu) / np.sqrt(var + eps)
    return gamma * xhat + beta, (x, xhat, mu, var, gamma, eps)


def batchnorm_backward(dout, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`batchnorm_forward`, vectorised over the batch.

    Inputs: ``dout`` of shape (N, D); the cache. Returns, with
    ``s = 1 / sqrt(var + eps)`` and sums over the batch (axis 0)::

        dbeta  = sum_n dout                                    shape (D,)
        dgamma = sum_n dout * xhat                             shape (D,)
        dx     = (1/N) s gamma (N dout - dbeta - xhat dgamma)  shape (N, D)

    The three terms of ``dx`` are the paths through ``xhat``, ``mu`` and ``var``
    (see :func:`batchnorm_backward_steps`). An all-ones ``dout`` makes
    ``dx`` exactly zero, so test with a random one.
    """
    x, xhat, mu, var, gamma, eps = cache
    dout = _check_dout(dout, x.shape)
    N = x.shape[0]
    s = 1.0 / np.sqrt(var + eps)
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dx = (1.0 / N) * s * gamma * (N * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


class BackwardSteps(NamedTuple):
    """Intermediate gradients of :func:`batchnorm_backward_steps` (per feature: columns)."""

    dxhat: np.ndarray     # (N, D)  dL/dxhat
    dvar: np.ndarray      # (D,)    dL/dvar, var as an independent node
    dmu: np.ndarray       # (D,)    dL/dmu, including the path mu -> var
    direct: np.ndarray    # (N, D)  the path x -> xhat
    via_mu: np.ndarray    # (N, D)  the path x -> mu
    via_var: np.ndarray   # (N, D)  the path x -> var
    dx: np.ndarray        # (N, D)  direct + via_mu + via_var


def batchnorm_backward_steps(dout, cache: Cache) -> BackwardSteps:
    """The same ``dx`` node by node along the computational graph (each feature on its own).

    Graph per feature: x -> mu -> var -> xhat -> out, with x also feeding var and
    xhat directly. With ``s = 1/sqrt(var + eps)`` and sums over the batch::

        dxhat   = dout * gamma
        dvar    = sum_n dxhat (x - mu) (-1/2) s^3
        dmu     = -s sum_n dxhat + dvar (-2/N) sum_n (x - mu)   (last sum is 0)
        dx      = s dxhat + dmu / N + dvar 2 (x - mu) / N
                  direct    via_mu    via_var

    ``via_mu = -(1/N) s gamma sum dout`` and ``via_var = -(1/N) s gamma xhat
    sum(dout xhat)``: the last two terms of :func:`batchnorm_backward`.
    """
    x, xhat, mu, var, gamma, eps = cache
    dout = _check_dout(dout, x.shape)
    N = x.shape[0]
    s = 1.0 / np.sqrt(var + eps)
    xc = x - mu
    dxhat = dout * gamma
    dvar = np.sum(dxhat * xc, axis=0) * -0.5 * s ** 3
    dmu = -s * np.sum(dxhat, axis=0) + dvar * (-2.0 / N) * np.sum(xc, axis=0)
    direct, via_mu, via_var = s * dxhat, np.broadcast_to(dmu / N, x.shape), dvar * 2 * xc / N
    return BackwardSteps(dxhat, dvar, dmu, direct, via_mu, via_var, direct + via_mu + via_var)


def batchnorm_jacobian(cache: Cache, feature: int = 0) -> np.ndarray:
    """The (N, N) block ``J[i, j] = d out[i, d] / d x[j, d]`` for one feature ``d``.

    ``J = (gamma s / N) (N I - 1 - xhat xhat^T)`` with ``s = 1/sqrt(var + eps)``:
    off the diagonal ``-(1/N) gamma s (1 + xhat_i xhat_j)``, so examples are coupled.
    """
    x, xhat, mu, var, gamma, eps = cache
    if not 0 <= feature < x.shape[1]:
        raise ValueError(f"feature must be in [0, {x.shape[1]}); got {feature}.")
    N, xh = x.shape[0], xhat[:, feature]
    s = 1.0 / np.sqrt(var[feature] + eps)
    return gamma[feature] * s / N * (N * np.eye(N) - 1.0 - np.outer(xh, xh))


# ------------------------------------------------------------ evaluation mode
def batchnorm_eval_forward(x, gamma, beta, running_mean, running_var,
                           eps: float = 1e-5) -> tuple[np.ndarray, Cache]:
    """Evaluation mode: ``out = gamma (x - running_mean) / sqrt(running_var + eps) + beta``.

    Inputs: ``x`` of shape (N, D) (any N >= 1); the others of shape (D,).
    Returns ``out`` (N, D) and ``cache = (xhat, gamma, s)``, ``s = 1/sqrt(running_var + eps)``.
    """
    x = _check_x(x)
    D = x.shape[1]
    gamma, beta = _check_vec(gamma, D, "gamma"), _check_vec(beta, D, "beta")
    rm, rv = _check_vec(running_mean, D, "running_mean"), _check_vec(running_var, D, "running_var")
    eps = _check_eps(eps)
    if np.any(rv + eps <= 0):
        raise ValueError(f"running_var + eps must be > 0; got running_var {rv} and eps {eps}.")
    s = 1.0 / np.sqrt(rv + eps)
    xhat = (x - rm) * s
    return gamma * xhat + beta, (xhat, gamma, s)


def batchnorm_eval_backward(dout, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward of the fixed affine map: ``dx = dout gamma s``, ``dgamma = sum dout xhat``,
    ``dbeta = sum dout`` (sums over the batch); shapes (N, D), (D,), (D,)."""
    xhat, gamma, s = cache
    dout = _check_dout(dout, xhat.shape)
    return dout * gamma * s, (dout * xhat).sum(axis=0), dout.sum(axis=0)


# ------------------------------------------------------------ the MIT 6.036-style appendix
def mit_appendix_forward(x, gamma, beta, eps: float = 1e-5) -> tuple[np.ndarray, Cache]:
    """The appendix's forward, ``zbar = (x - mu) / (sigma + eps)`` with ``sigma = sqrt(var)``
    (eps *outside* the root), ``out = gamma zbar + beta``; x of shape (N, D) (the appendix's
    Z is (D, K), transposed). Returns ``out`` and a cache of :func:`batchnorm_forward`'s layout
    whose ``xhat`` is ``zbar``."""
    x, gamma, beta, eps, mu, var = _batch_stats(x, gamma, beta, eps)
    zbar = (x - mu) / (np.sqrt(var) + eps)
    return gamma * zbar + beta, (x, zbar, mu, var, gamma, eps)


def mit_appendix_backward(dout, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The backward pass exactly as the MIT 6.036-style appendix writes it.

    With ``sigma = sqrt(var)`` (biased, *no* eps), ``zbar = (x - mu)/(sigma + eps)``
    and K = N::

        dL/dZ_j = sum_k dout_k G (1/(K sigma)) (delta_jk K - 1 - (Z_k - mu)(Z_j - mu)/sigma^2)
        dL/dG   = sum_k dout_k zbar_k          dL/dB = sum_k dout_k

    ``dx`` is the exact gradient of the forward with eps = 0; the appendix's
    forward divides by ``sigma + eps``, torch's by ``sqrt(var + eps)``, so with
    eps > 0 it matches neither, and for a feature with ``var`` near ``eps`` or
    below it is far off (and infinite for a constant feature). Accepts the cache
    of either forward. Returns ``(dx, dgamma, dbeta)`` of shapes (N, D), (D,), (D,).
    """
    x, _, mu, var, gamma, eps = cache
    dout = _check_dout(dout, x.shape)
    K = x.shape[0]
    sigma = np.sqrt(var)
    xc = x - mu
    with np.errstate(divide="ignore", invalid="ignore"):
        u = xc / sigma  # (Z - mu)/sigma: inf/nan where sigma = 0, as the formula
        dx = gamma / (K * sigma) * (K * dout - dout.sum(axis=0) - u * np.sum(dout * u, axis=0))
    zbar = xc / (sigma + eps)
    return dx, (dout * zbar).sum(axis=0), dout.sum(axis=0)


# ------------------------------------------------------------ the layer
class BatchNorm1d(Module):
    """Batch norm over (N, C) inputs, with torch's constructor, names, buffers and updates.

    ``BatchNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True)``.
    Parameters (when ``affine``): ``weight`` (gamma, ones) and ``bias`` (beta, zeros), shape (C,);
    ``gamma``/``beta`` are read-only aliases. Buffers (plain arrays, not Parameters, so
    optimizers leave them alone): ``running_mean`` (zeros), ``running_var`` (ones),
    ``num_batches_tracked`` (int); all ``None`` when ``track_running_stats=False``.

    Training mode normalises with the batch's mean and biased variance, then, with
    ``m = momentum`` (or ``1/num_batches_tracked`` when ``momentum=None``: the cumulative
    average)::

        running_mean <- (1 - m) running_mean + m mu
        running_var  <- (1 - m) running_var  + m var N/(N - 1)    (unbiased)

    Evaluation mode uses the running statistics and changes nothing. Without running
    statistics both modes use the batch's. Only (N, C) input: (N, C, L) is rejected.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True):
        if not isinstance(num_features, (int, np.integer)) or num_features < 1:
            raise ValueError(f"num_features must be a positive int; got {num_features!r}.")
        if momentum is not None and not 0 <= momentum <= 1:
            raise ValueError(f"momentum must be in [0, 1] or None; got {momentum!r}.")
        C = int(num_features)
        self.num_features, self.eps, self.momentum = C, _check_eps(eps), momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        self.weight = Parameter(np.ones(C), "weight") if affine else None
        self.bias = Parameter(np.zeros(C), "bias") if affine else None
        self.running_mean = self.running_var = self.num_batches_tracked = None
        self.reset_running_stats()
        self._cache = None

    @property
    def gamma(self) -> Parameter | None:
        return self.weight

    @property
    def beta(self) -> Parameter | None:
        return self.bias

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean = np.zeros(self.num_features)
            self.running_var = np.ones(self.num_features)
            self.num_batches_tracked = 0

    def _affine(self) -> tuple[np.ndarray, np.ndarray]:
        if self.affine:
            return self.weight.data, self.bias.data
        return np.ones(self.num_features), np.zeros(self.num_features)

    def forward(self, x) -> np.ndarray:
        """``x`` of shape (N, C) -> ``out`` of shape (N, C); N >= 2 in training mode."""
        x = _check_x(x, self.num_features)
        gamma, beta = self._affine()
        if self.training or not self.track_running_stats:
            out, cache = batchnorm_forward(x, gamma, beta, self.eps)  # raises for N = 1
            self._cache = ("batch", cache)
            if self.training and self.track_running_stats:
                self._update_running_stats(cache)
        else:
            out, cache = batchnorm_eval_forward(x, gamma, beta, self.running_mean,
                                                self.running_var, self.eps)
            self._cache = ("running", cache)
        return out

    def _update_running_stats(self, cache: Cache) -> None:
        x, _, mu, var, _, _ = cache
        N = x.shape[0]
        self.num_batches_tracked += 1
        m = 1.0 / self.num_batches_tracked if self.momentum is None else self.momentum
        self.running_mean[...] = (1 - m) * self.running_mean + m * mu  # in place, as torch
        self.running_var[...] = (1 - m) * self.running_var + m * var * N / (N - 1)

    def backward(self, dout) -> np.ndarray:
        """``dout`` of shape (N, C) -> ``dx`` (N, C); adds into ``weight.grad``, ``bias.grad``."""
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward() called before forward().")
        kind, cache = self._cache
        bwd = batchnorm_backward if kind == "batch" else batchnorm_eval_backward
        dx, dgamma, dbeta = bwd(dout, cache)
        if self.affine:
            self.weight.accumulate(dgamma)
            self.bias.accumulate(dbeta)
        return dx

    def __repr__(self) -> str:
        return (f"BatchNorm1d({self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats})")
