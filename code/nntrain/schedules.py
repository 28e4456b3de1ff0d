"""Learning-rate schedules (chapter 4), each matching a ``torch.optim.lr_scheduler`` sequence.

A schedule is a pure function of the iteration: ``schedule(t)`` is the learning
rate used by the optimizer step that follows ``t`` scheduler steps (t = 0, 1,
...), for an int or an integer array ``t``; ``schedule.sequence(n)`` is the
array of the first ``n`` rates. :class:`Scheduler` attaches a schedule to an
optimizer with torch's calling convention::

    sched = Scheduler(opt, StepDecay(0.1, step_size=30, gamma=0.1))
    for t in range(n):
        ...; opt.step(); sched.step()

so that step ``t`` of the optimizer (0-based) runs with ``schedule(t)``, as
``torch.optim.lr_scheduler`` does. :class:`ReduceOnPlateau` depends on a
monitored value and so is a stateful object, as in torch.

================================  ===================================================================
this module                       torch.optim.lr_scheduler equivalent (same sequence)
================================  ===================================================================
``StepDecay(lr0, s, gamma)``      ``StepLR(opt, step_size=s, gamma=gamma)``
``ExponentialDecay(lr0, k)``      ``ExponentialLR(opt, gamma=exp(-k))``
``InverseTimeDecay(lr0, k)``      ``LambdaLR(opt, lr_lambda=lambda t: 1 / (1 + k * t))``
``LinearDecay(lr0, lr_tau, tau)`` ``LinearLR(opt, start_factor=1, end_factor=lr_tau / lr0, total_iters=tau)``
``CosineDecay(lr0, T, lr_min)``   ``CosineAnnealingLR(opt, T_max=T, eta_min=lr_min)``
``Warmup(lr0, n, s)``              ``LinearLR(opt, start_factor=s, end_factor=1, total_iters=n)``
``Warmup(schedule, n, s)``         ``LambdaLR(opt, lambda t: factor(t) * schedule(t) / lr0)``
``ReduceOnPlateau(...)``          ``ReduceLROnPlateau(opt, ...)`` (same arguments and defaults)
================================  ===================================================================

In every case lr0 is the optimizer's learning rate when the torch scheduler
is created.
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Schedule", "StepDecay", "ExponentialDecay", "InverseTimeDecay", "LinearDecay", "CosineDecay",
           "Warmup", "ReduceOnPlateau", "Scheduler"]


def _positive(value: float, name: str, allow_zero: bool = False) -> float:
    ok = np.isscalar(value) and np.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        raise ValueError(f"{name} must be a finite number {'>= 0' if allow_zero else '> 0'}; got {value!r}.")
    return float(value)


def _iterations(t) -> np.ndarray:
    arr = np.asarray(t)
    if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and np.all(arr == np.round(arr))):
        raise ValueError(f"t must be an iteration count (integer) or an array of them; got {t!r}.")
    if np.any(arr < 0):
        raise ValueError(f"t must be >= 0; got {t!r}.")
    return arr.astype(np.float64)


class Schedule:
    """Base class: ``schedule(t)`` for t >= 0 (int -> float, int array of shape S -> float array of shape S)."""

    def __init__(self, lr0: float):
        self.lr0 = _positive(lr0, "lr0", allow_zero=True)

    def _rate(self, t: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, t) -> float | np.ndarray:
        arr = _iterations(t)
        out = self._rate(arr)
        return float(out) if np.ndim(t) == 0 else out

    def sequence(self, n: int) -> np.ndarray:
        """The first ``n`` learning rates, shape (n,)."""
        if int(n) != n or n < 0:
            raise ValueError(f"n must be a non-negative integer; got {n!r}.")
        return self._rate(np.arange(int(n), dtype=np.float64))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class StepDecay(Schedule):
    """lr0 * gamma ** floor(t / step_size): multiply by gamma every ``step_size`` iterations (torch ``StepLR``)."""

    def __init__(self, lr0: float, step_size: int, gamma: float = 0.1):
        super().__init__(lr0)
        if int(step_size) != step_size or step_size < 1:
            raise ValueError(f"step_size must be a positive integer; got {step_size!r}.")
        self.step_size = int(step_size)
        self.gamma = _positive(gamma, "gamma")

    def _rate(self, t):
        return self.lr0 * self.gamma ** np.floor(t / self.step_size)


class ExponentialDecay(Schedule):
    """lr0 * exp(-k t) (the CS231n-style notes' exponential decay; torch ``ExponentialLR`` with gamma = exp(-k))."""

    def __init__(self, lr0: float, k: float):
        super().__init__(lr0)
        self.k = _positive(k, "k", allow_zero=True)

    @property
    def gamma(self) -> float:
        """torch's per-step factor exp(-k)."""
        return float(np.exp(-self.k))

    def _rate(self, t):
        return self.lr0 * np.exp(-self.k * t)


class InverseTimeDecay(Schedule):
    """lr0 / (1 + k t) (the CS231n-style notes' 1/t decay; torch ``LambdaLR`` with lr_lambda = lambda t: 1 / (1 + k t))."""

    def __init__(self, lr0: float, k: float):
        super().__init__(lr0)
        self.k = _positive(k, "k", allow_zero=True)

    def _rate(self, t):
        return self.lr0 / (1 + self.k * t)


class LinearDecay(Schedule):
    """(1 - t/tau) lr0 + (t/tau) lr_tau for t <= tau, then lr_tau (the ASU slides; torch ``LinearLR``).

    torch: ``LinearLR(opt, start_factor=1.0, end_factor=lr_tau / lr0, total_iters=tau)``.
    """

    def __init__(self, lr0: float, lr_tau: float, tau: int):
        super().__init__(lr0)
        self.lr_tau = _positive(lr_tau, "lr_tau", allow_zero=True)
        if int(tau) != tau or tau < 1:
            raise ValueError(f"tau must be a positive integer; got {tau!r}.")
        self.tau = int(tau)

    def _rate(self, t):
        a = np.minimum(t / self.tau, 1.0)
        return (1 - a) * self.lr0 + a * self.lr_tau


class CosineDecay(Schedule):
    """lr_min + (lr0 - lr_min) (1 + cos(pi t / T)) / 2 (torch ``CosineAnnealingLR(T_max=T, eta_min=lr_min)``).

    Like torch, the formula is used for every t: after T iterations the rate
    rises again (period 2T), so a run should stop at t = T or restart.
    """

    def __init__(self, lr0: float, T: int, lr_min: float = 0.0):
        super().__init__(lr0)
        if int(T) != T or T < 1:
            raise ValueError(f"T must be a positive integer; got {T!r}.")
        self.T = int(T)
        self.lr_min = _positive(lr_min, "lr_min", allow_zero=True)

    def _rate(self, t):
        return self.lr_min + (self.lr0 - self.lr_min) * (1 + np.cos(np.pi * t / self.T)) / 2


class Warmup(Schedule):
    """A linear warmup in front of a constant rate or of another schedule.

    ``factor(t) = start_factor + (1 - start_factor) * min(t, total_iters) / total_iters``
    multiplies ``base(t)``, where ``base`` is a :class:`Schedule` or a constant
    rate lr0. The factor rises from ``start_factor`` at t = 0 to 1 at
    t = ``total_iters`` and stays 1. With a constant base this is torch's
    ``LinearLR(opt, start_factor=start_factor, end_factor=1.0,
    total_iters=total_iters)``; in front of a schedule, torch's
    ``LambdaLR(opt, lambda t: factor(t) * base(t) / lr0)``.

    Inputs: base (a Schedule or a rate >= 0), total_iters (a positive
    integer), start_factor in (0, 1] (torch's default is 1/3).
    """

    def __init__(self, base: "Schedule | float", total_iters: int, start_factor: float = 1 / 3):
        if isinstance(base, Schedule):
            super().__init__(base.lr0)
            self.base = base
        else:
            super().__init__(base)
            self.base = None
        if int(total_iters) != total_iters or total_iters < 1:
            raise ValueError(f"total_iters must be a positive integer; got {total_iters!r}.")
        self.total_iters = int(total_iters)
        s = _positive(start_factor, "start_factor")
        if s > 1:
            raise ValueError(f"start_factor must lie in (0, 1]; got {start_factor!r}.")
        self.start_factor = s

    def factor(self, t) -> np.ndarray:
        """The warmup factor at iteration(s) ``t``."""
        a = np.minimum(_iterations(t), self.total_iters) / self.total_iters
        return self.start_factor + (1 - self.start_factor) * a

    def _rate(self, t):
        base = self.lr0 if self.base is None else self.base._rate(t)
        return self.factor(t) * base


class Scheduler:
    """Drives an optimizer's ``param_groups[0]["lr"]`` with a :class:`Schedule`, torch's way.

    On creation the optimizer's rate becomes ``schedule(0)``; each ``step()``
    advances t by one and sets ``schedule(t)``. Call it after ``opt.step()``.

    Inputs: optimizer (anything with ``param_groups[0]["lr"]``), schedule.
    """

    def __init__(self, optimizer: Any, schedule: Schedule):
        if not isinstance(schedule, Schedule):
            raise ValueError(f"schedule must be a nntrain.schedules.Schedule; got {type(schedule).__name__}.")
        self.optimizer = optimizer
        self.schedule = schedule
        self.t = 0
        optimizer.param_groups[0]["lr"] = schedule(0)

    @property
    def lr(self) -> float:
        return self.optimizer.param_groups[0]["lr"]

    def step(self) -> float:
        """Advance one iteration; returns the new learning rate."""
        self.t += 1
        self.optimizer.param_groups[0]["lr"] = self.schedule(self.t)
        return self.lr


class ReduceOnPlateau:
    """Cut the learning rate by ``factor`` when a monitored value stops improving (the CS231n-style notes; torch ``ReduceLROnPlateau``).

    After each ``step(value)``::

        improved = value < best (1 - threshold)       (mode "min", threshold_mode "rel")
                   value < best - threshold            (mode "min", threshold_mode "abs")
                   (mirrored for mode "max")
        bad = 0 if improved (and best <- value) else bad + 1
        in cooldown: cooldown counter -1, bad = 0
        bad > patience: lr <- max(lr * factor, min_lr) (only if that lowers lr by more than eps),
                        cooldown counter <- cooldown, bad = 0

    Inputs: optimizer (anything with ``param_groups[0]["lr"]``) or a float lr0
    (then the schedule only tracks ``lr``); the other arguments and defaults
    are torch's.
    """

    def __init__(self, optimizer: Any, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0, min_lr: float = 0.0,
                 eps: float = 1e-8):
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max'; got {mode!r}.")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold_mode must be 'rel' or 'abs'; got {threshold_mode!r}.")
        if not (0 < factor < 1):
            raise ValueError(f"factor must lie in (0, 1); got {factor!r}.")
        if int(patience) != patience or patience < 0 or int(cooldown) != cooldown or cooldown < 0:
            raise ValueError(f"patience and cooldown must be integers >= 0; got {patience!r}, {cooldown!r}.")
        if np.isscalar(optimizer):
            self.optimizer = None
            self._lr = _positive(optimizer, "lr0", allow_zero=True)
        else:
            self.optimizer = optimizer
        self.mode, self.threshold_mode = mode, threshold_mode
        self.factor, self.patience, self.cooldown = float(factor), int(patience), int(cooldown)
        self.threshold, self.min_lr, self.eps = float(threshold), float(min_lr), float(eps)
        self.best = np.inf if mode == "min" else -np.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    @property
    def lr(self) -> float:
        return self.optimizer.param_groups[0]["lr"] if self.optimizer is not None else self._lr

    def _set_lr(self, value: float) -> None:
        if self.optimizer is not None:
            self.optimizer.param_groups[0]["lr"] = value
        else:
            self._lr = value

    def is_better(self, value: float) -> bool:
        if self.mode == "min":
            ref = self.best * (1 - self.threshold) if self.threshold_mode == "rel" else self.best - self.threshold
            return value < ref
        ref = self.best * (1 + self.threshold) if self.threshold_mode == "rel" else self.best + self.threshold
        return value > ref

    def step(self, value: float) -> float:
        """Report the monitored value after one epoch/iteration; returns the learning rate to use next."""
        value = float(value)
        if not np.isfinite(value):
            raise ValueError(f"the monitored value must be finite; got {value!r}.")
        if self.is_better(value):
            self.best = value
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            old = self.lr
            new = max(old * self.factor, self.min_lr)
            if old - new > self.eps:
                self._set_lr(new)
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        return self.lr
