"""Small real datasets and minibatch indices (chapter 2 onwards).

:func:`digits` loads scikit-learn's bundled 8x8 handwritten digits (1797
images, 10 classes; no download), splits them and standardizes the pixels with
statistics of the *training* part only, so nothing about the test set leaks
into the model. scikit-learn is imported inside the function: the package
imports with numpy alone.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

__all__ = ["digits", "minibatches"]


def digits(n_test: int = 360, seed: int = 0, standardize: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The digits data set, shuffled and split into train and test parts.

    Inputs: ``n_test`` the number of test images (1 <= n_test < 1797); ``seed``
    for the shuffle (``np.random.default_rng(seed)``); ``standardize``: if true,
    subtract each pixel's training mean and divide by its training standard
    deviation (pixels constant on the training set are divided by 1, not 0).
    Returns: ``X_train`` float64 of shape (1797 - n_test, 64), ``y_train`` int64
    of shape (1797 - n_test,), ``X_test`` float64 of shape (n_test, 64),
    ``y_test`` int64 of shape (n_test,); labels in 0..9. Without
    standardization the pixels are the raw intensities 0..16.
    """
    from sklearn.datasets import load_digits  # lazy: numpy-only import of nntrain

    X, y = load_digits(return_X_y=True)
    n = X.shape[0]
    if not isinstance(n_test, (int, np.integer)) or not 1 <= n_test < n:
        raise ValueError(f"n_test must be an int in [1, {n}); got {n_test!r}.")
    perm = np.random.default_rng(seed).permutation(n)
    X = X[perm].astype(np.float64)
    y = y[perm].astype(np.int64)
    X_train, X_test = X[n_test:], X[:n_test]
    y_train, y_test = y[n_test:], y[:n_test]
    if standardize:
        mu = X_train.mean(axis=0)
        sd = X_train.std(axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        X_train = (X_train - mu) / sd
        X_test = (X_test - mu) / sd
    return X_train, y_train, X_test, y_test


def minibatches(N: int, batch_size: int, rng: np.random.Generator, shuffle: bool = True) -> Iterator[np.ndarray]:
    """Index arrays covering ``range(N)`` once, in batches of ``batch_size`` (the last may be smaller).

    Inputs: ``N`` >= 1 examples; ``batch_size`` >= 1; ``rng`` a ``np.random.Generator``
    (used only if ``shuffle``). Yields int64 arrays of shape (<= batch_size,).
    """
    if not isinstance(N, (int, np.integer)) or N < 1:
        raise ValueError(f"N must be a positive int; got {N!r}.")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int; got {batch_size!r}.")
    idx = rng.permutation(N) if shuffle else np.arange(N)
    for start in range(0, N, batch_size):
        yield idx[start:start + batch_size]
