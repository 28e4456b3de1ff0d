"""``Parameter`` and ``Module``: the two pieces that layers and optimizers share.

A :class:`Parameter` is an array ``data`` with an accumulated gradient ``grad``
of the same shape (as ``torch.nn.Parameter`` with its ``.grad``). Backward
passes *add* into ``grad``; nothing resets it but :meth:`Parameter.zero_grad`
(or an optimizer's / module's ``zero_grad()``).

A :class:`Module` owns parameters and sub-modules, finds them by attribute
(like ``torch.nn.Module``), and switches between training and evaluation mode.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

__all__ = ["Parameter", "Module"]


class Parameter:
    """A float64 array ``data`` and its gradient ``grad`` (same shape, starts at zero)."""

    def __init__(self, data, name: str = ""):
        arr = np.array(data, dtype=np.float64)  # always a private copy
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"Parameter {name or ''} must be finite; got nan or inf in an array of shape {arr.shape}.")
        self.data = arr
        self.grad = np.zeros_like(arr)
        self.name = name

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def zero_grad(self) -> None:
        self.grad[...] = 0.0

    def accumulate(self, g) -> None:
        """Add ``g`` (same shape as ``data``) into ``grad``."""
        g = np.asarray(g, dtype=np.float64)
        if g.shape != self.data.shape:
            raise ValueError(f"gradient for parameter {self.name or ''} must have shape {self.data.shape}; got {g.shape}.")
        self.grad += g

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"Parameter{label}(shape={self.data.shape})"


class Module:
    """Base class: ``parameters()``, ``zero_grad()``, ``train()``/``eval()``, ``__call__``.

    Subclasses implement ``forward(x)`` (keeping what backward needs) and
    ``backward(dout)`` (adding into parameters' ``grad`` and returning the
    gradient with respect to the input).
    """

    training: bool = True

    def forward(self, x):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x)")

    def backward(self, dout):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement backward(dout)")

    def __call__(self, x):
        return self.forward(x)

    def children(self) -> Iterator["Module"]:
        for value in vars(self).values():
            if isinstance(value, Module):
                yield value
            elif isinstance(value, (list, tuple)):
                yield from (v for v in value if isinstance(v, Module))

    def parameters(self) -> list[Parameter]:
        """Every ``Parameter`` of this module and its children, each once, in definition order."""
        found: list[Parameter] = []
        seen: set[int] = set()

        def visit(module: Module) -> None:
            for value in vars(module).values():
                items = value if isinstance(value, (list, tuple)) else [value]
                for item in items:
                    if isinstance(item, Parameter) and id(item) not in seen:
                        seen.add(id(item))
                        found.append(item)
                    elif isinstance(item, Module):
                        visit(item)

        visit(self)
        return found

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode: bool = True) -> "Module":
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> "Module":
        return self.train(False)
