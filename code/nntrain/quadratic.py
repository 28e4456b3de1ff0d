"""Quadratic problems E(w) = 1/2 w^T A w - b^T w + c, the laboratory of chapter 3.

On a quadratic everything about gradient descent can be computed in closed
form, so the book uses them to state laws (rates, thresholds) and check them.

``A`` is symmetric of shape (D, D); ``b`` has shape (D,); ``c`` is a float.
The gradient is ``A w - b`` and the Hessian is ``A`` everywhere.
"""
from __future__ import annotations

import numpy as np

__all__ = ["Quadratic", "rotation"]


def rotation(angle: float) -> np.ndarray:
    """The 2 x 2 rotation matrix by ``angle`` radians (counter-clockwise)."""
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s], [s, c]])


class Quadratic:
    """E(w) = 1/2 w^T A w - b^T w + c with symmetric ``A`` (D, D), ``b`` (D,), scalar ``c``."""

    def __init__(self, A, b=None, c: float = 0.0):
        A = np.array(A, dtype=np.float64)
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"A must be a square matrix of shape (D, D); got shape {A.shape}.")
        if not np.all(np.isfinite(A)):
            raise ValueError("A must be finite; got nan or inf.")
        if not np.allclose(A, A.T, rtol=1e-12, atol=1e-12 * max(1.0, np.abs(A).max())):
            raise ValueError("A must be symmetric (the Hessian of a quadratic is); got A != A.T.")
        D = A.shape[0]
        b = np.zeros(D) if b is None else np.array(b, dtype=np.float64)
        if b.shape != (D,):
            raise ValueError(f"b must have shape ({D},) to match A of shape {A.shape}; got {b.shape}.")
        if not np.all(np.isfinite(b)) or not np.isfinite(c):
            raise ValueError("b and c must be finite.")
        self.A = (A + A.T) / 2
        self.b = b
        self.c = float(c)

    # -- constructors -----------------------------------------------------
    @classmethod
    def from_eigenvalues(cls, eigenvalues, Q=None, w_star=None, rng: np.random.Generator | None = None) -> "Quadratic":
        """A = Q diag(eigenvalues) Q^T with minimiser ``w_star`` (default 0).

        ``Q``: an orthogonal (D, D) matrix, or a float angle (D = 2 only, see
        :func:`rotation`), or None for a random orthogonal matrix drawn with
        ``rng`` (identity if ``rng`` is None too).
        """
        lam = np.array(eigenvalues, dtype=np.float64)
        if lam.ndim != 1 or lam.size == 0:
            raise ValueError(f"eigenvalues must be a non-empty vector; got shape {lam.shape}.")
        D = lam.size
        if Q is None:
            if rng is None:
                Q = np.eye(D)
            else:
                Q, R = np.linalg.qr(rng.standard_normal((D, D)))
                Q = Q * np.sign(np.diag(R))
        elif np.ndim(Q) == 0:
            if D != 2:
                raise ValueError(f"a rotation angle defines Q only in 2-D; got {D} eigenvalues.")
            Q = rotation(float(Q))
        Q = np.asarray(Q, dtype=np.float64)
        if Q.shape != (D, D) or not np.allclose(Q.T @ Q, np.eye(D), atol=1e-10):
            raise ValueError(f"Q must be an orthogonal matrix of shape ({D}, {D}).")
        A = (Q * lam) @ Q.T
        w_star = np.zeros(D) if w_star is None else np.asarray(w_star, dtype=np.float64)
        return cls(A, A @ w_star)

    @classmethod
    def from_data(cls, X, y) -> "Quadratic":
        """Least squares E(w) = 1/(2N) ||X w - y||^2: A = X^T X / N, b = X^T y / N, c = y^T y / (2N).

        ``X`` of shape (N, D), ``y`` of shape (N,). The Hessian ``A`` is the
        (uncentred) second-moment matrix of the inputs.
        """
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if X.ndim != 2 or y.shape != (X.shape[0],):
            raise ValueError(f"X must have shape (N, D) and y shape (N,); got {X.shape} and {y.shape}.")
        N = X.shape[0]
        return cls(X.T @ X / N, X.T @ y / N, float(y @ y) / (2 * N))

    @classmethod
    def toy_regression(cls) -> "Quadratic":
        """The two-parameter regression of the Aalto slides.

        Data x1 = (2, 2), y1 = 2 and x2 = (2, 0), y2 = 0; loss
        1/2 sum_n (y_n - w^T x_n)^2 (a *sum*, as on the slides), so
        A = [[8, 4], [4, 4]], b = (4, 4), c = 2, minimiser (0, 1).
        """
        X = np.array([[2.0, 2.0], [2.0, 0.0]])
        y = np.array([2.0, 0.0])
        return cls(X.T @ X, X.T @ y, 0.5 * float(y @ y))

    # -- evaluation -----------------------------------------------------------
    @property
    def dim(self) -> int:
        return self.A.shape[0]

    def _points(self, w) -> np.ndarray:
        w = np.asarray(w, dtype=np.float64)
        if w.shape[-1:] != (self.dim,):
            raise ValueError(f"w must have shape ({self.dim},) or (..., {self.dim}); got {w.shape}.")
        return w

    def loss(self, w) -> np.ndarray | float:
        """E(w) for ``w`` of shape (D,) (a float) or (..., D) (an array of shape (...))."""
        w = self._points(w)
        val = 0.5 * np.einsum("...i,ij,...j->...", w, self.A, w) - w @ self.b + self.c
        return float(val) if w.ndim == 1 else val

    __call__ = loss

    def grad(self, w) -> np.ndarray:
        """A w - b, same shape as ``w``."""
        w = self._points(w)
        return w @ self.A - self.b  # A is symmetric

    def hessian(self, w=None) -> np.ndarray:
        """The Hessian A (D, D); the same at every point, so ``w`` (accepted for
        the common interface of :mod:`nntrain.functions`) is ignored."""
        return self.A.copy()

    def eigh(self) -> tuple[np.ndarray, np.ndarray]:
        """Eigenvalues in ascending order (D,) and orthonormal eigenvectors as columns (D, D)."""
        return np.linalg.eigh(self.A)

    def minimizer(self) -> np.ndarray:
        """The stationary point A^{-1} b (a minimum when A is positive definite)."""
        lam = np.linalg.eigvalsh(self.A)
        if np.min(np.abs(lam)) <= 1e-14 * max(1.0, np.max(np.abs(lam))):
            raise ValueError(f"A is singular (eigenvalues {lam}); the minimiser is not unique.")
        return np.linalg.solve(self.A, self.b)

    def condition_number(self) -> float:
        """kappa = lambda_max / lambda_min for positive definite A (inf if singular)."""
        lam = np.linalg.eigvalsh(self.A)
        if lam[0] <= 0:
            if lam[0] < 0:
                raise ValueError(f"A is not positive semi-definite (eigenvalues {lam}); kappa is defined for SPD A.")
            return float("inf")
        return float(lam[-1] / lam[0])

    def __repr__(self) -> str:
        return f"Quadratic(dim={self.dim}, eigenvalues={np.round(np.linalg.eigvalsh(self.A), 4).tolist()})"
