"""Synthetic data sets with known answers (chapter 5, "Minibatches").

* :func:`linear_regression`: ``y = X w_true + noise * eps``, so the best
  possible weights and the best possible loss (``noise**2``) are known;
* :func:`two_moons`: two interleaved half circles, as scikit-learn's
  ``make_moons`` lays them out;
* :func:`spirals`: K interleaved spiral arms, as in the CS231n notes.

Every generator takes an ``rng`` (``np.random.default_rng(seed)``) and draws
nothing from anywhere else. Inputs are float64, labels int64.
"""
from __future__ import annotations

import numpy as np

__all__ = ["linear_regression", "two_moons", "spirals"]


def _count(n, name: str, least: int = 1) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < least:
        raise ValueError(f"{name} must be an int >= {least}; got {n!r}.")
    return int(n)


def _noise(noise, name: str = "noise") -> float:
    if not np.isscalar(noise) or not np.isfinite(noise) or noise < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {noise!r}.")
    return float(noise)


def _rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a np.random.Generator (np.random.default_rng(seed)); got {type(rng).__name__}.")
    return rng


def linear_regression(n: int, d: int, rng: np.random.Generator, noise: float = 0.1,
                      w=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Noisy linear regression with known true weights (no bias term).

    Inputs: ``n`` >= 1 examples; ``d`` >= 1 features; ``rng``; ``noise`` the
    standard deviation sigma >= 0 of the Gaussian noise; ``w`` the true
    weights of shape (d,), or None to draw them standard normal from ``rng``.
    Returns: ``X`` of shape (n, d) with standard normal entries, ``y = X w_true
    + noise * eps`` of shape (n,) with eps standard normal, and ``w_true`` of
    shape (d,) (a copy of ``w`` if given). Draw order: ``w`` (if None), ``X``, eps.

    The expected squared error of ``w_true`` on a new example is ``noise**2``:
    no model does better, so it is the floor a training curve approaches.
    """
    n, d = _count(n, "n"), _count(d, "d")
    _rng(rng)
    noise = _noise(noise)
    if w is None:
        w_true = rng.standard_normal(d)
    else:
        w_true = np.array(w, dtype=np.float64)
        if w_true.shape != (d,) or not np.all(np.isfinite(w_true)):
            raise ValueError(f"w must be a finite array of shape ({d},); got shape {w_true.shape}.")
    X = rng.standard_normal((n, d))
    y = X @ w_true + noise * rng.standard_normal(n)
    return X, y, w_true


def two_moons(n: int, rng: np.random.Generator, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, scikit-learn's ``make_moons`` layout, shuffled.

    Inputs: ``n`` >= 2 points; ``rng``; ``noise`` the standard deviation of
    Gaussian noise added to each coordinate.
    Returns: ``X`` float64 of shape (n, 2) and ``y`` int64 of shape (n,).
    Class 0 (n // 2 points) lies on the upper half circle ``(cos t, sin t)``,
    class 1 (the rest) on ``(1 - cos t, 1/2 - sin t)``, t evenly spaced in
    [0, pi]; then noise is added and the rows shuffled with ``rng``.
    """
    n = _count(n, "n", least=2)
    _rng(rng)
    noise = _noise(noise)
    n0 = n // 2
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n - n0)
    X = np.concatenate([np.column_stack([np.cos(t0), np.sin(t0)]),
                        np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])])
    y = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n - n0, dtype=np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    perm = rng.permutation(n)
    return X[perm], y[perm]


def spirals(n: int, rng: np.random.Generator, classes: int = 3, noise: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms (the CS231n "spiral" data), shuffled.

    Inputs: ``n`` >= ``classes`` points; ``rng``; ``classes`` K >= 2;
    ``noise`` the standard deviation of Gaussian noise on the *angle* (radians).
    Returns: ``X`` float64 of shape (n, 2) and ``y`` int64 of shape (n,).
    Class k gets n // K points (the first n mod K classes one more); its i-th of
    m points has radius ``r = i / (m - 1)`` (0 if m = 1) and angle ``4 k + 4 r +
    noise * eps``, at ``r (sin angle, cos angle)``. Not linearly separable for
    K >= 2: the data set for seeing a hidden layer earn its keep.
    """
    K = _count(classes, "classes", least=2)
    n = _count(n, f"n (at least one point per class, classes = {K})", least=K)
    _rng(rng)
    noise = _noise(noise)
    sizes = [n // K + (1 if k < n % K else 0) for k in range(K)]
    parts, labels = [], []
    for k, m in enumerate(sizes):
        r = np.linspace(0.0, 1.0, m)
        angle = 4.0 * k + 4.0 * r + noise * rng.standard_normal(m)
        parts.append(np.column_stack([r * np.sin(angle), r * np.cos(angle)]))
        labels.append(np.full(m, k, dtype=np.int64))
    X, y = np.concatenate(parts), np.concatenate(labels)
    perm = rng.permutation(n)
    return X[perm], y[perm]
