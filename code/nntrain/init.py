"""Weight initialisation with ``torch.nn.init``'s names and conventions (chapter 6).

Why the variance matters (the Aalto slides, "Weight initialization"): a linear
unit ``y_i = sum_j w_ij x_j`` with N_x uncorrelated unit-variance inputs has
``<var y_i> = N_x var w``. Keeping the forward signal at unit variance asks for
``var w = 1/N_x`` (LeCun), the backward signal for ``var w = 1/N_y``; Glorot
and Bengio's compromise is ``var w = 2/(N_x + N_y)`` (Xavier), and He et al.
double ``1/N_x`` to make up for the half of the signal that a ReLU zeroes.
A uniform ``U[-a, a]`` has variance ``a^2/3``, so its bound is ``sqrt(3 var)``.

Conventions, as torch's:

* A weight of shape (out, in) is used as ``x @ w.T``: ``fan_in = in``,
  ``fan_out = out``; for 3-D and higher (conv kernels, shape (out, in, k1, ...))
  both are multiplied by the receptive field ``k1 * k2 * ...``.
* ``name_(w, rng, ...)`` fills ``w`` (a :class:`~nntrain.core.Parameter` or a
  float64 ndarray) **in place** and returns the array;
  ``name(shape, rng, ...)`` returns a new array. ``rng`` is a
  ``np.random.Generator`` (no global seed); torch takes a ``generator=``.
* Every draw is one call ``rng.normal(0, std, size=w.shape)`` or
  ``rng.uniform(-bound, bound, size=w.shape)``, so equal seeds give equal arrays.

``lecun_normal_`` and ``lecun_uniform_`` are not in ``torch.nn.init`` (Keras has
them; its ``lecun_normal`` draws from a *truncated* normal, ours from a plain one).
"""
from __future__ import annotations

import math

import numpy as np

from .core import Parameter

__all__ = ["calculate_gain", "fan_in_and_fan_out", "init_std",
           "zeros_", "constant_", "normal_", "uniform_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "lecun_uniform_", "lecun_normal_",
           "zeros", "constant", "normal", "uniform",
           "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
           "lecun_uniform", "lecun_normal"]

LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d",
              "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid")
NONLINEARITIES = LINEAR_FNS + ("tanh", "relu", "leaky_relu", "selu")
MODES = ("fan_in", "fan_out")
SCHEMES = ("torch", "xavier", "he", "kaiming", "lecun")


# ------------------------------------------------------------------ gains and fans
def _gain_squared(nonlinearity: str, param=None) -> float:
    """The square of :func:`calculate_gain`: the factor on the variance."""
    if nonlinearity in LINEAR_FNS:
        return 1.0
    if nonlinearity == "tanh":
        return 25.0 / 9.0
    if nonlinearity == "relu":
        return 2.0
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float, np.number)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError("leaky_relu's param is the negative slope, a number; "
                             f"got {param!r}.")
        return 2.0 / (1.0 + slope ** 2)
    if nonlinearity == "selu":
        return 9.0 / 16.0  # torch's value, found empirically
    raise ValueError(f"nonlinearity must be one of {NONLINEARITIES}; got {nonlinearity!r}.")


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The gain g that torch recommends after ``nonlinearity`` (the std is multiplied by g).

    linear, conv*, sigmoid: 1; tanh: 5/3; relu: sqrt(2); leaky_relu:
    sqrt(2 / (1 + slope^2)) with ``param`` the slope (default 0.01); selu: 3/4.
    Equal to ``torch.nn.init.calculate_gain`` (which returns the int 1 where we return 1.0).
    """
    return math.sqrt(_gain_squared(nonlinearity, param))


def fan_in_and_fan_out(shape) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of ``shape`` (a tuple, an array or a Parameter).

    Shape (out, in, *kernel) -> ``(in * prod(kernel), out * prod(kernel))``, as
    torch's ``_calculate_fan_in_and_fan_out``; fewer than 2 dimensions -> ValueError.
    """
    shape = tuple(getattr(shape, "shape", shape))
    if len(shape) < 2:
        raise ValueError("fan_in and fan_out need a weight with at least 2 dimensions "
                         f"(out, in, ...); got shape {shape}.")
    receptive_field = math.prod(int(s) for s in shape[2:])
    return int(shape[1]) * receptive_field, int(shape[0]) * receptive_field


def _fan(shape, mode: str) -> int:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}; got {mode!r}.")
    fan_in, fan_out = fan_in_and_fan_out(shape)
    return fan_in if mode == "fan_in" else fan_out


# Each scheme's target variance as a fraction (numerator, denominator). The draw
# takes std = sqrt(num / den) or bound = sqrt(3 num / den) from it, the one
# formula behind the in-place fills, the new-array versions and init_std.
def _xavier_var(fan_in: int, fan_out: int, gain: float) -> tuple[float, int]:
    return 2.0 * gain * gain, fan_in + fan_out


def _kaiming_var(fan: int, a, nonlinearity: str) -> tuple[float, int]:
    return _gain_squared(nonlinearity, a), fan


def _lecun_var(fan_in: int) -> tuple[float, int]:
    return 1.0, fan_in


def init_std(scheme: str, fan_in: int, fan_out: int | None = None,
             nonlinearity: str | None = None, param=None) -> float:
    """The standard deviation of the weights that ``scheme`` draws.

    * ``"torch"``: torch.nn.Linear's default, U(+-1/sqrt(fan_in)): 1/sqrt(3 fan_in);
    * ``"xavier"``: g sqrt(2 / (fan_in + fan_out)), g = calculate_gain(nonlinearity,
      param) with nonlinearity "linear" by default (g = 1);
    * ``"he"`` (= ``"kaiming"``, mode "fan_in"): g / sqrt(fan_in), nonlinearity "relu" by default;
    * ``"lecun"``: 1/sqrt(fan_in).

    The uniform and the normal version of a scheme share this std.
    """
    if scheme == "torch":
        return float(1.0 / np.sqrt(3.0 * fan_in))
    if scheme == "xavier":
        if fan_out is None:
            raise ValueError("init_std('xavier', ...) needs fan_out as well as fan_in.")
        gain = calculate_gain(nonlinearity or "linear", param)
        num, den = _xavier_var(fan_in, fan_out, gain)
    elif scheme in ("he", "kaiming"):
        num, den = _kaiming_var(fan_in, param, nonlinearity or "relu")
    elif scheme == "lecun":
        num, den = _lecun_var(fan_in)
    else:
        raise ValueError(f"scheme must be one of {SCHEMES}; got {scheme!r}.")
    return float(np.sqrt(num / den))


# ------------------------------------------------------------------ the draws
def _target(w) -> np.ndarray:
    """The array to fill: ``w.data`` for a Parameter, ``w`` itself for a float64 ndarray."""
    arr = w.data if isinstance(w, Parameter) else w
    if not isinstance(arr, np.ndarray) or arr.dtype != np.float64:
        kind = arr.dtype if isinstance(arr, np.ndarray) else type(arr).__name__
        raise ValueError("w must be a Parameter or a float64 np.ndarray (filled in place); "
                         f"got {kind}.")
    return arr


def _check_rng(rng) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a np.random.Generator (np.random.default_rng(seed)); "
                         f"got {type(rng).__name__}.")


def _new(shape) -> np.ndarray:
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if not all(isinstance(s, (int, np.integer)) and s >= 0 for s in shape):
        raise ValueError(f"shape must be a tuple of non-negative ints; got {shape!r}.")
    return np.zeros(shape)


def _draw(arr: np.ndarray, rng, dist: str, num: float, den: int) -> np.ndarray:
    """Fill ``arr`` with zero-mean draws of variance ``num / den``: normal or uniform."""
    _check_rng(rng)
    if arr.size == 0:  # nothing to draw (torch warns and returns the tensor too)
        return arr
    if dist == "normal":
        arr[...] = rng.normal(0.0, np.sqrt(num / den), size=arr.shape)
    else:
        bound = np.sqrt(3.0 * num / den)
        arr[...] = rng.uniform(-bound, bound, size=arr.shape)
    return arr


def zeros_(w) -> np.ndarray:
    """Fill ``w`` (any shape) with 0 in place; returns the array."""
    return constant_(w, 0.0)


def constant_(w, value: float) -> np.ndarray:
    """Fill ``w`` (any shape) with ``value`` in place; returns the array."""
    if not np.isfinite(value):
        raise ValueError(f"value must be a finite number; got {value!r}.")
    arr = _target(w)
    arr[...] = value
    return arr


def normal_(w, rng, mean: float = 0.0, std: float = 1.0) -> np.ndarray:
    """Fill ``w`` (any shape) with draws from N(mean, std^2) in place; returns the array."""
    arr = _target(w)
    _check_rng(rng)
    if not (np.isfinite(mean) and np.isfinite(std) and std >= 0):
        raise ValueError("need a finite mean and a finite std >= 0; "
                         f"got mean={mean!r}, std={std!r}.")
    arr[...] = rng.normal(mean, std, size=arr.shape)
    return arr


def uniform_(w, rng, a: float = 0.0, b: float = 1.0) -> np.ndarray:
    """Fill ``w`` (any shape) with draws from U[a, b) in place; returns the array."""
    arr = _target(w)
    _check_rng(rng)
    if not (np.isfinite(a) and np.isfinite(b) and a <= b):
        raise ValueError(f"need finite bounds a <= b; got a={a!r}, b={b!r}.")
    arr[...] = rng.uniform(a, b, size=arr.shape)
    return arr


def xavier_uniform_(w, rng, gain: float = 1.0) -> np.ndarray:
    """Glorot and Bengio: U[-bound, bound], bound = gain sqrt(6 / (fan_in + fan_out)).

    ``w`` of shape (out, in, ...) filled in place (variance gain^2 2/(fan_in + fan_out)).
    """
    arr = _target(w)
    return _draw(arr, rng, "uniform", *_xavier_var(*fan_in_and_fan_out(arr.shape), gain))


def xavier_normal_(w, rng, gain: float = 1.0) -> np.ndarray:
    """Glorot and Bengio: N(0, std^2), std = gain sqrt(2 / (fan_in + fan_out)); in place."""
    arr = _target(w)
    return _draw(arr, rng, "normal", *_xavier_var(*fan_in_and_fan_out(arr.shape), gain))


def kaiming_uniform_(w, rng, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> np.ndarray:
    """He et al.: U[-bound, bound], bound = g sqrt(3 / fan), g = calculate_gain(nonlinearity, a).

    ``fan`` is fan_in (``mode="fan_in"``, keeps the forward variance) or fan_out
    (keeps the backward one). torch's defaults: a = 0 with "leaky_relu" (so g = sqrt(2)).
    torch.nn.Linear's own default is ``a = sqrt(5)``: bound 1/sqrt(fan_in).
    """
    arr = _target(w)
    return _draw(arr, rng, "uniform", *_kaiming_var(_fan(arr.shape, mode), a, nonlinearity))


def kaiming_normal_(w, rng, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> np.ndarray:
    """He et al.: N(0, std^2), std = g / sqrt(fan), g and fan as in :func:`kaiming_uniform_`."""
    arr = _target(w)
    return _draw(arr, rng, "normal", *_kaiming_var(_fan(arr.shape, mode), a, nonlinearity))


def lecun_uniform_(w, rng) -> np.ndarray:
    """LeCun: U[-bound, bound], bound = sqrt(3 / fan_in) (variance 1/fan_in). Not in torch."""
    arr = _target(w)
    return _draw(arr, rng, "uniform", *_lecun_var(fan_in_and_fan_out(arr.shape)[0]))


def lecun_normal_(w, rng) -> np.ndarray:
    """LeCun: N(0, 1/fan_in) (Keras truncates its normal; we do not). Not in torch."""
    arr = _target(w)
    return _draw(arr, rng, "normal", *_lecun_var(fan_in_and_fan_out(arr.shape)[0]))


# ------------------------------------------------------------------ new arrays
def zeros(shape) -> np.ndarray:
    """A new float64 array of ``shape`` filled with 0."""
    return _new(shape)


def constant(shape, value: float) -> np.ndarray:
    """A new array of ``shape`` filled by :func:`constant_`."""
    return constant_(_new(shape), value)


def normal(shape, rng, mean: float = 0.0, std: float = 1.0) -> np.ndarray:
    """A new array of ``shape`` filled by :func:`normal_`."""
    return normal_(_new(shape), rng, mean, std)


def uniform(shape, rng, a: float = 0.0, b: float = 1.0) -> np.ndarray:
    """A new array of ``shape`` filled by :func:`uniform_`."""
    return uniform_(_new(shape), rng, a, b)


def xavier_uniform(shape, rng, gain: float = 1.0) -> np.ndarray:
    """A new array of ``shape`` (out, in, ...) filled by :func:`xavier_uniform_`."""
    return xavier_uniform_(_new(shape), rng, gain)


def xavier_normal(shape, rng, gain: float = 1.0) -> np.ndarray:
    """A new array of ``shape`` (out, in, ...) filled by :func:`xavier_normal_`."""
    return xavier_normal_(_new(shape), rng, gain)


def kaiming_uniform(shape, rng, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> np.ndarray:
    """A new array of ``shape`` (out, in, ...) filled by :func:`kaiming_uniform_`."""
    return kaiming_uniform_(_new(shape), rng, a, mode, nonlinearity)


def kaiming_normal(shape, rng, a: float = 0.0, mode: str = "fan_in",
                   nonlinearity: str = "leaky_relu") -> np.ndarray:
    """A new array of ``shape`` (out, in, ...) filled by :func:`kaiming_normal_`."""
    return kaiming_normal_(_new(shape), rng, a, mode, nonlinearity)


def lecun_uniform(shape, rng) -> np.ndarray:
    """A new array of ``shape`` (out, in, ...) filled by :func:`lecun_uniform_`."""
    return lecun_uniform_(_new(shape), rng)


def lecun_normal(shape, rng) -> np.ndarray:
    """A new array of ``shape`` (out, in, ...) filled by :func:`lecun_normal_`."""
    return lecun_normal_(_new(shape), rng)
