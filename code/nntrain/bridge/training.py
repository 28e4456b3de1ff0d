"""Chapter 8's training loop, written once for every device (CPU, CUDA, Apple's MPS).

The five lines of :func:`nntrain.train.fit` become torch's five lines::

    optimizer.zero_grad()
    loss = F.cross_entropy(model(X), y)
    loss.backward()
    clip_grad_norm_(model.parameters(), max_norm)       # only with clip
    optimizer.step()

What is new is *where* the numbers live. One ``device`` is chosen at the top
(:func:`select_device`); the model, the data, the optimizer state, the EMA copy
and every tensor the loop creates are put there, so the same code runs on a
laptop and on a GPU. Nothing is moved back to the host inside the loop: the
epoch's loss and accuracy are summed in device tensors and read (``.item()``,
one synchronisation) once per epoch.

Reproducibility: :func:`seed_everything` seeds torch (all devices) and numpy's
legacy global generator and returns a CPU ``torch.Generator`` for the shuffle.
Two runs with the same seed on the same machine give identical histories.

Threads: on a CPU, torch splits every operation over ``torch.get_num_threads()``
threads. For models as small as this chapter's, that costs more than it saves:
ten epochs on the digits took 0.2 s with ``torch.set_num_threads(1)`` and 9 s
with 2 threads on a busy 2-core machine (same history). This module leaves
the setting alone (it is process-wide); the chapter and the tests choose.
"""
from __future__ import annotations

import os
from typing import Any, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.optim import lr_scheduler
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from torch.utils.data import DataLoader, TensorDataset

from ..data import digits

__all__ = ["select_device", "seed_everything", "DigitsLoaders", "digits_loaders", "make_mlp", "evaluate", "train",
           "METRICS"]

METRICS = ("train_loss", "test_loss", "test_acc", "lr")   # the per-epoch lists in train()'s history


def _available() -> list[str]:
    names = ["cuda"] if torch.cuda.is_available() else []
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        names.append("mps")
    return names + ["cpu"]


def select_device(prefer: str | torch.device | None = None) -> torch.device:
    """The device to train on: ``"cuda"`` if available, else ``"mps"`` (Apple GPUs), else ``"cpu"``.

    ``prefer`` (e.g. ``"cpu"`` or ``"cuda:1"``) overrides the choice; a device
    that is not available raises ``ValueError`` naming those that are.
    """
    available = _available()
    if prefer is None:
        return torch.device(available[0])
    device = torch.device(prefer)
    ok = device.type in available
    if ok and device.type == "cuda" and device.index is not None:
        ok = device.index < torch.cuda.device_count()
    if not ok:
        raise ValueError(f"device {str(device)!r} is not available here; available: {', '.join(available)}.")
    return device


def seed_everything(seed: int, deterministic: bool = True) -> torch.Generator:
    """Seed torch (CPU and every GPU) and numpy's global generator; return a seeded CPU ``torch.Generator``.

    The returned generator is for ``DataLoader(..., generator=g)``: the shuffle
    then depends on it alone. ``torch.manual_seed`` covers what has no
    generator argument (``nn.init``, dropout masks). ``np.random.seed`` is only
    for third-party code that uses numpy's legacy global generator; nntrain
    never does (its functions take an ``rng``).

    ``deterministic=True`` calls ``torch.use_deterministic_algorithms(True,
    warn_only=True)`` and turns cuDNN's autotuner off. Chosen because it costs
    nothing here: this book's models (Linear, BatchNorm1d, ReLU, cross-entropy)
    have deterministic kernels on the CPU and GPU alike, so the flag changes
    no kernel (on this CPU a training step took the same time with and
    without, within noise); ``warn_only`` makes an op without a deterministic
    version warn rather than fail. On CUDA, cuBLAS needs
    ``CUBLAS_WORKSPACE_CONFIG=:4096:8`` (a few MiB of workspace) to be
    deterministic: it is set here if unset, which works when this runs before
    the first matrix product on the GPU. The flag is process-wide.
    """
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(deterministic, warn_only=True)
    torch.manual_seed(seed)          # seeds the CUDA (and MPS) generators too
    np.random.seed(seed % 2**32)
    return torch.Generator().manual_seed(seed)


class DigitsLoaders(NamedTuple):
    """``train``: shuffled minibatches; ``test``: the whole test set as one batch (``test.dataset.tensors``)."""

    train: DataLoader
    test: DataLoader


def digits_loaders(batch_size: int = 64, device: str | torch.device = "cpu", seed: int = 0,
                   dtype: torch.dtype = torch.float32, generator: torch.Generator | None = None) -> DigitsLoaders:
    """``DataLoader``s over :func:`nntrain.data.digits` (the split and standardisation of every chapter).

    Inputs: ``batch_size`` of the training loader; ``device`` where the data
    live; ``seed`` for the shuffle (a fresh CPU ``torch.Generator``; pass
    ``generator`` instead to share one, e.g. :func:`seed_everything`'s);
    ``dtype`` of the images (labels are int64).
    Returns: :class:`DigitsLoaders`; the training loader yields ``X`` of shape
    (b, 64) and ``y`` of shape (b,), b = batch_size except the last batch, in a
    new order every epoch; the test loader yields the 360 test images once.

    The data set is small (1437 x 64 floats), so it is moved to ``device`` once,
    here, and every batch is cut on the device. For data that do not fit on the
    device, keep them on the CPU (``pin_memory=True``) and move each batch in
    the loop, as :func:`train` does anyway (``.to(device)`` is free when the
    batch is already there). The sampler's index permutation is drawn on the
    CPU from the CPU generator; only indices, never data, live there.
    """
    device = torch.device(device)
    X_train, y_train, X_test, y_test = digits()
    as_x = lambda a: torch.as_tensor(a, dtype=dtype).to(device)          # noqa: E731
    as_y = lambda a: torch.as_tensor(a, dtype=torch.int64).to(device)    # noqa: E731
    train_set = TensorDataset(as_x(X_train), as_y(y_train))
    test_set = TensorDataset(as_x(X_test), as_y(y_test))
    if generator is None:
        generator = torch.Generator().manual_seed(seed)
    return DigitsLoaders(DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=generator),
                         DataLoader(test_set, batch_size=len(test_set), shuffle=False))


def make_mlp(hidden: tuple[int, ...] = (128, 64), batch_norm: bool = True, init: str = "he", dropout: float = 0.0,
             in_features: int = 64, out_features: int = 10, device: str | torch.device = "cpu",
             dtype: torch.dtype = torch.float32) -> nn.Sequential:
    """``Linear -> [BatchNorm1d] -> ReLU -> [Dropout]`` per hidden width, then a ``Linear`` to the logits.

    ``init``: ``"he"`` (``kaiming_normal_``, nonlinearity ``"relu"``: N(0, 2/fan_in)),
    ``"xavier"`` (``xavier_uniform_``) or ``"torch"`` (torch's default, biases
    not zeroed); for "he" and "xavier" every Linear weight, the last included
    (as nntrain's ``Linear(init=...)``), and every bias is 0. The weights are
    drawn on the CPU from torch's global generator (seed it with
    :func:`seed_everything`) and then moved: the same seed gives the same
    initial model on every device.
    """
    if init not in ("he", "xavier", "torch"):
        raise ValueError(f"init must be 'he', 'xavier' or 'torch'; got {init!r}.")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must lie in [0, 1); got {dropout!r}.")
    layers: list[nn.Module] = []
    width = in_features
    for h in hidden:
        layers.append(nn.Linear(width, h, dtype=dtype))
        if batch_norm:
            layers.append(nn.BatchNorm1d(h, dtype=dtype))
        layers.append(nn.ReLU())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = h
    layers.append(nn.Linear(width, out_features, dtype=dtype))
    if init != "torch":
        for layer in layers:
            if isinstance(layer, nn.Linear):
                if init == "he":
                    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                else:
                    nn.init.xavier_uniform_(layer.weight)
                nn.init.zeros_(layer.bias)
    return nn.Sequential(*layers).to(device)


def _make_optimizer(name: str, params, lr: float, momentum: float, weight_decay: float) -> torch.optim.Optimizer:
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"optimizer must be 'sgd', 'adam' or 'adamw'; got {name!r}.")


def _make_schedule(opt, schedule, epochs: int, warmup: int, steps_per_epoch: int, step_size, gamma: float):
    """(scheduler or None, True if it steps per batch). Warmup: lr (e+1)/(W+1) in epochs e = 0..W-1."""
    if schedule == "onecycle":      # its own warmup: pct_start of the steps (warmup_epochs / epochs if given)
        pct = warmup / epochs if warmup else 0.3
        return lr_scheduler.OneCycleLR(opt, max_lr=opt.param_groups[0]["lr"], epochs=epochs,
                                       steps_per_epoch=steps_per_epoch, pct_start=pct), True
    rest = epochs - warmup
    if schedule == "step":
        main = lr_scheduler.StepLR(opt, step_size=step_size or max(1, rest // 3), gamma=gamma)
    elif schedule == "cosine":
        main = lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, rest))
    elif schedule is None:
        main = None
    else:
        raise ValueError(f"schedule must be None, 'step', 'cosine' or 'onecycle'; got {schedule!r}.")
    if warmup == 0:
        return main, False
    ramp = lr_scheduler.LinearLR(opt, start_factor=1 / (warmup + 1), end_factor=1.0, total_iters=warmup)
    if main is None:
        return ramp, False
    return lr_scheduler.SequentialLR(opt, [ramp, main], milestones=[warmup]), False


@torch.no_grad()
def evaluate(model: nn.Module, loader: DataLoader, device: torch.device) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of ``model`` in eval mode over ``loader``; restores the model's mode."""
    was_training = model.training
    model.eval()
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), dtype=torch.int64, device=device)
    n = 0
    for X, y in loader:
        X, y = X.to(device, non_blocking=True), y.to(device, non_blocking=True)
        out = model(X)
        loss_sum += F.cross_entropy(out, y, reduction="sum")
        correct += (out.argmax(dim=1) == y).sum()
        n += len(y)
    model.train(was_training)
    return loss_sum.item() / n, correct.item() / n


def train(model: nn.Module, loaders: DigitsLoaders, device: str | torch.device, epochs: int, optimizer: str = "sgd",
          lr: float = 0.1, momentum: float = 0.9, weight_decay: float = 0.0, schedule: str | None = None,
          warmup_epochs: int = 0, step_size: int | None = None, gamma: float = 0.1, clip: float | None = None,
          ema: float | None = None, progress: bool | None = None) -> dict[str, Any]:
    """Train ``model`` on ``loaders.train`` for ``epochs`` epochs; evaluate on ``loaders.test`` after each.

    Inputs: ``optimizer`` ``"sgd"`` (with ``momentum``), ``"adam"`` or ``"adamw"``
    at rate ``lr`` with ``weight_decay``; ``schedule`` None, ``"step"`` (x ``gamma``
    every ``step_size`` epochs, default a third of the epochs after warmup),
    ``"cosine"`` (to 0 at the last epoch) or ``"onecycle"``; ``warmup_epochs`` W:
    a linear warmup, rates lr/(W+1), 2lr/(W+1), ..., W lr/(W+1) in epochs 0..W-1,
    then the schedule from lr (``SequentialLR(LinearLR, StepLR | CosineAnnealingLR)``,
    stepped once per epoch). ``OneCycleLR`` steps after every batch and has its
    own warmup: W, if given, sets it (``pct_start = W / epochs``). ``clip``: max
    norm for ``clip_grad_norm_``. ``ema``: a decay, e.g. 0.99, for an
    exponential moving average of the weights, ``AveragedModel(...,
    use_buffers=True)``: batch norm's running statistics are averaged too, so
    the EMA model needs no ``update_bn`` pass (with ``use_buffers=False`` it
    would keep the running statistics of the first step and need one).
    The EMA model, if any, is the one evaluated. ``progress``: a tqdm bar over
    epochs (default: only when :func:`nntrain.train.interactive`).

    Returns the history: lists ``train_loss`` (mean over the epoch's examples),
    ``test_loss``, ``test_acc``, ``lr`` (the rate of the epoch's first step),
    one entry per epoch, and ``optimizer``, ``ema_model`` (None without ema) for
    inspection. Training runs in ``model.train()`` mode, evaluation in
    ``model.eval()`` under ``torch.no_grad()``.
    """
    device = torch.device(device)
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int; got {epochs!r}.")
    if not isinstance(warmup_epochs, int) or not 0 <= warmup_epochs < epochs:
        raise ValueError(f"warmup_epochs must be an int in [0, epochs); got {warmup_epochs!r}.")
    model.to(device)
    opt = _make_optimizer(optimizer, model.parameters(), lr, momentum, weight_decay)
    sched, per_batch = _make_schedule(opt, schedule, epochs, warmup_epochs, len(loaders.train), step_size, gamma)
    ema_model = None
    if ema is not None:
        # device=device: AveragedModel puts its step counter n_averaged on the CPU when device is None
        ema_model = AveragedModel(model, device=device, multi_avg_fn=get_ema_multi_avg_fn(ema), use_buffers=True)
    if progress is None:
        from ..train import interactive
        progress = interactive()
    epoch_range = range(epochs)
    if progress:
        from tqdm.auto import tqdm
        epoch_range = tqdm(epoch_range, desc="epochs", unit="epoch", disable=False)

    history: dict[str, Any] = {k: [] for k in METRICS}
    for _ in epoch_range:
        history["lr"].append(opt.param_groups[0]["lr"])
        model.train()
        loss_sum, n = torch.zeros((), device=device), 0
        for X, y in loaders.train:
            X, y = X.to(device, non_blocking=True), y.to(device, non_blocking=True)
            opt.zero_grad()
            loss = F.cross_entropy(model(X), y)
            loss.backward()
            if clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            if ema_model is not None:
                ema_model.update_parameters(model)
            if sched is not None and per_batch:
                sched.step()
            loss_sum += loss.detach() * len(y)      # stays on the device: no synchronisation per batch
            n += len(y)
        if sched is not None and not per_batch:
            sched.step()
        test_loss, test_acc = evaluate(ema_model if ema_model is not None else model, loaders.test, device)
        history["train_loss"].append(loss_sum.item() / n)
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
        if progress:
            epoch_range.set_postfix(loss=f"{history['train_loss'][-1]:.3f}", acc=f"{test_acc:.3f}")
    history["optimizer"] = opt
    history["ema_model"] = ema_model
    return history
