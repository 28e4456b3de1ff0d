"""Averaging the weights along a training run (chapter 5): Polyak averaging and the EMA.

:class:`AveragedModel` follows ``torch.optim.swa_utils.AveragedModel``: it
keeps a deep copy of the model, ``module``, whose parameters hold an average
of the weights seen by ``update_parameters(model)``, and counts the updates in
``n_averaged``. The first update **copies** the model's parameters (as torch
does, whatever the averaging rule); update k + 1 (k = ``n_averaged`` >= 1)
then applies::

    decay=None   theta' <- theta' + (theta - theta') / (k + 1)      equal-weight running mean
                 (Polyak averaging; torch's default avg_fn)
    decay=gamma  theta' <- gamma theta' + (1 - gamma) theta         exponential moving average
                 (torch: multi_avg_fn=get_ema_multi_avg_fn(gamma))

so after k updates with ``theta_1, ..., theta_k`` the equal-weight average is
``(theta_1 + ... + theta_k) / k`` and the EMA is ``gamma^(k-1) theta_1 +
(1 - gamma) sum_{i=2..k} gamma^(k-i) theta_i``. The Aalto slides write the EMA as
theta' <- gamma theta' + (1 - gamma) theta, the same rule; they do not say how it
starts, and torch starts it from the first weights it sees (not from the
initialization held by the copy, and not from zero, so no bias correction is
needed).

The averaged weights are used for evaluation (``averaged(x)``), never for
training: the optimizer keeps stepping the original model. nntrain's modules
have no buffers (torch's non-parameter state, such as BatchNorm's running
statistics), so there is nothing to keep in sync besides the parameters.
"""
from __future__ import annotations

import copy

import numpy as np

from .core import Module, Parameter

__all__ = ["AveragedModel"]


class AveragedModel(Module):
    """A copy of ``model`` whose parameters are the running average of the weights it is shown.

    Inputs: ``model`` a :class:`~nntrain.core.Module` (deep-copied; the
    original is not touched); ``decay``: None for the equal-weight mean, or
    gamma in [0, 1] for the exponential moving average.
    Attributes: ``module`` the copy; ``n_averaged`` the number of updates so far.
    forward: as ``module.forward`` (e.g. ``x`` of shape (N, D) -> (N, K)).
    """

    def __init__(self, model: Module, decay: float | None = None):
        if not isinstance(model, Module):
            raise ValueError(f"model must be a nntrain.core.Module; got {type(model).__name__}.")
        if decay is not None and (isinstance(decay, (bool, np.bool_)) or not isinstance(decay, (int, float, np.number))
                                  or not 0.0 <= decay <= 1.0):
            raise ValueError(f"decay must be None (equal-weight mean) or a number in [0, 1]; got {decay!r}.")
        self.module = copy.deepcopy(model)
        self.decay = None if decay is None else float(decay)
        self.n_averaged = 0

    def forward(self, x):
        return self.module.forward(x)

    def backward(self, dout):
        raise RuntimeError("an AveragedModel is for evaluation; train the original model and call "
                           "update_parameters(model).")

    def parameters(self) -> list[Parameter]:
        return self.module.parameters()

    def train(self, mode: bool = True) -> "AveragedModel":
        self.training = mode
        self.module.train(mode)
        return self

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters into the average (the first call copies them)."""
        ours = self.module.parameters()
        theirs = model.parameters() if isinstance(model, Module) else None
        if theirs is None or len(theirs) != len(ours) or any(p.shape != q.shape for p, q in zip(ours, theirs)):
            got = [q.shape for q in theirs] if theirs is not None else type(model).__name__
            raise ValueError(f"model must have parameters of shapes {[p.shape for p in ours]} (those of the "
                             f"averaged copy); got {got}.")
        for avg, p in zip(ours, theirs):
            if self.n_averaged == 0:
                avg.data[...] = p.data
            elif self.decay is None:
                avg.data += (p.data - avg.data) / (self.n_averaged + 1)
            else:
                avg.data[...] = self.decay * avg.data + (1.0 - self.decay) * p.data
        self.n_averaged += 1

    def __repr__(self) -> str:
        rule = "mean" if self.decay is None else f"ema(decay={self.decay})"
        return f"AveragedModel({rule}, n_averaged={self.n_averaged},\n{self.module!r})"
