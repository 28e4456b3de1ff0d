"""The training loop of chapter 5: minibatches, epochs, and what to record.

:func:`fit` runs, for each epoch, over the batches that ``batches(epoch)``
yields; for each batch it does the five lines every framework's loop has::

    model.zero_grad()
    loss, dpred = loss_fn(model(X), y)
    model.backward(dpred)
    clip_grad_norm_(model.parameters(), max_norm)      # only with clip=("norm", max_norm)
    optimizer.step()
    averager.update_parameters(model)                  # only with an averager

and at the end of each epoch it evaluates ``validation`` (on the averaged
model if there is one) and steps the learning-rate ``schedule``. Everything it
measures goes into a :class:`History`. It draws no random numbers itself: the
shuffling happens in ``batches`` (e.g. ``lambda epoch: minibatches(X, y, 32,
rng)``), so a run is reproducible given the seeds of ``rng`` and of the
model's initialization.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np

from .clipping import clip_grad_norm_, clip_grad_value_
from .core import Module
from .schedules import ReduceOnPlateau

__all__ = ["History", "fit", "interactive"]


@dataclass
class History:
    """What :func:`fit` recorded (lists of floats, one entry per update or per epoch).

    - ``loss``: the minibatch loss of every update, in order (length = number of updates);
    - ``epoch_loss``: per epoch, the mean of that epoch's minibatch losses weighted by
      batch size (the training loss averaged over the epoch's examples, each taken
      with the weights at the time its batch was used, not at the end of the epoch);
    - ``val_metric``: per epoch, ``metric_fn(model(X_val), y_val)`` after the epoch
      (empty without ``validation``);
    - ``lr``: per epoch, the optimizer's learning rate during that epoch;
    - ``time``: per epoch, the wall time in seconds (validation included);
    - ``batches_per_epoch``: per epoch, the number of updates.
    """

    loss: list[float] = field(default_factory=list)
    epoch_loss: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    time: list[float] = field(default_factory=list)
    batches_per_epoch: list[int] = field(default_factory=list)

    def as_arrays(self) -> dict[str, np.ndarray]:
        """Every field as a numpy array (``time`` included)."""
        return {k: np.asarray(v) for k, v in vars(self).items()}


def interactive() -> bool:
    """True when a person is watching: stdout is a terminal, or an IPython frontend (Jupyter) runs us.

    False under pytest and whenever the environment variable ``TQDM_DISABLE`` is set
    (the book's build sets it).
    """
    if os.environ.get("TQDM_DISABLE") or os.environ.get("PYTEST_CURRENT_TEST") or "pytest" in sys.modules:
        return False
    ipython = sys.modules.get("IPython")
    if ipython is not None:
        shell = ipython.get_ipython()
        if shell is not None and getattr(shell, "kernel", None) is not None:
            return True
    try:
        return bool(sys.stdout.isatty())
    except (AttributeError, ValueError):
        return False


def _check_clip(clip) -> tuple[str, float] | None:
    if clip is None:
        return None
    ok = (isinstance(clip, tuple) and len(clip) == 2 and clip[0] in ("norm", "value") and np.isscalar(clip[1])
          and np.isfinite(clip[1]) and clip[1] > 0)
    if not ok:
        raise ValueError(f"clip must be None, ('norm', max_norm) or ('value', clip_value) with a positive "
                         f"number; got {clip!r}.")
    return clip[0], float(clip[1])


def _check_validation(validation):
    if validation is None:
        return None
    if not (isinstance(validation, tuple) and len(validation) == 3 and callable(validation[2])):
        raise ValueError("validation must be a tuple (X_val, y_val, metric_fn) with metric_fn(pred, y) -> float; "
                         f"got {type(validation).__name__}.")
    X_val, y_val, metric_fn = validation
    X_val, y_val = np.asarray(X_val), np.asarray(y_val)
    if X_val.ndim < 1 or y_val.ndim < 1 or X_val.shape[0] != y_val.shape[0] or X_val.shape[0] == 0:
        raise ValueError(f"X_val and y_val must have the same number N >= 1 of rows; got shapes {X_val.shape} "
                         f"and {y_val.shape}.")
    return X_val, y_val, metric_fn


def _evaluate(model: Module, X_val, y_val, metric_fn) -> float:
    was_training = model.training
    model.eval()
    try:
        return float(metric_fn(model(X_val), y_val))
    finally:
        model.train(was_training)


def fit(model: Module, loss_fn: Callable, optimizer: Any, batches: Callable[[int], Iterable], epochs: int, *,
        schedule: Any = None, clip: tuple[str, float] | None = None, averager: Any = None,
        validation: tuple | None = None, progress: bool | None = None) -> History:
    """Train ``model`` for ``epochs`` passes over ``batches(epoch)``; return the :class:`History`.

    Inputs:
    - model: a :class:`~nntrain.core.Module` (``forward``, ``backward``, ``zero_grad``).
    - loss_fn: ``loss_fn(pred, target) -> (loss, dpred)`` as in :mod:`nntrain.losses`,
      ``dpred`` of the shape of ``pred``.
    - optimizer: an :mod:`nntrain.optim` optimizer over ``model.parameters()``.
    - batches: ``batches(epoch)`` for epoch = 0, 1, ... returns an iterable of
      ``(X, y)``, X of shape (b, ...) and y the matching targets; call
      :func:`~nntrain.data.minibatches` inside it so each epoch is shuffled afresh.
    - epochs: a positive int.
    - schedule: None, a :class:`~nntrain.schedules.Scheduler` (``step()`` after
      each epoch), or a :class:`~nntrain.schedules.ReduceOnPlateau` (``step(value)``
      after each epoch, value = the validation metric if there is one, else the
      epoch's mean training loss).
    - clip: None, ``("norm", max_norm)`` (:func:`~nntrain.clipping.clip_grad_norm_`)
      or ``("value", v)`` (:func:`~nntrain.clipping.clip_grad_value_`), applied
      between the backward pass and ``optimizer.step()``.
    - averager: None or an :class:`~nntrain.averaging.AveragedModel` of ``model``,
      updated after every step; validation then evaluates the averaged model.
    - validation: None or ``(X_val, y_val, metric_fn)``, ``metric_fn(pred, y_val) -> float``,
      evaluated in ``eval()`` mode after every epoch.
    - progress: True for a tqdm bar over epochs, False for none; None (default)
      shows it only when :func:`interactive` says someone is watching.
    Returns: a :class:`History`. Bad arguments raise ``ValueError`` before any update.
    """
    if not isinstance(model, Module):
        raise ValueError(f"model must be a nntrain.core.Module; got {type(model).__name__}.")
    if not callable(loss_fn):
        raise ValueError(f"loss_fn must be callable as loss_fn(pred, target) -> (loss, dpred); got {loss_fn!r}.")
    if not (hasattr(optimizer, "step") and hasattr(optimizer, "param_groups")):
        raise ValueError(f"optimizer must be an nntrain.optim optimizer (step(), param_groups); "
                         f"got {type(optimizer).__name__}.")
    if not callable(batches):
        raise ValueError("batches must be a callable epoch -> iterable of (X, y), e.g. "
                         f"lambda epoch: minibatches(X, y, 32, rng); got {type(batches).__name__}.")
    if isinstance(epochs, (bool, np.bool_)) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a positive int; got {epochs!r}.")
    if schedule is not None and not callable(getattr(schedule, "step", None)):
        raise ValueError(f"schedule must be None, a Scheduler or a ReduceOnPlateau; got {type(schedule).__name__}.")
    if averager is not None and not callable(getattr(averager, "update_parameters", None)):
        raise ValueError(f"averager must be None or an AveragedModel; got {type(averager).__name__}.")
    clip = _check_clip(clip)
    validation = _check_validation(validation)
    if progress is None:
        progress = interactive()

    history = History()
    params = model.parameters()
    epoch_range: Iterable[int] = range(int(epochs))
    bar = None
    if progress:
        from tqdm.auto import tqdm  # lazy: the package imports with numpy alone
        # disable=False: an explicit request wins over TQDM_DISABLE
        epoch_range = bar = tqdm(epoch_range, desc="epochs", unit="epoch",
                                 disable=False)
    model.train()
    for epoch in epoch_range:
        start = time.perf_counter()
        history.lr.append(float(optimizer.param_groups[0]["lr"]))
        total, count, updates = 0.0, 0, 0
        for X_batch, y_batch in batches(epoch):
            model.zero_grad()
            loss, dpred = loss_fn(model(X_batch), y_batch)
            model.backward(dpred)
            if clip is not None:
                (clip_grad_norm_ if clip[0] == "norm" else clip_grad_value_)(params, clip[1])
            optimizer.step()
            if averager is not None:
                averager.update_parameters(model)
            loss = float(loss)
            history.loss.append(loss)
            b = len(X_batch)
            total, count, updates = total + loss * b, count + b, updates + 1
        if updates == 0:
            raise ValueError(f"batches({epoch}) yielded no batch; every epoch needs at least one (X, y).")
        history.epoch_loss.append(total / count)
        history.batches_per_epoch.append(updates)
        if validation is not None:
            evaluated = averager if averager is not None else model
            history.val_metric.append(_evaluate(evaluated, *validation))
        if isinstance(schedule, ReduceOnPlateau):
            schedule.step(history.val_metric[-1] if validation is not None else history.epoch_loss[-1])
        elif schedule is not None:
            schedule.step()
        history.time.append(time.perf_counter() - start)
        if bar is not None:
            shown = {"loss": f"{history.epoch_loss[-1]:.4g}"}
            if validation is not None:
                shown["val"] = f"{history.val_metric[-1]:.4g}"
            bar.set_postfix(shown)
    if bar is not None:
        bar.close()
    return history
