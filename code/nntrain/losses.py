"""Loss functions returning ``(loss, dloss/dinput)`` (chapter 2, "Backpropagation").

Each loss returns the scalar loss of a batch and its gradient with respect to
the network's output, ready to hand to ``model.backward``:

* :func:`mse_loss`: the mean of ``(pred - target)^2`` over **all** elements,
  like ``torch.nn.MSELoss()`` (``reduction="mean"``). The Aalto slides
  write ``(1/N) sum_n ||y_n - f(x_n)||^2`` instead: a mean over the N examples
  of a *sum* over the K outputs, which is K times ours (same minimiser, K times
  larger gradients). ``mse_loss(..., reduction="sum_over_outputs")`` gives that one.
* :func:`softmax_cross_entropy`: softmax and the categorical negative
  log-likelihood fused, through log-sum-exp, so logits of +-1e4 give finite
  values; gradient ``(softmax(h) - y) / N``. Mean over the batch, like
  ``torch.nn.CrossEntropyLoss()``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["mse_loss", "logsumexp", "log_softmax", "softmax", "softmax_cross_entropy"]


def _finite(x, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got nan or inf in an array of shape {arr.shape}.")
    return arr


def mse_loss(pred, target, reduction: str = "mean") -> tuple[float, np.ndarray]:
    """Mean squared error and its gradient.

    Inputs: ``pred`` and ``target`` of the same shape, (N, K) or (N,).
    ``reduction``: ``"mean"`` (default, torch's ``MSELoss``): ``L = sum (pred -
    target)^2 / pred.size``; ``"sum_over_outputs"`` (the Aalto slides' convention):
    ``L = sum (pred - target)^2 / N`` with N = ``pred.shape[0]``.
    Returns: ``loss`` (float) and ``dpred = 2 (pred - target) / divisor``, shape of ``pred``.
    """
    pred = _finite(pred, "pred")
    target = _finite(target, "target")
    if pred.shape != target.shape:
        raise ValueError(f"pred and target must have the same shape; got {pred.shape} and {target.shape}.")
    if pred.size == 0:
        raise ValueError("mse_loss needs at least one element; got an empty array.")
    if reduction == "mean":
        divisor = pred.size
    elif reduction == "sum_over_outputs":
        divisor = pred.shape[0]
    else:
        raise ValueError(f"reduction must be 'mean' or 'sum_over_outputs'; got {reduction!r}.")
    diff = pred - target
    return float(np.sum(diff * diff) / divisor), 2.0 * diff / divisor


def logsumexp(x, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """``log(sum(exp(x)))`` along ``axis``, computed as ``m + log(sum(exp(x - m)))`` with ``m = max x``.

    Every ``exp`` then lies in (0, 1] and the sum in [1, K]: no overflow, and the
    log never sees 0.
    """
    x = np.asarray(x, dtype=np.float64)
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(logits) -> np.ndarray:
    """Row-wise ``log softmax(h) = h - logsumexp(h)``, computed as ``(h - max h) - log sum exp(h - max h)``. Input (N, K); output (N, K), finite for finite input."""
    h = _finite(logits, "logits")
    if h.ndim != 2:
        raise ValueError(f"logits must have shape (N, K); got {h.shape}.")
    shifted = h - h.max(axis=1, keepdims=True)  # exact-ish; keeps log softmax accurate near 0
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def softmax(logits) -> np.ndarray:
    """Row-wise softmax, shape (N, K) -> (N, K), rows summing to 1 (via :func:`log_softmax`)."""
    return np.exp(log_softmax(logits))


def _targets_as_probs(targets, N: int, K: int) -> np.ndarray:
    """Integer labels (N,) or one-hot / probability rows (N, K) -> an (N, K) array of probabilities."""
    t = np.asarray(targets)
    if t.ndim == 1:
        if t.shape != (N,):
            raise ValueError(f"integer labels must have shape ({N},) to match logits of shape ({N}, {K}); got {t.shape}.")
        if not np.issubdtype(t.dtype, np.integer):
            raise ValueError(f"labels of shape (N,) must be integers in [0, {K}); got dtype {t.dtype}.")
        bad = (t < 0) | (t >= K)
        if np.any(bad):
            raise ValueError(f"labels must lie in [0, {K}) for {K} classes; got {t[bad][:5].tolist()} (no wrap-around).")
        Y = np.zeros((N, K))
        Y[np.arange(N), t] = 1.0
        return Y
    if t.ndim == 2:
        if t.shape != (N, K):
            raise ValueError(f"one-hot targets must have the shape of the logits, ({N}, {K}); got {t.shape}.")
        Y = _finite(t, "targets")
        if np.any(Y < 0) or not np.allclose(Y.sum(axis=1), 1.0, rtol=0, atol=1e-8):
            raise ValueError("one-hot (or probability) targets must be non-negative with rows summing to 1.")
        return Y
    raise ValueError(f"targets must be labels of shape ({N},) or one-hot of shape ({N}, {K}); got {t.shape}.")


def softmax_cross_entropy(logits, targets) -> tuple[float, np.ndarray]:
    """Softmax followed by cross-entropy, averaged over the batch.

    Inputs: ``logits`` ``h`` of shape (N, K); ``targets`` either integer labels
    of shape (N,) in [0, K), or one-hot (more generally probability) rows of
    shape (N, K).
    Returns: ``loss = -(1/N) sum_n sum_k y_nk log softmax(h_n)_k`` (float) and
    ``dlogits = (softmax(h) - y) / N`` of shape (N, K).
    """
    h = _finite(logits, "logits")
    if h.ndim != 2 or h.shape[0] == 0 or h.shape[1] == 0:
        raise ValueError(f"logits must have shape (N, K) with N, K >= 1; got {h.shape}.")
    N, K = h.shape
    Y = _targets_as_probs(targets, N, K)
    logp = log_softmax(h)
    loss = float(-np.sum(Y * logp) / N) + 0.0  # + 0.0: a perfect prediction gives 0.0, not -0.0
    dlogits = (np.exp(logp) - Y) / N
    return loss, dlogits
