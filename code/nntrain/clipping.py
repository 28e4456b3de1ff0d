"""Gradient clipping, as ``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_`` do it.

Called between the backward pass and ``optimizer.step()``, on the parameters'
accumulated ``.grad`` (chapter 3, "cliffs"):

* :func:`clip_grad_norm_` rescales *all* gradients together so that their
  global norm, taken over every parameter at once, is at most ``max_norm``. The
  direction of the full gradient is kept; only its length is capped. Torch's
  formula (reproduced exactly): ``coef = max_norm / (total_norm + 1e-6)``, and
  the gradients are multiplied by ``coef`` only when ``coef < 1``.
* :func:`clip_grad_value_` clips every entry to ``[-clip_value, clip_value]``,
  which changes the direction.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .core import Parameter

__all__ = ["clip_grad_norm_", "clip_grad_value_", "global_grad_norm"]


def _params(params: Iterable[Parameter] | Parameter) -> list[Parameter]:
    if isinstance(params, Parameter):
        return [params]
    params = list(params)
    for p in params:
        if not isinstance(p, Parameter):
            raise ValueError(f"expected nntrain.core.Parameter objects; got {type(p).__name__}.")
    return params


def global_grad_norm(params: Iterable[Parameter] | Parameter, norm_type: float = 2.0) -> float:
    """The norm of all gradients stacked into one vector (``inf`` for the max-abs norm)."""
    params = _params(params)
    if not params:
        return 0.0
    if norm_type == np.inf:
        return float(max(np.max(np.abs(p.grad)) if p.grad.size else 0.0 for p in params))
    if not (np.isfinite(norm_type) and norm_type > 0):
        raise ValueError(f"norm_type must be a positive number or inf; got {norm_type!r}.")
    per_param = [np.linalg.norm(p.grad.ravel(), ord=norm_type) for p in params]
    return float(np.linalg.norm(np.array(per_param), ord=norm_type))


def clip_grad_norm_(params: Iterable[Parameter] | Parameter, max_norm: float, norm_type: float = 2.0) -> float:
    """Scale every ``.grad`` in place so the global gradient norm is at most ``max_norm``.

    Inputs: parameters (a Parameter or an iterable of them); ``max_norm`` > 0;
    ``norm_type`` (2 by default, or any p > 0, or ``np.inf``).
    Returns: the global norm *before* clipping, as torch does.
    """
    if not (np.isfinite(max_norm) and max_norm > 0):
        raise ValueError(f"max_norm must be a positive number; got {max_norm!r}.")
    params = _params(params)
    total = global_grad_norm(params, norm_type)
    if not np.isfinite(total):
        raise ValueError(f"the gradients' norm is {total}; clipping cannot repair a nan or inf gradient.")
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for p in params:
            p.grad *= coef
    return total


def clip_grad_value_(params: Iterable[Parameter] | Parameter, clip_value: float) -> None:
    """Clip every gradient entry in place to ``[-clip_value, clip_value]`` (``clip_value`` > 0)."""
    if not (np.isfinite(clip_value) and clip_value > 0):
        raise ValueError(f"clip_value must be a positive number; got {clip_value!r}.")
    for p in _params(params):
        np.clip(p.grad, -clip_value, clip_value, out=p.grad)
