"""Runners that return whole optimisation trajectories on a test problem.

A *problem* is anything with ``loss(w)`` and ``grad(w)`` for ``w`` of shape
(D,) (:class:`nntrain.quadratic.Quadratic`, :class:`nntrain.functions.Rosenbrock`,
...); Newton's method also needs ``hessian(w)`` of shape (D, D). When the problem
has ``minimizer()``, the trajectory records the distance to it.

Divergent runs do not overflow: a run stops as soon as an iterate leaves the
ball of radius ``blowup`` or stops being finite, and says so in
:attr:`Trajectory.stopped_early` and :attr:`Trajectory.message`. All floating
point work is done under ``np.errstate`` so no RuntimeWarning is emitted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .core import Parameter

__all__ = ["Trajectory", "gradient_descent", "newton", "run_optimizer"]

DEFAULT_BLOWUP = 1e8


@dataclass
class Trajectory:
    """The iterates of one run and what was measured along the way.

    Attributes:
    - w: iterates of shape (T + 1, D); ``w[0]`` is the starting point.
    - loss: losses of shape (T + 1,).
    - dist: distances ||w_t - w*|| of shape (T + 1,), or None if the problem
      has no known minimiser.
    - grad_norm: gradient norms ||grad E(w_t)|| of shape (T + 1,).
    - method: a label such as "GD (eta=0.1)", "Newton" or the optimizer's class.
    - steps_requested: the number of steps asked for; T is smaller when the run
      stopped early.
    - stopped_early: True when an iterate blew past ``blowup`` or became
      non-finite (it is not recorded), or Newton met a singular Hessian.
    - message: why the run stopped, in words ("" when it ran all its steps).
    """

    w: np.ndarray
    loss: np.ndarray
    dist: np.ndarray | None
    grad_norm: np.ndarray
    method: str = ""
    steps_requested: int = 0
    stopped_early: bool = False
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        """T, the number of steps actually taken."""
        return len(self.loss) - 1

    @property
    def diverged(self) -> bool:
        """True if the run blew up, or ended farther from w* (or higher) than it started."""
        if self.stopped_early and "blew" in self.message:
            return True
        if self.dist is not None:
            return bool(self.dist[-1] > self.dist[0])
        return bool(self.loss[-1] > self.loss[0])

    def rate(self, last: int = 10, floor: float = 1e-250) -> float:
        """Measured per-step contraction: the geometric mean of dist[t+1] / dist[t] over the last ``last`` steps.

        Only steps whose distances are above ``floor`` count (so underflow to 0
        does not give nan). Needs a known minimiser. Returns a float (nan if no
        step qualifies).
        """
        if self.dist is None:
            raise ValueError("rate() needs distances to the minimiser; this problem has no known minimiser.")
        if last < 1:
            raise ValueError(f"last must be a positive number of steps; got {last}.")
        d = self.dist[self.dist > floor]
        d = d[-(last + 1):]
        if len(d) < 2:
            return float("nan")
        return float((d[-1] / d[0]) ** (1.0 / (len(d) - 1)))


def _check_start(problem, w0) -> np.ndarray:
    w0 = np.array(w0, dtype=np.float64)
    if w0.ndim != 1 or not np.all(np.isfinite(w0)):
        raise ValueError(f"w0 must be a finite vector of shape (D,); got shape {w0.shape}.")
    dim = getattr(problem, "dim", w0.size)
    if w0.size != dim:
        raise ValueError(f"w0 must have shape ({dim},) for this problem; got {w0.shape}.")
    return w0


def _minimizer(problem) -> np.ndarray | None:
    find = getattr(problem, "minimizer", None)
    if find is None:
        return None
    try:
        return np.asarray(find(), dtype=np.float64)
    except (ValueError, np.linalg.LinAlgError):
        return None


def _check_steps(steps: int) -> int:
    if int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be a non-negative integer; got {steps!r}.")
    return int(steps)


def _run(problem, w0, steps: int, update: Callable[[np.ndarray], np.ndarray], method: str, blowup: float) -> Trajectory:
    """Iterate ``w <- update(w)`` and record everything; stop before anything overflows."""
    steps = _check_steps(steps)
    w0 = _check_start(problem, w0)
    w_star = _minimizer(problem)
    radius = blowup * (1.0 + np.linalg.norm(w0) + (0.0 if w_star is None else np.linalg.norm(w_star)))
    ws, losses, gnorms = [w0], [], []
    stopped, message = False, ""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        losses.append(float(problem.loss(w0)))
        gnorms.append(float(np.linalg.norm(problem.grad(w0))))
        for t in range(steps):
            try:
                w_new = np.asarray(update(ws[-1]), dtype=np.float64)
            except np.linalg.LinAlgError as err:
                stopped, message = True, f"stopped at step {t + 1}: {err}"
                break
            if not np.all(np.isfinite(w_new)) or np.linalg.norm(w_new) > radius:
                stopped, message = True, f"blew up at step {t + 1}: |w| exceeded {radius:.3g}; the run is cut there"
                break
            loss, g = float(problem.loss(w_new)), problem.grad(w_new)
            if not (np.isfinite(loss) and np.all(np.isfinite(g))):
                stopped, message = True, f"blew up at step {t + 1}: the loss or gradient overflowed; the run is cut there"
                break
            ws.append(w_new.copy())
            losses.append(loss)
            gnorms.append(float(np.linalg.norm(g)))
    W = np.array(ws)
    dist = None if w_star is None else np.linalg.norm(W - w_star, axis=1)
    return Trajectory(W, np.array(losses), dist, np.array(gnorms), method, steps, stopped, message)


def gradient_descent(problem, eta: float, w0, steps: int, blowup: float = DEFAULT_BLOWUP) -> Trajectory:
    """Fixed-step gradient descent w <- w - eta * grad E(w).

    Inputs:
    - problem: has loss(w) and grad(w) for w of shape (D,).
    - eta: the step size, a positive float.
    - w0: the start, shape (D,).
    - steps: the number of steps T.
    - blowup: a run stops when |w| > blowup * (1 + |w0| + |w*|).

    Returns a :class:`Trajectory` with ``w`` of shape (T + 1, D) (fewer rows if it blew up).
    """
    if not (np.isfinite(eta) and eta > 0):
        raise ValueError(f"eta must be a positive finite step size; got {eta!r}.")
    eta = float(eta)
    return _run(problem, w0, steps, lambda w: w - eta * problem.grad(w), f"GD (eta={eta:.4g})", blowup)


def newton(problem, w0, steps: int, blowup: float = DEFAULT_BLOWUP) -> Trajectory:
    """Newton's method w <- w - H(w)^{-1} grad E(w) (no damping, no line search).

    Inputs as :func:`gradient_descent`; ``problem`` also needs ``hessian(w)``
    of shape (D, D). A singular Hessian stops the run (``stopped_early``).
    Returns a :class:`Trajectory`.
    """
    return _run(problem, w0, steps, lambda w: w - np.linalg.solve(problem.hessian(w), problem.grad(w)), "Newton", blowup)


def run_optimizer(problem, make_optimizer: Callable[[list[Parameter]], Any], w0, steps: int,
                  blowup: float = DEFAULT_BLOWUP) -> Trajectory:
    """Run any nntrain-style optimizer (``zero_grad()``, ``step()``) on ``problem``.

    Inputs:
    - make_optimizer: called once with ``[p]`` where ``p`` is a
      :class:`nntrain.core.Parameter` holding ``w0``; it returns an object with
      ``zero_grad()`` and ``step()`` that updates ``p.data`` in place, e.g.
      ``lambda params: optim.SGD(params, lr=0.1, momentum=0.9)``.
    - others as :func:`gradient_descent`.

    Returns a :class:`Trajectory` whose ``method`` is the optimizer's class name.
    """
    p = Parameter(_check_start(problem, w0), name="w")
    opt = make_optimizer([p])
    for name in ("zero_grad", "step"):
        if not callable(getattr(opt, name, None)):
            raise ValueError(f"make_optimizer must return an object with {name}(); got {type(opt).__name__}.")

    def update(w: np.ndarray) -> np.ndarray:
        p.data[...] = w  # the runner owns the iterate; the optimizer keeps its own state
        opt.zero_grad()
        p.accumulate(problem.grad(p.data))
        opt.step()
        return p.data.copy()

    return _run(problem, w0, steps, update, type(opt).__name__, blowup)
