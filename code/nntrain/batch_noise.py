"""The noise of minibatch gradients (chapter 5), measured on least squares.

A minibatch gradient is the mean of b per-example gradients g_1 .. g_N (their
mean is the full gradient gbar, their spread ``sigma2 = mean ||g_i - gbar||^2``).
Drawn uniformly, the batch mean is unbiased, and its expected squared error is

    with replacement      E ||ghat - gbar||^2 = sigma2 / b
    without replacement   E ||ghat - gbar||^2 = (N - b) / (N - 1) * sigma2 / b

(the second is the finite-population correction of sampling theory: zero at
b = N, where the batch is the whole data set). The functions here sample many
batches at once (vectorised), measure that error with its standard error, fit
the log-log slope, and run plain minibatch SGD on a least-squares problem for
many learning rates at once. The model is linear, ``pred = X w``, and the loss
the mean squared error ``L(w) = mean_i (x_i . w - y_i)^2``, so a per-example
gradient is ``2 x_i (x_i . w - y_i)``. numpy only.
"""
from __future__ import annotations

import numpy as np

__all__ = ["per_example_grads", "squared_loss", "batch_indices", "batch_errors", "theory_variance",
           "measure_variance", "loglog_slope", "sgd_least_squares"]


def _rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a np.random.Generator (np.random.default_rng(seed)); got {type(rng).__name__}.")
    return rng


def per_example_grads(X, y, w) -> np.ndarray:
    """Gradients of (x_i . w - y_i)^2: X (N, d), y (N,), w (d,) -> (N, d)."""
    X, y, w = np.asarray(X, float), np.asarray(y, float), np.asarray(w, float)
    return 2.0 * X * (X @ w - y)[:, None]


def squared_loss(X, y, W) -> np.ndarray:
    """Mean squared error of the weights W: shape (d,) -> float array (), (d, R) -> (R,)."""
    r = X @ W - (y if np.ndim(W) == 1 else y[:, None])
    return np.mean(r * r, axis=0)


def batch_indices(N: int, b: int, n_batches: int, rng: np.random.Generator, replace: bool) -> np.ndarray:
    """Indices of ``n_batches`` independent uniform batches of size b from range(N): shape (n_batches, b).

    ``replace``: each batch draws its b indices independently (repeats allowed);
    else each batch is b distinct indices (the first b of a fresh permutation,
    as one batch of :func:`nntrain.data.minibatches` is).
    """
    _rng(rng)
    if not (isinstance(b, (int, np.integer)) and 1 <= b and (replace or b <= N)):
        raise ValueError(f"b must be an int in [1, N = {N}] (any b >= 1 with replacement); got {b!r}.")
    if replace:
        return rng.integers(0, N, size=(n_batches, b))
    return np.argsort(rng.random((n_batches, N)), axis=1)[:, :b]


def batch_errors(values, b: int, n_batches: int, rng: np.random.Generator, replace: bool) -> np.ndarray:
    """``||mean of a batch - mean of all||^2`` for ``n_batches`` random batches: values (N, k) -> (n_batches,)."""
    values = np.asarray(values, float)
    if values.ndim == 1:
        values = values[:, None]
    idx = batch_indices(values.shape[0], b, n_batches, rng, replace)
    dev = values[idx].mean(axis=1) - values.mean(axis=0)
    return np.sum(dev * dev, axis=1)


def theory_variance(values, b: int, replace: bool) -> float:
    """sigma2 / b with replacement, (N - b) / (N - 1) * sigma2 / b without; sigma2 = mean ||v_i - vbar||^2."""
    values = np.asarray(values, float)
    if values.ndim == 1:
        values = values[:, None]
    N = values.shape[0]
    sigma2 = float(np.mean(np.sum((values - values.mean(axis=0)) ** 2, axis=1)))
    factor = 1.0 if replace else (N - b) / (N - 1)
    return factor * sigma2 / b


def measure_variance(values, bs, n_batches: int, rng: np.random.Generator, replace: bool) -> dict:
    """Measured and predicted E||ghat - gbar||^2 for every b in ``bs``.

    Returns a dict of arrays over ``bs``: ``b``, ``measured`` (mean of the
    squared errors of ``n_batches`` batches), ``se`` (its standard error,
    sample sd / sqrt(n_batches): the measured mean lies within a few se of
    the truth, by the central limit theorem) and ``theory``.
    """
    out = {"b": np.asarray(bs), "measured": [], "se": [], "theory": []}
    for b in bs:
        z = batch_errors(values, int(b), n_batches, rng, replace)
        out["measured"].append(z.mean())
        out["se"].append(z.std(ddof=1) / np.sqrt(n_batches))
        out["theory"].append(theory_variance(values, int(b), replace))
    return {k: np.asarray(v, float) if k != "b" else v for k, v in out.items()}


def loglog_slope(x, v, se) -> tuple[float, float]:
    """Slope of log v against log x by weighted least squares, and its standard error.

    Each log v_i has standard error about se_i / v_i (the delta method); the
    slope's standard error follows from them, so a band of a few of them is
    derived from the number of batches sampled, not guessed.
    """
    lx, lv = np.log(np.asarray(x, float)), np.log(np.asarray(v, float))
    s = np.asarray(se, float) / np.asarray(v, float)
    wts = 1.0 / s**2
    xm = np.sum(wts * lx) / wts.sum()
    vm = np.sum(wts * lv) / wts.sum()
    sxx = np.sum(wts * (lx - xm) ** 2)
    slope = np.sum(wts * (lx - xm) * (lv - vm)) / sxx
    return float(slope), float(np.sqrt(1.0 / sxx))


def sgd_least_squares(X, y, lr, batch_size: int, epochs: int, rng: np.random.Generator, w0=None,
                      sampling: str = "shuffle") -> np.ndarray:
    """Minibatch SGD on the mean squared error for R learning-rate sequences at once.

    Inputs: X (N, d), y (N,); ``lr`` a number, an array (R,) (one constant rate
    per run) or (T, R) (the rate of every update; T = epochs * ceil(N / b));
    every run sees the same batches; ``sampling``: "shuffle" (one permutation
    per epoch from ``rng``, consecutive batches of ``batch_size``, the last one
    smaller), "replace" (every batch drawn independently, with replacement:
    the textbook SGD of the convergence theory), or "sorted" (the data's own
    order, every epoch the same); ``w0`` (d,) the common start (zeros by default).
    Returns: the training loss L(w) before the first update and after each
    update, shape (T + 1, R).
    """
    _rng(rng)
    if sampling not in ("shuffle", "replace", "sorted"):
        raise ValueError(f"sampling must be 'shuffle', 'replace' or 'sorted'; got {sampling!r}.")
    X, y = np.asarray(X, float), np.asarray(y, float)
    N, d = X.shape
    per_epoch = -(-N // batch_size)
    T = epochs * per_epoch
    lr = np.asarray(lr, float)
    if lr.ndim == 2 and lr.shape[0] != T:
        raise ValueError(f"a (T, R) array of rates needs T = epochs * ceil(N / b) = {T} rows; got {lr.shape[0]}.")
    lrs = lr if lr.ndim == 2 else np.broadcast_to(np.atleast_1d(lr)[None, :], (T, np.atleast_1d(lr).size))
    R = lrs.shape[1]
    W = np.zeros((d, R)) if w0 is None else np.repeat(np.asarray(w0, float)[:, None], R, axis=1)
    losses = np.empty((T + 1, R))
    losses[0] = squared_loss(X, y, W)
    t = 0
    for _ in range(epochs):
        if sampling == "replace":
            order = rng.integers(0, N, size=N)
        else:
            order = rng.permutation(N) if sampling == "shuffle" else np.arange(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            Xb, yb = X[idx], y[idx]
            G = 2.0 * Xb.T @ (Xb @ W - yb[:, None]) / len(idx)
            W = W - lrs[t] * G
            t += 1
            losses[t] = squared_loss(X, y, W)
    return losses
