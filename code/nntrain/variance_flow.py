"""How the variance of signals and gradients flows through a deep network (chapter 6).

:func:`signal_flow` draws one random MLP (zero biases, weights
``N(0, gain^2 / fan)``), pushes a batch of standard-normal inputs forward and
standard-normal output gradients backward, and records the variance of the
signal after every layer and of the gradient before every layer. This is the
experiment behind the Aalto slides' two rules, Var(y) = N_x Var(w) forward and
Var(dL/dx) = N_y Var(w) backward: with ``gain = 1`` and ``mode="fan_in"`` a
linear network keeps the forward variance at 1, with ``mode="fan_out"`` it
keeps the backward variance at 1, and ``mode="fan_avg"`` is Glorot's
compromise Var(w) = 2 / (N_x + N_y).

:func:`chain_product` is the ASU STP598 slides' one-dimensional picture of the
same thing: y = x w_1 w_2 ... w_L and its gradient with respect to each w_i.
Everything here is numpy; the figures and the widget are in
:mod:`nntrain.widgets.init`.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["ACTIVATIONS", "SMALL_SIGNAL_FACTOR", "MODES", "weight_variance", "signal_flow", "chain_product"]

#: The activations :func:`signal_flow` knows, as (forward, derivative) pairs.
ACTIVATIONS = {
    "linear": (lambda z: z, lambda z: np.ones_like(z)),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(np.float64)),
}
#: E[f'(z)^2] for small z ~ N(0, s^2): the factor by which f scales a variance, forward
#: (E[f(z)^2] / s^2) and backward alike; exact for linear and ReLU, an upper bound for tanh.
SMALL_SIGNAL_FACTOR = {"linear": 1.0, "tanh": 1.0, "relu": 0.5}
#: Which fan divides ``gain**2`` in the weight variance.
MODES = ("fan_in", "fan_out", "fan_avg")


def weight_variance(fan_in: int, fan_out: int, gain: float = 1.0, mode: str = "fan_in") -> float:
    """``gain**2 / fan``, fan = fan_in, fan_out or their mean (``"fan_avg"``, Glorot)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}; got {mode!r}.")
    if not (np.isfinite(gain) and gain > 0):
        raise ValueError(f"gain must be a positive number; got {gain!r}.")
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    return float(gain) ** 2 / fan


def signal_flow(widths: Sequence[int], activation: str, rng: np.random.Generator, gain: float = 1.0,
                mode: str = "fan_in", n: int = 512, keep: int = 0) -> dict:
    """Per-layer variances of the forward signal and the backward gradient in one random MLP.

    Inputs: ``widths`` [N_0, N_1, ..., N_L] (L >= 1 layers, N_l the width after
    layer l); ``activation`` one of ``ACTIVATIONS``, applied after every layer
    (the last included, so every layer is the same block h_l = f(z_l),
    z_l = h_{l-1} W_l^T); ``rng`` draws the weights, the n inputs x = h_0 ~ N(0, I)
    and the output gradients g = dL/dh_L ~ N(0, I); ``gain`` and ``mode`` set
    Var(w) by :func:`weight_variance`; ``keep`` > 0 also returns that many
    values per layer for histograms.

    Returns a dict of arrays of length L + 1 (index l = layer l, 0 = the input):
    ``forward`` the variance of the pre-activation z_l over the batch and the
    units (at 0: of x); ``activation`` the variance of h_l; ``backward`` the
    variance of dL/dh_l (at 0: of the gradient with respect to the input);
    ``predicted_forward`` and ``predicted_backward`` the products of
    c N_x Var(w) and c N_y Var(w) over the layers passed, where c = E[f'(z)^2]
    is 1 for linear, 1/2 for ReLU (half the units pass), and 1 for tanh (its
    small-signal value, an upper bound). With ``keep``: ``activation_samples``
    and ``backward_samples``, shape (L + 1, keep).
    """
    widths = [int(w) for w in widths]
    if len(widths) < 2 or min(widths) < 1:
        raise ValueError(f"widths must list at least two positive sizes [N_0, ..., N_L]; got {widths}.")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {tuple(ACTIVATIONS)}; got {activation!r}.")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a np.random.Generator; got {type(rng).__name__}.")
    if n < 2:
        raise ValueError(f"n must be at least 2 (a variance needs two samples); got {n}.")
    f, df = ACTIVATIONS[activation]
    L = len(widths) - 1
    var_w = [weight_variance(a, b, gain, mode) for a, b in zip(widths[:-1], widths[1:])]
    Ws = [rng.normal(0.0, np.sqrt(v), size=(b, a)) for v, a, b in zip(var_w, widths[:-1], widths[1:])]
    h = rng.standard_normal((n, widths[0]))
    hs, zs = [h], [h]
    with np.errstate(over="ignore", invalid="ignore"):
        for W in Ws:
            z = h @ W.T
            h = f(z)
            zs.append(z)
            hs.append(h)
        g = rng.standard_normal((n, widths[-1]))
        gs = [g]
        for W, z in zip(reversed(Ws), reversed(zs[1:])):
            g = (g * df(z)) @ W
            gs.append(g)
    gs.reverse()
    c = SMALL_SIGNAL_FACTOR[activation]
    step_f = [widths[l] * var_w[l] * (1.0 if l == 0 else c) for l in range(L)]
    step_b = [c * widths[l + 1] * var_w[l] for l in range(L)]
    out = {
        "forward": np.array([np.var(a) for a in zs]),
        "activation": np.array([np.var(a) for a in hs]),
        "backward": np.array([np.var(a) for a in gs]),
        "predicted_forward": np.concatenate([[1.0], np.cumprod(step_f)]),
        "predicted_backward": np.concatenate([np.cumprod(step_b[::-1])[::-1], [1.0]]),
    }
    if keep:
        out["activation_samples"] = np.array([a.ravel()[:keep] for a in hs])
        out["backward_samples"] = np.array([a.ravel()[:keep] for a in gs])
    return out


def chain_product(x: float, ws) -> tuple[float, np.ndarray]:
    """y = x w_1 w_2 ... w_L and dy/dw_i = x * prod_{j != i} w_j (shape (L,)), by backprop.

    The forward pass keeps the partial products h_i = h_{i-1} w_i; the backward
    pass multiplies the upstream gradient by each w from the top down, so no
    division by w_i is needed (a zero weight is fine).
    """
    ws = np.asarray(ws, dtype=np.float64)
    if ws.ndim != 1 or ws.size < 1:
        raise ValueError(f"ws must be a 1-D array of at least one weight; got shape {ws.shape}.")
    h = np.concatenate([[float(x)], float(x) * np.cumprod(ws)])   # h_0 = x, ..., h_L = y
    upstream = np.concatenate([np.cumprod(ws[::-1])[::-1][1:], [1.0]])  # dy/dh_i for i = 1..L
    return float(h[-1]), h[:-1] * upstream
