"""Small real datasets and minibatches (chapters 2 and 5).

:func:`digits` loads scikit-learn's bundled 8x8 handwritten digits (1797
images, 10 classes; no download), splits them and standardizes the pixels with
statistics of the *training* part only, so nothing about the test set leaks
into the model. scikit-learn is imported inside the function: the package
imports with numpy alone.

:func:`minibatches` cuts one epoch of a data set into ``(X_batch, y_batch)``
pairs, reshuffled on every call and optionally class-balanced. The synthetic
data sets of chapter 5 live in :mod:`nntrain.synthetic`.
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


def _check_rng(rng) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a np.random.Generator (np.random.default_rng(seed)); got {type(rng).__name__}.")


def minibatches(X, y, batch_size: int, rng: np.random.Generator, shuffle: bool = True, drop_last: bool = False,
                stratify: bool = False) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One epoch of ``(X_batch, y_batch)`` pairs: every example exactly once, in batches of ``batch_size``.

    Inputs: ``X`` an array of shape (N, ...) and ``y`` of shape (N, ...) with
    N >= 1 (row n of ``X`` goes with row n of ``y``); ``batch_size`` B a
    positive int; ``rng`` a ``np.random.Generator``; ``shuffle``: draw a fresh
    random order from ``rng`` (else keep the data's order); ``drop_last``: drop
    the last, smaller batch (then B <= N is required), as
    ``torch.utils.data.DataLoader`` does; ``stratify``: class-balanced batches
    (``y`` must then be integer labels of shape (N,)).
    Yields: ``X[idx]`` of shape (b, ...) and ``y[idx]`` of shape (b, ...) with
    b = B, except the last batch (b = N mod B) unless ``drop_last``.

    One call is one epoch, like iterating a ``DataLoader`` once: call it again
    for the next epoch, and the order is drawn afresh. Without stratification
    the order is ``rng.permutation(N)``, drawn once per call, cut into
    consecutive batches.

    The stratified rule: class c has n_c examples, a share p_c = n_c / N. With
    J = N // B full batches, class c gets q_c of the J B places in the full
    batches: J B p_c rounded down, and rounded up for the classes with the
    largest remainders until the q_c sum to J B (largest-remainder
    apportionment, so q_c <= n_c). Every full batch receives floor(B p_c) of
    class c, and the q_c - J floor(B p_c) extra examples of class c go one per
    batch to distinct batches. So **every full batch holds floor(B p_c) or
    floor(B p_c) + 1 examples of class c**, within 1 of B p_c; the leftovers
    form the last batch. Examples are shuffled within each class first, and
    each batch is shuffled (all draws from ``rng``) if ``shuffle``.

    Bad arguments raise ``ValueError`` at the call, not at the first batch.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim < 1 or y.ndim < 1:
        raise ValueError(f"X and y must be arrays of shape (N, ...); got shapes {X.shape} and {y.shape}.")
    N = X.shape[0]
    if y.shape[0] != N:
        raise ValueError(f"X and y must have the same number of examples (rows); got {N} and {y.shape[0]}.")
    if N < 1:
        raise ValueError("minibatches needs at least one example; got N = 0.")
    if isinstance(batch_size, (bool, np.bool_)) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int; got {batch_size!r}.")
    batch_size = int(batch_size)
    if drop_last and batch_size > N:
        raise ValueError(f"with drop_last=True, batch_size must be <= N = {N} (else no batch is left); "
                         f"got {batch_size}.")
    _check_rng(rng)
    if stratify:
        if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"stratify=True needs integer class labels y of shape (N,); got dtype {y.dtype} "
                             f"and shape {y.shape}.")
        order = _stratified_order(y, batch_size, rng, shuffle)
    else:
        order = rng.permutation(N) if shuffle else np.arange(N)
    stop = N - N % batch_size if drop_last else N
    return _batches(X, y, order, batch_size, stop)


def _batches(X, y, order, batch_size, stop):
    for start in range(0, stop, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def _stratified_order(y: np.ndarray, B: int, rng: np.random.Generator, shuffle: bool) -> np.ndarray:
    """An order of ``range(N)`` whose consecutive blocks of B are class-balanced (rule in :func:`minibatches`)."""
    N = y.shape[0]
    classes, counts = np.unique(y, return_counts=True)
    members = [np.flatnonzero(y == c) for c in classes]
    if shuffle:
        members = [m[rng.permutation(m.size)] for m in members]
    J = N // B
    q, remainder = np.divmod(counts * (J * B), N)      # floor(J B p_c), in integers (no rounding)
    short = J * B - int(q.sum())
    q[np.argsort(-remainder, kind="stable")[:short]] += 1
    base = counts * B // N                             # floor(B p_c): in every full batch
    extra = q - J * base                               # each 0 <= extra_c <= J
    # Extra examples, class after class, dealt to batches 0, 1, ..., J-1, 0, 1, ...: a class has at
    # most J extras, so they land in distinct batches; every batch gets B - sum(base) of them.
    dealt = np.repeat(np.arange(classes.size), extra)
    per_batch = [[] for _ in range(J)]
    for i, c in enumerate(dealt):
        per_batch[i % J].append(c)
    taken = np.zeros(classes.size, dtype=np.int64)
    blocks = []
    for j in range(J):
        n_of = base + np.bincount(np.asarray(per_batch[j], dtype=np.int64), minlength=classes.size)
        block = np.concatenate([members[c][taken[c]:taken[c] + n_of[c]] for c in range(classes.size)])
        taken += n_of
        blocks.append(block[rng.permutation(B)] if shuffle else block)
    rest = np.concatenate([members[c][taken[c]:] for c in range(classes.size)])
    blocks.append(rest[rng.permutation(rest.size)] if shuffle else rest)
    return np.concatenate(blocks).astype(np.int64)
