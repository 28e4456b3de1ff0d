"""The ``Optimizer`` base class that every algorithm of chapter 4 shares.

An optimizer holds a list of :class:`nntrain.core.Parameter` objects, its
hyperparameters, and a per-parameter ``state`` dict whose keys are PyTorch's
(``momentum_buffer``, ``square_avg``, ``acc_delta``, ``sum``, ``exp_avg``,
``exp_avg_sq``, ``max_exp_avg_sq``, ``step``, ``prev``, ``step_size``, ...), so
that a run here and a run of ``torch.optim`` can be compared entry by entry.

As in torch, the hyperparameters live in ``param_groups[0]`` (a dict that also
holds ``"params"``); changing ``opt.param_groups[0]["lr"]`` (or ``opt.lr``)
between steps changes the learning rate of every later step. This book uses a
single parameter group.

Subclasses implement one method,
``update(p, g, state, **hparams)``: change the array ``p`` (a parameter's
``data``) in place, given its gradient ``g`` (same shape, never modified) and
its ``state`` dict, which starts empty.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ..core import Parameter

__all__ = ["Optimizer", "blocks", "BLOCK", "check_lr", "check_beta", "check_nonneg"]


def check_lr(lr: float, name: str = "lr") -> float:
    """A learning rate must be a finite number >= 0."""
    if not np.isscalar(lr) or not np.isfinite(lr) or lr < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {lr!r}.")
    return float(lr)


def check_nonneg(value: float, name: str) -> float:
    """Weight decay, epsilon, momentum...: a finite number >= 0."""
    if not np.isscalar(value) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {value!r}.")
    return float(value)


def check_beta(beta: float, name: str) -> float:
    """A decay rate of a moving average must lie in [0, 1)."""
    if not np.isscalar(beta) or not (0.0 <= beta < 1.0):
        raise ValueError(f"{name} must lie in [0, 1); got {beta!r}.")
    return float(beta)


#: Elements per block in :func:`blocks`: 2**16 float64 numbers are 512 kB, so the
#: blocks an update touches stay in cache between its passes. (On the machine
#: of benchmarks/results.md, 2**14 to 2**19 were within a few percent of each
#: other; 2**12 pays Python's per-call cost, whole arrays pay main memory.)
BLOCK = 1 << 16


def blocks(*arrays: np.ndarray):
    """Matching flat views of same-shaped arrays, ``BLOCK`` elements at a time.

    An update that makes several passes over its arrays (scale the buffer,
    add the gradient, step) is memory-bound: each pass over millions of
    numbers reads and writes main memory. Done block by block, the second and
    third passes find the block still in cache, so main memory sees each
    array once. Writing through the views changes the arrays. Arrays that are
    not C-contiguous come back whole, as one block.
    """
    if not all(a.flags.c_contiguous for a in arrays):
        yield arrays
        return
    flat = [a.reshape(-1) for a in arrays]
    for i in range(0, flat[0].size, BLOCK):
        yield tuple(f[i:i + BLOCK] for f in flat)


class Optimizer:
    """Base class: ``params``, ``param_groups[0]`` (hyperparameters), ``state``, ``step()``, ``zero_grad()``.

    Inputs:
    - params: an iterable of distinct :class:`Parameter` objects (non-empty).
    - defaults: dict of hyperparameters (``lr`` among them), already validated
      by the subclass.

    Attributes:
    - params: the list of parameters, in the order given.
    - param_groups: ``[{"params": params, **defaults}]`` (torch's layout).
    - state: dict ``Parameter -> dict`` of arrays (and the int ``step``).
    """

    def __init__(self, params: Iterable[Parameter], defaults: dict[str, Any]):
        if isinstance(params, Parameter):
            raise ValueError("params must be an iterable of Parameters (e.g. model.parameters()); got a single Parameter.")
        params = list(params)
        if not params:
            raise ValueError("params must contain at least one Parameter; got an empty list.")
        for p in params:
            if not isinstance(p, Parameter):
                raise ValueError(f"params must contain nntrain.core.Parameter objects; got {type(p).__name__}.")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"params must not contain the same Parameter twice; got {len(params)} entries "
                             f"but only {len({id(p) for p in params})} distinct Parameters.")
        self.params: list[Parameter] = params
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = [{"params": params, **defaults}]
        self.state: dict[Parameter, dict[str, Any]] = {p: {} for p in params}
        self._work: dict[tuple, np.ndarray] = {}

    # The learning rate of the (single) parameter group, readable and settable.
    @property
    def lr(self) -> float:
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        self.param_groups[0]["lr"] = check_lr(value)

    def hyperparameters(self) -> dict[str, Any]:
        """The current hyperparameters (``param_groups[0]`` without ``params``)."""
        return {k: v for k, v in self.param_groups[0].items() if k != "params"}

    def scratch(self, like: np.ndarray) -> np.ndarray:
        """A work array shaped like ``like``, kept between steps.

        ``np.multiply(b, lr, out=self.scratch(b))`` costs one pass over
        memory; ``lr * b`` also allocates a fresh array, and for millions of
        parameters the page faults of that allocation cost as much again.
        Its contents are garbage until written; parameters of the same shape
        share one array, since ``update`` runs for one parameter at a time.
        """
        key = (like.shape, like.dtype)
        if key not in self._work:
            self._work[key] = np.empty_like(like)
        return self._work[key]

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to zero."""
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        """One update of every parameter from its current ``grad``."""
        hp = self.hyperparameters()
        check_lr(hp["lr"])
        for p in self.params:
            if not np.all(np.isfinite(p.grad)):
                raise ValueError(f"the gradient of {p!r} contains nan or inf; cannot take a step.")
            self.update(p.data, p.grad, self.state[p], **hp)

    def update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], **hparams) -> None:  # pragma: no cover
        raise NotImplementedError(f"{type(self).__name__} must implement update(p, g, state, **hparams)")

    def __repr__(self) -> str:
        hp = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({hp})"
