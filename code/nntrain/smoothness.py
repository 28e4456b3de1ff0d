"""How well the gradient predicts itself one step ahead (chapter 7).

Santurkar et al. (2018) explain batch normalization's benefit by a smoother
loss: along a training path, the gradient after a step stays closer to the
gradient before it. :func:`gradient_change` measures exactly that for a
:mod:`nntrain` model on one batch, without touching the model (it works on
copies, so batch norm's running statistics are left alone).
"""
from __future__ import annotations

import copy
from typing import Callable

import numpy as np

from .core import Module
from .layers import grads_to_vector, parameters_to_vector, vector_to_parameters

__all__ = ["flat_gradient", "gradient_change"]


def flat_gradient(model: Module, loss_fn: Callable, X, y) -> tuple[float, np.ndarray]:
    """The loss and its gradient, flattened to shape (P,), of ``model`` on the batch (X, y).

    Runs on a copy of the model (in the model's mode), so neither its ``.grad``
    nor its buffers (batch norm's running statistics) change.
    """
    if not isinstance(model, Module):
        raise ValueError(f"model must be an nntrain Module; got {type(model).__name__}.")
    m = copy.deepcopy(model)
    m.zero_grad()
    loss, dpred = loss_fn(m(X), y)
    m.backward(dpred)
    return float(loss), grads_to_vector(m.parameters())


def gradient_change(model: Module, loss_fn: Callable, X, y, step: float) -> dict:
    """What a gradient step of size ``step`` on (X, y) does to the gradient there.

    With g the gradient at the weights w and g' the gradient at w - step * g
    (the same batch), returns a dict: ``relative`` = |g' - g| / |g| (0 for a
    gradient that does not change; 1 when the change is as large as the
    gradient itself); ``smoothness`` = |g' - g| / |step * g|, the local
    Lipschitz constant of the gradient along the step (the largest Hessian
    eigenvalue for a quadratic along its eigenvector); ``loss_change`` the
    loss after minus before.
    """
    if not (np.isfinite(step) and step > 0):
        raise ValueError(f"step must be a positive number; got {step!r}.")
    loss0, g0 = flat_gradient(model, loss_fn, X, y)
    norm = np.linalg.norm(g0)
    if norm == 0:
        raise ValueError("the gradient is exactly zero on this batch: no step to take.")
    moved = copy.deepcopy(model)
    params = moved.parameters()
    vector_to_parameters(parameters_to_vector(params) - step * g0, params)
    loss1, g1 = flat_gradient(moved, loss_fn, X, y)
    diff = np.linalg.norm(g1 - g0)
    return {"relative": float(diff / norm), "smoothness": float(diff / (step * norm)),
            "loss_change": loss1 - loss0}
