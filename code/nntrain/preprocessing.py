"""Input normalisation fitted on the training data (chapter 6), scikit-learn style.

Why (the Aalto slides, "Input normalization"): for linear regression with the
loss ``1/(2N) sum_n (y_n - w^T x_n)^2`` the Hessian is the input covariance
``C = 1/N sum_n x_n x_n^T``, so gradient descent converges fastest when
``C = I``. Three transforms of increasing strength:

* :class:`Standardizer`: each feature to zero mean and unit variance,
  ``z = (x - mu) / sqrt(var + eps)``;
* :class:`PCAWhitener`: ``x_PCA = D^(-1/2) E^T (x - mu)``;
* :class:`ZCAWhitener`: ``x_ZCA = E D^(-1/2) E^T (x - mu)``, the whitening
  closest to the input (it keeps the original axes, e.g. pixels of an image);

with ``C = E D E^T`` the eigendecomposition of the covariance. Every class has
``fit(X)`` (returns self), ``transform(X)``, ``fit_transform(X)`` and
``inverse_transform(Z)``; ``X`` has shape (N, D), one example per row. Fit on
the training set only and apply the same transform to validation and test data.

Conventions:

* Covariance and variance use 1/N, as the Aalto slides do (and scikit-learn's
  StandardScaler). scikit-learn's ``PCA(whiten=True)`` uses 1/(N-1), so its
  whitened output is ours times ``sqrt((N-1)/N)``.
* ``eps`` (default 1e-5) is added to every variance / eigenvalue before the
  inverse square root, so near-constant directions are not blown up. The
  whitened covariance is then ``diag(lambda_i / (lambda_i + eps))``, the
  identity only as eps -> 0. With ``eps=0`` a (numerically) singular covariance
  raises ValueError.
* Eigenvalues are sorted in descending order, and each eigenvector's sign is
  chosen so that its largest-magnitude entry is positive, so fits are
  reproducible across machines (within repeated eigenvalues the eigenvectors
  are not unique; ZCA, which only uses their span, is unaffected).
"""
from __future__ import annotations

import numpy as np

__all__ = ["Standardizer", "PCAWhitener", "ZCAWhitener"]


class _Transform:
    """Shared checks and methods; subclasses define ``_fit``, ``_forward``, ``_backward``."""

    mean_: np.ndarray | None = None

    def __init__(self, eps: float = 1e-5):
        if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)) \
                or not np.isfinite(eps) or eps < 0:
            raise ValueError(f"eps must be a finite number >= 0; got {eps!r}.")
        self.eps = float(eps)

    def _check(self, X, name: str, fitting: bool = False) -> np.ndarray:
        name_of = type(self).__name__
        if not fitting and self.mean_ is None:
            raise ValueError(f"this {name_of} is not fitted yet: call fit(X_train) first.")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-D of shape (N, D), one example per row; got shape "
                             f"{X.shape} (a single example x is x[None, :]).")
        if fitting and X.shape[0] < 2:
            raise ValueError(f"fit needs at least N=2 examples (rows); got N={X.shape[0]}.")
        if not fitting and X.shape[1] != self.mean_.shape[0]:
            raise ValueError(f"{name_of} was fitted on D={self.mean_.shape[0]} features; "
                             f"got {X.shape[1]} (shape {X.shape}).")
        if not np.all(np.isfinite(X)):
            bad = np.argwhere(~np.isfinite(X))[0]
            raise ValueError(f"{name} must be finite; got {X[tuple(bad)]} at row {bad[0]}, "
                             f"column {bad[1]}.")
        return X

    def fit(self, X):
        """Fit on training data ``X`` of shape (N, D), N >= 2; returns self."""
        X = self._check(X, "X", fitting=True)
        self._fit(X, X.mean(axis=0))
        return self

    def transform(self, X) -> np.ndarray:
        """``X`` of shape (N', D) -> the normalised data, shape (N', D)."""
        return self._forward(self._check(X, "X") - self.mean_)

    def fit_transform(self, X) -> np.ndarray:
        """``fit(X).transform(X)``: shape (N, D) -> (N, D)."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        """Undo :meth:`transform`: ``Z`` of shape (N', D) -> data in the input's units, (N', D)."""
        return self._backward(self._check(Z, "Z")) + self.mean_


class Standardizer(_Transform):
    """Per-feature ``z = (x - mean_) / scale_``, ``scale_ = sqrt(var_ + eps)`` (var with 1/N).

    Fitted attributes: ``mean_``, ``var_``, ``scale_``, each of shape (D,).
    With ``eps=0`` a constant feature raises ValueError naming its index; with
    eps > 0 it is mapped to 0. ``eps=0`` matches sklearn's StandardScaler on
    non-constant features.
    """

    var_: np.ndarray | None = None
    scale_: np.ndarray | None = None

    def _fit(self, X: np.ndarray, mean: np.ndarray) -> None:
        var = ((X - mean) ** 2).mean(axis=0)
        if self.eps == 0:
            # "constant" up to rounding: a spread of a few ulps of the column's size
            tol = 1e-12 * np.abs(X).max(axis=0)
            const = np.flatnonzero(np.sqrt(var) <= tol)
            if const.size:
                raise ValueError(f"feature {const[0]} is constant (variance {var[const[0]]:.3g}; "
                                 f"{const.size} constant in all): pass eps > 0 (e.g. 1e-5) "
                                 "or drop the feature.")
        self.mean_, self.var_ = mean, var
        self.scale_ = np.sqrt(var + self.eps)

    def _forward(self, Xc: np.ndarray) -> np.ndarray:
        return Xc / self.scale_

    def _backward(self, Z: np.ndarray) -> np.ndarray:
        return Z * self.scale_


class _Whitener(_Transform):
    """``transform(X) = (X - mean_) @ W_.T`` with W_ built from the covariance's eigendecomposition.

    Fitted attributes: ``mean_`` (D,); ``eigvals_`` (D,), descending (clipped at 0);
    ``eigvecs_`` (D, D), column i the eigenvector of ``eigvals_[i]`` (C = E diag(eigvals_) E^T,
    C with 1/N); ``W_`` (D, D), the whitening matrix.
    """

    eigvals_: np.ndarray | None = None
    eigvecs_: np.ndarray | None = None
    W_: np.ndarray | None = None

    def _fit(self, X: np.ndarray, mean: np.ndarray) -> None:
        Xc = X - mean
        C = Xc.T @ Xc / X.shape[0]
        lam, E = np.linalg.eigh(C)
        lam, E = np.clip(lam[::-1], 0.0, None), E[:, ::-1]
        rows = np.abs(E).argmax(axis=0)
        E = E * np.sign(E[rows, np.arange(E.shape[1])])
        if self.eps == 0:
            tol = lam[0] * len(lam) * np.finfo(np.float64).eps  # as np.linalg.matrix_rank
            small = np.flatnonzero(lam <= tol)
            if small.size:
                i = small[0]
                raise ValueError(f"the covariance is (numerically) singular: eigenvalue {i} of "
                                 f"{len(lam)} (descending) is {lam[i]:.3g} ~ 0 (largest "
                                 f"{lam[0]:.3g}); pass eps > 0 (e.g. the default 1e-5).")
        s = np.sqrt(lam + self.eps)  # the scales D^(1/2), regularised
        self.mean_, self.eigvals_, self.eigvecs_ = mean, lam, E
        self.W_, self._W_inv = self._matrices(E, s)

    def _forward(self, Xc: np.ndarray) -> np.ndarray:
        return Xc @ self.W_.T

    def _backward(self, Z: np.ndarray) -> np.ndarray:
        return Z @ self._W_inv.T


class PCAWhitener(_Whitener):
    """PCA whitening ``z = D^(-1/2) E^T (x - mu)``: ``W_ = diag(1/sqrt(eigvals_ + eps)) E^T``.

    Component i of the output is the projection on the i-th principal axis,
    scaled to unit variance; ``eps`` as in the module docstring.
    """

    @staticmethod
    def _matrices(E, s):
        return (E / s).T, E * s


class ZCAWhitener(_Whitener):
    """ZCA whitening ``z = E D^(-1/2) E^T (x - mu)``: ``W_ = C^(-1/2)`` (symmetric, with eps).

    The PCA output rotated back by E into the input's axes: among all whitening
    matrices this one changes the data least (smallest mean ||z - (x - mu)||^2).
    """

    @staticmethod
    def _matrices(E, s):
        W, W_inv = (E / s) @ E.T, (E * s) @ E.T
        return (W + W.T) / 2, (W_inv + W_inv.T) / 2  # symmetric to the last bit
