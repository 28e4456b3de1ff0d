"""Pure forward/backward pairs with explicit caches (chapter 2, "Backpropagation").

Each block is two functions, in the style of CS231n's assignment code:

* ``*_forward(x, ...) -> (out, cache)`` computes the block's output and keeps in
  ``cache`` exactly what the backward pass needs;
* ``*_backward(dout, cache) -> dx`` (or ``(dx, dW, db)`` for the affine block)
  turns the upstream gradient ``dout = dL/dout`` into ``dL/dx`` by the chain rule.

Nothing here holds state, so the text can show one block in isolation before
the classes of :mod:`nntrain.layers` wrap the same functions. Shapes follow
torch: a batch ``x`` has shape (N, D), one row per example; a weight matrix
``W`` has shape (M, D) (out, in), a bias ``b`` shape (M,).
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "linear_forward", "linear_backward",
    "sigmoid", "sigmoid_forward", "sigmoid_backward",
    "tanh_forward", "tanh_backward",
    "relu_forward", "relu_backward",
    "leaky_relu_forward", "leaky_relu_backward",
    "identity_forward", "identity_backward",
    "softmax_forward", "softmax_backward",
]

Cache = Any


def _as_float(x, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got nan or inf in an array of shape {arr.shape}.")
    return arr


def _check_dout(dout, expected_shape: tuple[int, ...]) -> np.ndarray:
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != expected_shape:
        raise ValueError(f"dout must have the shape of the forward output, {expected_shape}; got {dout.shape}.")
    return dout


# ----------------------------------------------------------------- affine block
def linear_forward(x, W, b) -> tuple[np.ndarray, Cache]:
    """Affine block ``out = x W^T + b`` (torch's ``nn.functional.linear``).

    Inputs: ``x`` of shape (N, D); ``W`` of shape (M, D); ``b`` of shape (M,).
    Returns: ``out`` of shape (N, M) and ``cache = (x, W)``.
    """
    x = _as_float(x, "x")
    W = _as_float(W, "W")
    b = _as_float(b, "b")
    if W.ndim != 2:
        raise ValueError(f"W must have shape (M, D) = (out, in); got shape {W.shape}.")
    M, D = W.shape
    if x.ndim != 2 or x.shape[1] != D:
        raise ValueError(f"x must have shape (N, {D}) to match W of shape {W.shape}; got {x.shape}.")
    if b.shape != (M,):
        raise ValueError(f"b must have shape ({M},) to match W of shape {W.shape}; got {b.shape}.")
    out = x @ W.T + b
    return out, (x, W)


def linear_backward(dout, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`linear_forward`.

    Inputs: ``dout`` of shape (N, M), the upstream gradient dL/dout; ``cache = (x, W)``.
    Returns: ``dx = dout W`` of shape (N, D); ``dW = dout^T x`` of shape (M, D)
    (a sum over the batch of outer products); ``db`` = ``dout`` summed over the
    batch, shape (M,).
    """
    x, W = cache
    dout = _check_dout(dout, (x.shape[0], W.shape[0]))
    dx = dout @ W
    dW = dout.T @ x
    db = dout.sum(axis=0)
    return dx, dW, db


# ----------------------------------------------------------------- activations
def sigmoid(x) -> np.ndarray:
    """Logistic function ``1 / (1 + exp(-x))`` without overflow, any shape.

    ``exp`` is only ever taken of ``-|x| <= 0``, so it lies in (0, 1]: for
    ``x >= 0`` we use ``1 / (1 + e^{-x})``; for ``x < 0`` the equal form
    ``e^{x} / (1 + e^{x})``.
    """
    x = np.asarray(x, dtype=np.float64)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def sigmoid_forward(x) -> tuple[np.ndarray, Cache]:
    """Elementwise sigmoid. Input ``x`` of any shape; returns ``out`` (same shape) and ``cache = out``."""
    out = sigmoid(_as_float(x, "x"))
    return out, out


def sigmoid_backward(dout, cache: Cache) -> np.ndarray:
    """``dx = dout * s (1 - s)`` with ``s`` the saved output; shape of ``dout``."""
    s = cache
    dout = _check_dout(dout, s.shape)
    return dout * s * (1.0 - s)


def tanh_forward(x) -> tuple[np.ndarray, Cache]:
    """Elementwise tanh. Input ``x`` of any shape; returns ``out`` and ``cache = out``."""
    out = np.tanh(_as_float(x, "x"))
    return out, out


def tanh_backward(dout, cache: Cache) -> np.ndarray:
    """``dx = dout * (1 - t^2)`` with ``t`` the saved output."""
    t = cache
    dout = _check_dout(dout, t.shape)
    return dout * (1.0 - t * t)


def relu_forward(x) -> tuple[np.ndarray, Cache]:
    """Elementwise ``max(x, 0)``. Returns ``out`` and ``cache = x``."""
    x = _as_float(x, "x")
    return np.maximum(x, 0.0), x


def relu_backward(dout, cache: Cache) -> np.ndarray:
    """``dx = dout * [x > 0]`` (the derivative at the kink x = 0 is taken as 0, as torch does)."""
    x = cache
    dout = _check_dout(dout, x.shape)
    return dout * (x > 0)


def leaky_relu_forward(x, negative_slope: float = 0.01) -> tuple[np.ndarray, Cache]:
    """Elementwise ``x if x > 0 else negative_slope * x``. Returns ``out`` and ``cache = (x, slope)``."""
    x = _as_float(x, "x")
    a = float(negative_slope)
    return np.where(x > 0, x, a * x), (x, a)


def leaky_relu_backward(dout, cache: Cache) -> np.ndarray:
    """``dx = dout`` where ``x > 0``, ``negative_slope * dout`` elsewhere (torch's choice at 0)."""
    x, a = cache
    dout = _check_dout(dout, x.shape)
    return np.where(x > 0, dout, a * dout)


def identity_forward(x) -> tuple[np.ndarray, Cache]:
    """``out = x`` (a copy). The cache is the shape, to check ``dout`` against."""
    x = _as_float(x, "x")
    return x.copy(), x.shape


def identity_backward(dout, cache: Cache) -> np.ndarray:
    """``dx = dout``."""
    return _check_dout(dout, cache).copy()


def softmax_forward(x) -> tuple[np.ndarray, Cache]:
    """Row-wise softmax ``s_k = exp(x_k - max x) / sum_j exp(x_j - max x)``.

    Inputs: ``x`` of shape (N, K). Returns ``s`` of shape (N, K) (rows sum to 1)
    and ``cache = s``. Subtracting the row maximum changes nothing mathematically
    and keeps every ``exp`` in (0, 1], so huge logits do not overflow.
    """
    x = _as_float(x, "x")
    if x.ndim != 2:
        raise ValueError(f"softmax expects logits of shape (N, K); got {x.shape}.")
    z = np.exp(x - x.max(axis=1, keepdims=True))
    s = z / z.sum(axis=1, keepdims=True)
    return s, s


def softmax_backward(dout, cache: Cache) -> np.ndarray:
    """Vector-Jacobian product with the softmax Jacobian ``diag(s) - s s^T`` (row by row).

    Inputs: ``dout`` of shape (N, K); ``cache = s`` of shape (N, K).
    Returns: ``dx = s * (dout - sum_k dout_k s_k)`` of shape (N, K), without
    forming the (K, K) Jacobian.
    """
    s = cache
    dout = _check_dout(dout, s.shape)
    return s * (dout - np.sum(dout * s, axis=1, keepdims=True))
