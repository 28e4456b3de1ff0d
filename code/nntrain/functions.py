"""Non-quadratic test problems with the same interface as :class:`nntrain.quadratic.Quadratic`.

Every problem here has ``dim``, ``loss(w)``, ``grad(w)``, ``hessian(w)`` and
``minimizer()`` (the global minimiser, or the list of local ones for
:class:`TwoBasins`). ``loss`` accepts one point of shape (D,) and returns a
float, or a batch of points of shape (..., D) and returns an array of shape
(...), so a grid of points can be contoured in one call. ``grad`` keeps the
shape of its input; ``hessian`` takes one point (D,) and returns (D, D).

* :class:`Rosenbrock` - the banana valley (a - x)^2 + b (y - x^2)^2 (chapter 3,
  Newton against gradient descent; chapter 4, adaptive methods).
* :class:`TwoBasins` - a 1-D function with a shallow, narrow local minimum and a
  deeper, wide global one (chapter 3: a large step can escape the poor basin).
* :class:`Cliff` - a gentle 1-D slope with a sudden drop (chapter 3: one step on
  the cliff face throws the iterate far away; gradient clipping prevents it).
"""
from __future__ import annotations

import numpy as np

__all__ = ["Rosenbrock", "TwoBasins", "Cliff"]


def _points(w, dim: int) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    if w.ndim == 0 or w.shape[-1] != dim:
        raise ValueError(f"w must have shape ({dim},) or (..., {dim}); got {w.shape}.")
    return w


def _point(w, dim: int) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (dim,):
        raise ValueError(f"w must be one point of shape ({dim},); got {w.shape}.")
    return w


class Rosenbrock:
    """E(x, y) = (a - x)^2 + b (y - x^2)^2, minimum 0 at (a, a^2).

    Inputs: ``a``, ``b`` floats with ``b > 0``. Points ``w = (x, y)`` of shape
    (2,) or (..., 2).
    """

    dim = 2

    def __init__(self, a: float = 1.0, b: float = 100.0):
        if not (np.isfinite(a) and np.isfinite(b)) or b <= 0:
            raise ValueError(f"Rosenbrock needs finite a and b > 0; got a={a}, b={b}.")
        self.a = float(a)
        self.b = float(b)

    def loss(self, w) -> np.ndarray | float:
        """E(w): float for ``w`` of shape (2,), array of shape (...) for (..., 2)."""
        w = _points(w, 2)
        x, y = w[..., 0], w[..., 1]
        val = (self.a - x) ** 2 + self.b * (y - x**2) ** 2
        return float(val) if w.ndim == 1 else val

    __call__ = loss

    def grad(self, w) -> np.ndarray:
        """Gradient, same shape as ``w``: (-2(a - x) - 4 b x (y - x^2), 2 b (y - x^2))."""
        w = _points(w, 2)
        x, y = w[..., 0], w[..., 1]
        r = y - x**2
        return np.stack([-2 * (self.a - x) - 4 * self.b * x * r, 2 * self.b * r], axis=-1)

    def hessian(self, w) -> np.ndarray:
        """Hessian (2, 2) at one point ``w`` of shape (2,)."""
        x, y = _point(w, 2)
        return np.array([[2 - 4 * self.b * (y - x**2) + 8 * self.b * x**2, -4 * self.b * x],
                         [-4 * self.b * x, 2 * self.b]])

    def minimizer(self) -> np.ndarray:
        """The unique minimiser (a, a^2), shape (2,)."""
        return np.array([self.a, self.a**2])

    def __repr__(self) -> str:
        return f"Rosenbrock(a={self.a}, b={self.b})"


class TwoBasins:
    """A 1-D loss with a narrow, shallow local minimum and a wide, deep global one.

    E(w) = w^2 / 8 - depth * exp(-(w - centre)^2 / (2 width^2)), w of shape (1,)
    or (..., 1). The wide parabola w^2/8 (curvature 1/4) holds the global minimum
    near 0; the narrow Gaussian dip (curvature about depth / width^2) carves a
    local minimum near ``centre``. A step size that is stable in the wide basin
    (eta < 8) but unstable in the narrow one (eta > 2 width^2 / depth, about)
    cannot settle in the poor minimum: it is thrown out and lands in the good one.

    Inputs: ``depth > 0``, ``centre`` (float), ``width > 0``.
    """

    dim = 1

    def __init__(self, depth: float = 0.5, centre: float = 3.0, width: float = 0.3):
        if not (depth > 0 and width > 0 and np.isfinite(centre)):
            raise ValueError(f"TwoBasins needs depth > 0, width > 0, finite centre; got {depth}, {width}, {centre}.")
        self.depth, self.centre, self.width = float(depth), float(centre), float(width)

    def _parts(self, w: np.ndarray):
        x = w[..., 0]
        u = (x - self.centre) / self.width
        g = self.depth * np.exp(-0.5 * u**2)
        return x, u, g

    def loss(self, w) -> np.ndarray | float:
        """E(w): float for ``w`` of shape (1,), array of shape (...) for (..., 1)."""
        w = _points(w, 1)
        x, _, g = self._parts(w)
        val = x**2 / 8 - g
        return float(val) if w.ndim == 1 else val

    __call__ = loss

    def grad(self, w) -> np.ndarray:
        """dE/dw, same shape as ``w``."""
        w = _points(w, 1)
        x, u, g = self._parts(w)
        return (x / 4 + g * u / self.width)[..., None]

    def hessian(self, w) -> np.ndarray:
        """Second derivative as a (1, 1) array at one point ``w`` of shape (1,)."""
        w = _point(w, 1)
        _, u, g = self._parts(w)
        return np.array([[0.25 + g * (1 - u**2) / self.width**2]])

    def local_minima(self) -> np.ndarray:
        """All local minimisers, ascending, shape (K, 1), found by Newton from a grid."""
        grid = np.linspace(-10, 10, 4001)[:, None]
        d = self.grad(grid)[:, 0]
        roots = []
        for i in np.nonzero(np.sign(d[:-1]) != np.sign(d[1:]))[0]:
            if d[i] < 0 < d[i + 1]:  # derivative goes - to +: a minimum
                lo, hi = grid[i, 0], grid[i + 1, 0]
                for _ in range(100):  # bisection: robust and exact to round-off
                    mid = 0.5 * (lo + hi)
                    if self.grad(np.array([mid]))[0] < 0:
                        lo = mid
                    else:
                        hi = mid
                roots.append(0.5 * (lo + hi))
        return np.array(roots)[:, None]

    def minimizer(self) -> np.ndarray:
        """The global minimiser, shape (1,)."""
        mins = self.local_minima()
        return mins[np.argmin(self.loss(mins))]

    def __repr__(self) -> str:
        return f"TwoBasins(depth={self.depth}, centre={self.centre}, width={self.width})"


class Cliff:
    """A gentle 1-D slope with a sudden drop: a "cliff" in the loss surface.

    E(w) = slope / 2 (w - w_star)^2 + height * sigmoid(-sharpness (w - edge)),
    w of shape (1,) or (..., 1). Left of ``edge`` the loss sits ``height`` higher
    (the plateau above the cliff); right of it the parabola takes over, with its
    minimum near ``w_star``. On the cliff face the gradient reaches about
    ``height * sharpness / 4``, hundreds of times the slope elsewhere, so a step
    size that suits the gentle parts throws the iterate far away (Pascanu et al.
    2013; the ASU STP598 slides, "cliffs").

    Inputs: ``slope > 0``, ``w_star`` and ``edge`` floats with ``edge < w_star``,
    ``height > 0``, ``sharpness > 0``.
    """

    dim = 1

    def __init__(self, slope: float = 0.2, w_star: float = 3.0, edge: float = 1.0,
                 height: float = 20.0, sharpness: float = 50.0):
        if not (slope > 0 and height > 0 and sharpness > 0 and np.isfinite(w_star) and edge < w_star):
            raise ValueError("Cliff needs slope > 0, height > 0, sharpness > 0 and edge < w_star; "
                             f"got slope={slope}, height={height}, sharpness={sharpness}, edge={edge}, w_star={w_star}.")
        self.slope, self.w_star, self.edge = float(slope), float(w_star), float(edge)
        self.height, self.sharpness = float(height), float(sharpness)

    def _sigmoid(self, x: np.ndarray) -> np.ndarray:
        z = -self.sharpness * (x - self.edge)
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + exp(-z)), without overflow

    def loss(self, w) -> np.ndarray | float:
        """E(w): float for ``w`` of shape (1,), array of shape (...) for (..., 1)."""
        w = _points(w, 1)
        x = w[..., 0]
        val = 0.5 * self.slope * (x - self.w_star) ** 2 + self.height * self._sigmoid(x)
        return float(val) if w.ndim == 1 else val

    __call__ = loss

    def grad(self, w) -> np.ndarray:
        """dE/dw, same shape as ``w``."""
        w = _points(w, 1)
        x = w[..., 0]
        s = self._sigmoid(x)
        return (self.slope * (x - self.w_star) - self.height * self.sharpness * s * (1 - s))[..., None]

    def hessian(self, w) -> np.ndarray:
        """Second derivative as a (1, 1) array at one point ``w`` of shape (1,)."""
        w = _point(w, 1)
        s = self._sigmoid(w[0])
        return np.array([[self.slope + self.height * self.sharpness**2 * s * (1 - s) * (1 - 2 * s)]])

    def minimizer(self) -> np.ndarray:
        """The global minimiser, shape (1,): w_star shifted by the cliff's tail (found by bisection)."""
        lo, hi = self.edge + 1e-9, self.w_star + 1.0
        lo = max(lo, self.edge + 40.0 / self.sharpness)  # past the face, where E is convex
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if self.grad(np.array([mid]))[0] < 0:
                lo = mid
            else:
                hi = mid
        return np.array([0.5 * (lo + hi)])

    def __repr__(self) -> str:
        return f"Cliff(height={self.height:g}, sharpness={self.sharpness:g}, edge={self.edge:g})"
