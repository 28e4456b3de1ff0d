"""Two linear classifiers for chapter 3's "backprop versus perceptron" section.

* :func:`perceptron` - Rosenblatt's rule: on each mistake, w <- w + y x. It
  stops at the first separator it meets (if the data are separable).
* :func:`logistic_regression` - minimises the mean logistic loss plus a small
  L2 penalty, the loss that a sigmoid output unit trained by backpropagation
  minimises. Its minimiser is unique and need not separate the data.

Labels are y in {-1, +1}; inputs X of shape (N, D); a classifier is (w, b)
with w of shape (D,) and b a float, predicting sign(X w + b).
"""
from __future__ import annotations

import numpy as np

__all__ = ["perceptron", "logistic_loss", "logistic_regression", "accuracy", "boundary_angle"]


def _check(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must have shape (N, D) and y shape (N,); got {X.shape} and {y.shape}.")
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError(f"labels y must be -1 or +1; got values {np.unique(y)[:5]}.")
    return X, y


def perceptron(X, y, max_epochs: int = 1000, w0=None, b0: float = 0.0) -> tuple[np.ndarray, float, int, bool]:
    """Rosenblatt's perceptron, cycling through the points in order.

    Inputs: ``X`` (N, D), ``y`` (N,) in {-1, +1}; ``max_epochs`` passes at
    most; ``w0`` (D,) and ``b0`` the start (zeros by default).
    Returns: ``w`` (D,), ``b`` float, the number of updates, and whether the
    last pass made no mistake (a separator was found).
    """
    X, y = _check(X, y)
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=np.float64)
    b, updates = float(b0), 0
    for _ in range(max_epochs):
        mistakes = 0
        for x_n, y_n in zip(X, y):
            if y_n * (x_n @ w + b) <= 0:
                w += y_n * x_n
                b += y_n
                mistakes += 1
        updates += mistakes
        if mistakes == 0:
            return w, b, updates, True
    return w, b, updates, False


def logistic_loss(w, b: float, X, y, l2: float = 0.0) -> float:
    """Mean log(1 + exp(-y (x.w + b))) + l2/2 |w|^2 (computed without overflow); the bias b is not penalised."""
    X, y = _check(X, y)
    margins = y * (X @ w + b)
    return float(np.mean(np.logaddexp(0.0, -margins)) + 0.5 * l2 * np.dot(w, w))


def _grad_hess(theta: np.ndarray, Xa: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, np.ndarray]:
    N, D1 = Xa.shape
    m = y * (Xa @ theta)
    s = 0.5 * (1.0 - np.tanh(0.5 * m))  # sigmoid(-m), stable for any m
    reg = l2 * np.eye(D1)
    reg[-1, -1] = 0.0  # the bias is not penalised
    g = -(Xa.T @ (y * s)) / N + reg @ theta
    H = (Xa.T * (s * (1 - s))) @ Xa / N + reg
    return g, H


def logistic_regression(X, y, l2: float = 1e-2, steps: int = 50, tol: float = 1e-12) -> tuple[np.ndarray, float]:
    """The minimiser of :func:`logistic_loss` with penalty ``l2`` > 0, by Newton's method.

    Inputs: ``X`` (N, D), ``y`` (N,) in {-1, +1}, ``l2`` > 0 (the penalty is
    l2/2 |w|^2 on the weights, none on the bias; it keeps the minimiser finite
    even on separable data); at most ``steps`` Newton steps, stopping when the
    gradient's norm is below ``tol``. Returns ``w`` (D,) and ``b``.
    """
    X, y = _check(X, y)
    if not l2 > 0:
        raise ValueError(f"l2 must be positive so that the minimiser exists; got {l2!r}.")
    Xa = np.hstack([X, np.ones((X.shape[0], 1))])
    theta = np.zeros(Xa.shape[1])
    for _ in range(steps):
        g, H = _grad_hess(theta, Xa, y, l2)
        if np.linalg.norm(g) < tol:
            break
        theta = theta - np.linalg.solve(H, g)
    return theta[:-1], float(theta[-1])


def accuracy(w, b: float, X, y) -> float:
    """Fraction of points with y (x.w + b) > 0."""
    X, y = _check(X, y)
    return float(np.mean(y * (X @ w + b) > 0))


def boundary_angle(w) -> float:
    """Direction of the normal vector w (2,) in degrees, in (-180, 180]."""
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (2,):
        raise ValueError(f"boundary_angle needs a 2-D weight vector; got shape {w.shape}.")
    return float(np.degrees(np.arctan2(w[1], w[0])))
