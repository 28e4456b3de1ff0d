"""Layers as :class:`~nntrain.core.Module` subclasses (chapter 2, "Backpropagation").

Every layer has the "block" interface that real frameworks use:

* ``forward(x)`` (also ``layer(x)``) computes the output for a batch ``x`` of
  shape (N, in) and keeps what the backward pass needs;
* ``backward(dout)`` takes ``dL/dout`` (the shape of the output), **adds** the
  gradients of its parameters into their ``.grad`` and returns ``dL/dx``.

Names and shapes follow ``torch.nn``: :class:`Linear` has ``W`` of shape
(out_features, in_features) and ``b`` of shape (out_features,), so a model built
here maps onto a torch model parameter by parameter. The arithmetic lives in
:mod:`nntrain.functional`; these classes only keep the cache and the parameters.
"""
from __future__ import annotations

import numpy as np

from . import functional as F
from . import init as _init
from .batch_norm import BatchNorm1d  # chapter 7; defined in its own module
from .core import Module, Parameter

__all__ = ["Linear", "BatchNorm1d", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Identity", "Sequential",
           "parameters_to_vector", "vector_to_parameters", "grads_to_vector"]

INITS = ("torch", "xavier", "he", "lecun")


class _Cached(Module):
    """A module whose backward needs the cache saved by its last forward."""

    _cache = None

    def _take_cache(self):
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward() called before forward().")
        return self._cache


class Linear(_Cached):
    """Affine layer ``out = x W^T + b``.

    Inputs to the constructor: ``in_features`` D and ``out_features`` M
    (positive ints); ``rng`` a ``np.random.Generator``; ``init`` one of

    * ``"torch"`` (default): W and b uniform on ``[-1/sqrt(D), 1/sqrt(D)]``,
      the default of ``torch.nn.Linear``: ``kaiming_uniform_(W, a=sqrt(5))``, whose
      bound sqrt(3 g^2 / D) with g^2 = 2/(1 + 5) is 1/sqrt(D); we hand 1/sqrt(D) to
      :func:`~nntrain.init.uniform_` as written (kaiming's rounds differently);
    * ``"xavier"``: :func:`~nntrain.init.xavier_uniform_`, variance ``2 / (D + M)``
      (Glorot and Bengio), b = 0;
    * ``"he"``: :func:`~nntrain.init.kaiming_normal_` with ``nonlinearity="relu"``,
      N(0, 2/D) (for ReLU networks), b = 0;
    * ``"lecun"``: :func:`~nntrain.init.lecun_normal_`, N(0, 1/D), b = 0;
    * a callable ``init(W, rng)`` that fills the array ``W`` of shape (M, D) in
      place (e.g. ``nntrain.init.xavier_normal_``) or returns a new one, b = 0.

    "torch", "xavier" and "he" draw exactly the numbers that earlier versions of
    this class drew from ``rng`` (W first, then b for "torch"), so results with a
    given seed do not change.

    Attributes: ``W`` a Parameter of shape (M, D); ``b`` a Parameter of shape (M,).
    forward: ``x`` of shape (N, D) -> ``out`` of shape (N, M).
    backward: ``dout`` of shape (N, M) -> ``dx`` of shape (N, D); adds
    ``dout^T x`` into ``W.grad`` and ``dout.sum(0)`` into ``b.grad``.
    """

    def __init__(self, in_features: int, out_features: int, rng: np.random.Generator, init="torch"):
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be a positive int; got {v!r}.")
        if not isinstance(rng, np.random.Generator):
            raise ValueError("rng must be a np.random.Generator (np.random.default_rng(seed)); "
                             f"got {type(rng).__name__}.")
        if not callable(init) and init not in INITS:
            raise ValueError(f"init must be one of {INITS} or a callable init(W, rng); "
                             f"got {init!r}.")
        D, M = int(in_features), int(out_features)
        self.in_features, self.out_features = D, M
        W, b = np.zeros((M, D)), np.zeros(M)
        if init == "torch":
            bound = 1.0 / np.sqrt(D)
            _init.uniform_(W, rng, -bound, bound)
            _init.uniform_(b, rng, -bound, bound)
        elif init == "xavier":
            _init.xavier_uniform_(W, rng)
        elif init == "he":
            _init.kaiming_normal_(W, rng, nonlinearity="relu")
        elif init == "lecun":
            _init.lecun_normal_(W, rng)
        else:
            out = init(W, rng)
            if out is not None and out is not W:    # returned a new array
                out = np.asarray(out, dtype=np.float64)
                if out.shape != W.shape:
                    raise ValueError(f"init(W, rng) returned shape {out.shape}; "
                                     f"expected {W.shape} = (out_features, in_features).")
                W[...] = out
        self.W = Parameter(W, "W")
        self.b = Parameter(b, "b")

    @classmethod
    def from_arrays(cls, W, b) -> "Linear":
        """A Linear layer holding copies of given ``W`` (shape (M, D)) and ``b`` (shape (M,))."""
        W = np.asarray(W, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        if W.ndim != 2 or b.shape != (W.shape[0],):
            raise ValueError(f"need W of shape (M, D) and b of shape (M,); got {W.shape} and {b.shape}.")
        layer = cls.__new__(cls)
        layer.in_features, layer.out_features = W.shape[1], W.shape[0]
        layer.W = Parameter(W, "W")
        layer.b = Parameter(b, "b")
        return layer

    def forward(self, x) -> np.ndarray:
        out, self._cache = F.linear_forward(x, self.W.data, self.b.data)
        return out

    def backward(self, dout) -> np.ndarray:
        dx, dW, db = F.linear_backward(dout, self._take_cache())
        self.W.accumulate(dW)
        self.b.accumulate(db)
        return dx

    def __repr__(self) -> str:
        return f"Linear(in_features={self.in_features}, out_features={self.out_features})"


class _Activation(_Cached):
    """An elementwise activation built from a forward/backward pair of :mod:`nntrain.functional`."""

    _fwd = staticmethod(F.identity_forward)
    _bwd = staticmethod(F.identity_backward)

    def forward(self, x) -> np.ndarray:
        out, self._cache = type(self)._fwd(x)
        return out

    def backward(self, dout) -> np.ndarray:
        return type(self)._bwd(dout, self._take_cache())

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(_Activation):
    """Elementwise ``1 / (1 + e^{-x})``, computed without overflow; any shape in, same shape out."""

    _fwd = staticmethod(F.sigmoid_forward)
    _bwd = staticmethod(F.sigmoid_backward)


class Tanh(_Activation):
    """Elementwise ``tanh(x)``; any shape in, same shape out."""

    _fwd = staticmethod(F.tanh_forward)
    _bwd = staticmethod(F.tanh_backward)


class ReLU(_Activation):
    """Elementwise ``max(x, 0)``; the derivative at 0 is taken as 0 (as torch does)."""

    _fwd = staticmethod(F.relu_forward)
    _bwd = staticmethod(F.relu_backward)


class Identity(_Activation):
    """``out = x``: a placeholder activation (e.g. for the last layer of a regression net)."""


class LeakyReLU(_Cached):
    """Elementwise ``x`` for ``x > 0`` and ``negative_slope * x`` otherwise (torch's default slope 0.01)."""

    def __init__(self, negative_slope: float = 0.01):
        if not np.isfinite(negative_slope):
            raise ValueError(f"negative_slope must be a finite number; got {negative_slope!r}.")
        self.negative_slope = float(negative_slope)

    def forward(self, x) -> np.ndarray:
        out, self._cache = F.leaky_relu_forward(x, self.negative_slope)
        return out

    def backward(self, dout) -> np.ndarray:
        return F.leaky_relu_backward(dout, self._take_cache())

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope})"


class Sequential(Module):
    """A chain of modules: ``forward`` runs them in order, ``backward`` in reverse.

    ``Sequential(Linear(64, 32, rng=rng), ReLU(), Linear(32, 10, rng=rng))``;
    ``model.layers`` is the list, ``model[i]`` the i-th module, ``len(model)`` their number.
    forward: ``x`` of shape (N, in) -> the last module's output.
    backward: ``dout`` of the output's shape -> ``dx`` of shape (N, in), after
    every module has added into its parameters' ``.grad``.
    """

    def __init__(self, *layers: Module):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise ValueError(f"Sequential takes Modules; argument {i} is a {type(layer).__name__}.")
        self.layers = list(layers)

    def forward(self, x) -> np.ndarray:
        for layer in self.layers:
            x = layer(x)
        return x

    def backward(self, dout) -> np.ndarray:
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        inner = "\n".join(f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"


# ------------------------------------------- flat views (as torch.nn.utils), for gradient checks
def parameters_to_vector(params: list[Parameter]) -> np.ndarray:
    """Every parameter's ``data`` flattened and concatenated: shape (P,), P the total number of entries."""
    return np.concatenate([p.data.ravel() for p in params]) if params else np.zeros(0)


def grads_to_vector(params: list[Parameter]) -> np.ndarray:
    """Every parameter's ``grad`` flattened and concatenated, in the order of :func:`parameters_to_vector`."""
    return np.concatenate([p.grad.ravel() for p in params]) if params else np.zeros(0)


def vector_to_parameters(vec, params: list[Parameter]) -> None:
    """Write a flat vector of shape (P,) back into the parameters' ``data`` (in place)."""
    vec = np.asarray(vec, dtype=np.float64)
    total = sum(p.data.size for p in params)
    if vec.shape != (total,):
        raise ValueError(f"vec must have shape ({total},), the parameters' total size; got {vec.shape}.")
    start = 0
    for p in params:
        p.data[...] = vec[start:start + p.data.size].reshape(p.data.shape)
        start += p.data.size
