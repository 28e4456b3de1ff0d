"""Numerical derivatives by central differences, and the checks built on them.

Chapter 1 ("Derivatives") uses every function here; later chapters use
:func:`rel_error` and :func:`check_grad` to verify hand-written backward passes.

Conventions (the book's, see the notation table in the introduction):

* ``x`` is a float64 vector of shape ``(D,)`` (a scalar is promoted to ``(1,)``
  only where a function says so).
* The *derivative* of a scalar ``f`` is a row vector; the *gradient* is its
  transpose. In numpy both are arrays of shape ``(D,)``.
* The *Jacobian* of ``f: R^D -> R^M`` has shape ``(M, D)``: row ``i`` is output
  ``i``, column ``j`` is input ``j``.

All differences are central: ``(f(x + h e_j) - f(x - h e_j)) / (2h)``, whose
truncation error is ``O(h^2)``.  Round-off adds about ``eps_machine * |f| / h``,
so the total error is smallest near ``h ~ eps_machine ** (1/3) ~ 6e-6``; the
default step ``h = 1e-5`` sits there.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = [
    "derivative",
    "gradient",
    "jacobian",
    "hessian",
    "directional_derivative",
    "rel_error",
    "fd_noise",
    "check_grad",
    "GradCheck",
    "classify_critical_point",
]

DEFAULT_H = 1e-5
SCALE = 1e-3  # entries below SCALE x the largest are judged against that size


def _as_vector(x, name: str = "x") -> np.ndarray:
    """Return ``x`` as a finite float64 vector of shape (D,), or raise ValueError."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a vector of shape (D,); got an array of shape {arr.shape}. "
            "Flatten it first (x.ravel()) if you mean all of its entries."
        )
    if arr.size == 0:
        raise ValueError(f"{name} must have at least one entry; got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got {arr} (contains nan or inf).")
    return arr


def _check_h(h: float) -> float:
    h = float(h)
    if not np.isfinite(h) or h <= 0:
        raise ValueError(f"step h must be a positive finite number; got {h}.")
    return h


def _scalar(value, what: str) -> float:
    arr = np.asarray(value, dtype=np.float64)
    if arr.size != 1:
        raise ValueError(f"{what} must return a scalar; got an array of shape {arr.shape}.")
    return float(arr.reshape(()))


def derivative(f: Callable[[float], float], x: float, h: float = DEFAULT_H) -> float:
    """Central-difference derivative of a scalar function of one scalar.

    Inputs: ``f`` maps a float to a float; ``x`` a finite float; ``h`` > 0.
    Returns: ``(f(x + h) - f(x - h)) / (2 h)``, a float.
    """
    h = _check_h(h)
    if np.ndim(x) != 0:
        raise ValueError(f"x must be a scalar; got an array of shape {np.shape(x)}. Use gradient() for vectors.")
    x0 = float(_as_vector(x)[0])
    return (_scalar(f(x0 + h), "f") - _scalar(f(x0 - h), "f")) / (2 * h)


def gradient(f: Callable[[np.ndarray], float], x, h: float = DEFAULT_H) -> np.ndarray:
    """Central-difference gradient of a scalar function of a vector.

    Inputs: ``f`` maps an array of shape (D,) to a scalar; ``x`` of shape (D,).
    Returns: the gradient, shape (D,); entry ``j`` is ``df/dx_j``.
    """
    return jacobian(lambda v: np.atleast_1d(_scalar(f(v), "f")), x, h)[0]


def jacobian(f: Callable[[np.ndarray], np.ndarray], x, h: float = DEFAULT_H) -> np.ndarray:
    """Central-difference Jacobian of a vector function of a vector.

    Inputs: ``f`` maps an array of shape (D,) to an array of shape (M,)
    (a scalar output counts as M = 1); ``x`` of shape (D,).
    Returns: ``J`` of shape (M, D) with ``J[i, j] = d f_i / d x_j``.
    """
    x = _as_vector(x)
    h = _check_h(h)
    f0 = np.atleast_1d(np.asarray(f(x.copy()), dtype=np.float64))
    if f0.ndim != 1:
        raise ValueError(f"f must return a vector of shape (M,); got shape {f0.shape}.")
    J = np.empty((f0.size, x.size))
    for j in range(x.size):
        step = np.zeros_like(x)
        step[j] = h
        fp = np.atleast_1d(np.asarray(f(x + step), dtype=np.float64))
        fm = np.atleast_1d(np.asarray(f(x - step), dtype=np.float64))
        if fp.shape != f0.shape or fm.shape != f0.shape:
            raise ValueError(f"f changed its output shape: {f0.shape} at x, {fp.shape} and {fm.shape} nearby.")
        J[:, j] = (fp - fm) / (2 * h)
    return J


def hessian(f: Callable[[np.ndarray], float], x, h: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of a scalar function of a vector.

    Inputs: ``f`` maps shape (D,) to a scalar; ``x`` of shape (D,); ``h`` > 0
    (default 1e-4: second differences divide by h**2, so the round-off floor
    sits at a larger step than for first differences).
    Returns: ``H`` of shape (D, D), symmetrised, ``H[i, j] = d^2 f / dx_i dx_j``.
    """
    x = _as_vector(x)
    h = _check_h(h)
    D = x.size
    H = np.empty((D, D))
    E = np.eye(D) * h
    f0 = _scalar(f(x), "f")
    for i in range(D):
        H[i, i] = (_scalar(f(x + E[i]), "f") - 2 * f0 + _scalar(f(x - E[i]), "f")) / h**2
        for j in range(i + 1, D):
            fpp = _scalar(f(x + E[i] + E[j]), "f")
            fpm = _scalar(f(x + E[i] - E[j]), "f")
            fmp = _scalar(f(x - E[i] + E[j]), "f")
            fmm = _scalar(f(x - E[i] - E[j]), "f")
            H[i, j] = H[j, i] = (fpp - fpm - fmp + fmm) / (4 * h**2)
    return H


def directional_derivative(f: Callable[[np.ndarray], float], x, u, h: float = DEFAULT_H) -> float:
    """Rate of change of ``f`` at ``x`` along the unit vector ``u / |u|``.

    Inputs: ``x`` and ``u`` of the same shape (D,), ``u`` non-zero.
    Returns: ``(f(x + h u) - f(x - h u)) / (2 h)`` with ``u`` normalised, which
    equals ``grad f(x) . u = |grad f| cos(phi)``, ``phi`` the angle between ``u`` and the gradient.
    """
    x = _as_vector(x)
    u = _as_vector(u, "u")
    if u.shape != x.shape:
        raise ValueError(f"u must have the shape of x, {x.shape}; got {u.shape}.")
    norm = np.linalg.norm(u)
    if norm == 0:
        raise ValueError("u must be a non-zero direction; got the zero vector.")
    u = u / norm
    h = _check_h(h)
    return (_scalar(f(x + h * u), "f") - _scalar(f(x - h * u), "f")) / (2 * h)


def rel_error(a, b, floor: float = 1e-12, scale: float = SCALE) -> float:
    """Largest elementwise relative error, each entry judged against its own
    size or, if it is tiny, against the size of the whole array.

    ``err_i = |a_i - b_i| / max(|a_i| + |b_i|, scale * (max|a| + max|b|), floor)``

    Inputs: arrays of the same shape; ``scale`` >= 0 (default 1e-3);
    ``floor`` > 0, an absolute size below which every number counts as 0.
    Returns: the largest ``err_i``, a float in [0, 1] (1 means opposite signs,
    or one of the two zero where the other is not tiny).

    Why the ``scale`` term: an entry whose true value is 0 (at or near a
    critical point, or a weight that does not affect the loss) gets from
    central differences a value of rounding-noise size, say 1e-16 or 1e-11;
    against itself that is a relative error of 1. So such entries are judged
    against the scale of the whole gradient: an entry smaller than
    ``scale`` times the largest is compared with that size instead. A wrong
    entry is still caught: if the true value is 0 and the analytic one is
    comparable to the rest of the gradient, the error is about 1.

    In float64 a correct smooth gradient typically gives 1e-8 to 1e-11 against
    central differences; above 1e-6 something is wrong (or the function has a
    kink nearby). When *every* entry is rounding noise (an exact critical
    point), the arrays alone carry no scale: use :func:`check_grad`, which
    knows ``f`` and the size of its rounding errors.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error compares arrays of the same shape; got {a.shape} and {b.shape}.")
    return float(np.max(_rel_errors(a, b, floor, scale), initial=0.0))


def _rel_errors(a: np.ndarray, b: np.ndarray, floor: float, scale: float) -> np.ndarray:
    """The array of ``err_i`` of :func:`rel_error` (same shape as ``a``)."""
    floor, scale = float(floor), float(scale)
    if not (np.isfinite(floor) and floor > 0):
        raise ValueError(f"floor must be a positive finite number; got {floor}.")
    if not (np.isfinite(scale) and scale >= 0):
        raise ValueError(f"scale must be a finite number >= 0; got {scale}.")
    if a.size == 0:
        return np.zeros(a.shape)
    size = np.abs(a) + np.abs(b)
    whole = scale * (np.max(np.abs(a)) + np.max(np.abs(b)))
    return np.abs(a - b) / np.maximum(size, max(whole, floor))


def fd_noise(f: Callable[[np.ndarray], float], x, h: float = DEFAULT_H) -> float:
    """How far a central-difference gradient of ``f`` at ``x`` may be from the truth.

    Inputs: ``f`` maps shape (D,) to a scalar; ``x`` of shape (D,); ``h`` > 0.
    Returns: ``10 * max_j max(r_j, |d_j(h) - d_j(2h)|)``, a float >= 0, where
    ``d_j(s)`` is the central difference of entry ``j`` with step ``s`` and
    ``r_j = eps / h * (max|f(x +- h e_j)| + |x_j| * max|f(x +- h e_j) - f(x)| / h)``.

    ``r_j`` bounds the rounding (chapter 1, section 6): each value of ``f``
    carries a relative error of about ``eps`` (machine epsilon), which the
    division by ``2h`` turns into ``eps |f| / h``; and ``x_j +- h`` is itself
    rounded, by up to ``eps |x_j|``, which moves ``f`` by the slope there times
    that amount. It assumes ``f`` is computed to a few roundings of ``|f|``;
    a function computed by cancellation (``1/2 w^T A w - b^T w + c`` near its
    minimum, whose terms are far larger than their sum) rounds more, and the
    change of the estimate when the step is doubled sees that (and the
    truncation error). The factor 10 is a safety margin. At an exact critical
    point this is the whole size of the numerical gradient.
    """
    x = _as_vector(x)
    h = _check_h(h)
    f0 = _scalar(f(x.copy()), "f")
    worst = 0.0
    for j in range(x.size):
        step = np.zeros_like(x)
        step[j] = h
        fp, fm = _scalar(f(x + step), "f"), _scalar(f(x - step), "f")
        fp2, fm2 = _scalar(f(x + 2 * step), "f"), _scalar(f(x - 2 * step), "f")
        rounding = np.finfo(np.float64).eps / h * (
            max(abs(fp), abs(fm)) + abs(x[j]) * max(abs(fp - f0), abs(fm - f0)) / h
        )
        doubling = abs((fp - fm) / (2 * h) - (fp2 - fm2) / (4 * h))
        worst = max(worst, rounding, doubling)
    return 10 * worst


@dataclass
class GradCheck:
    """Result of :func:`check_grad`: worst relative error and where it occurred."""

    max_rel_error: float
    worst_index: int
    analytic: float
    numeric: float
    tol: float

    @property
    def ok(self) -> bool:
        return self.max_rel_error < self.tol

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        verdict = "OK" if self.ok else "MISMATCH"
        return (
            f"{verdict}: max relative error {self.max_rel_error:.2e} (tolerance {self.tol:.0e}) "
            f"at component {self.worst_index}: analytic {self.analytic:.6g}, numeric {self.numeric:.6g}"
        )


def check_grad(f, grad_f, x, h: float = DEFAULT_H, tol: float = 1e-6, scale: float = SCALE) -> GradCheck:
    """Compare an analytic gradient with central differences, component by component.

    Inputs: ``f`` maps shape (D,) to a scalar; ``grad_f`` maps shape (D,) to the
    gradient, shape (D,); ``x`` of shape (D,); ``tol`` > 0; ``scale`` >= 0.
    Returns: a :class:`GradCheck` (truthy when the worst relative error < ``tol``)
    naming the worst component, so a wrong entry is easy to find.

    The error of component ``i`` is that of :func:`rel_error`,
    ``|a_i - n_i| / max(|a_i| + |n_i|, scale * (max|a| + max|n|), floor)``
    (``a`` analytic, ``n`` numeric), with the absolute ``floor`` set by the
    central differences themselves: ``fd_noise(f, x, h) / tol``. An entry
    smaller than that cannot be checked to a relative precision ``tol``,
    because the numerical value itself is uncertain by ``fd_noise``; so at an
    exact critical point (analytic 0, numeric 1e-16) the check passes, while an
    analytic entry comparable to the rest of the gradient where the truth is 0
    still gives an error near 1.
    """
    x = _as_vector(x)
    tol = float(tol)
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive finite number; got {tol}.")
    g_a = np.asarray(grad_f(x.copy()), dtype=np.float64)
    if g_a.shape != x.shape:
        raise ValueError(f"grad_f must return the shape of x, {x.shape}; got {g_a.shape}.")
    g_n = gradient(f, x, h)
    floor = max(fd_noise(f, x, h) / tol, np.finfo(np.float64).tiny)
    errs = _rel_errors(g_a, g_n, floor, scale)
    k = int(np.argmax(errs))
    return GradCheck(float(errs[k]), k, float(g_a[k]), float(g_n[k]), tol)


def classify_critical_point(H, tol: float = 1e-8) -> str:
    """Classify a critical point from its Hessian ``H`` (D, D) by the signs of its eigenvalues.

    Returns ``"minimum"`` (all > tol), ``"maximum"`` (all < -tol), ``"saddle"``
    (some > tol and some < -tol) or ``"degenerate"`` (an eigenvalue within tol
    of zero and no sign change: second-order information cannot decide).
    """
    H = np.asarray(H, dtype=np.float64)
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise ValueError(f"H must be a square matrix of shape (D, D); got shape {H.shape}.")
    lam = np.linalg.eigvalsh((H + H.T) / 2)
    pos, neg = np.any(lam > tol), np.any(lam < -tol)
    if pos and neg:
        return "saddle"
    if np.any(np.abs(lam) <= tol):
        return "degenerate"
    return "minimum" if pos else "maximum"
