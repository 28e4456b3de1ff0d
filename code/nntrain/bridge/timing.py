"""How long one training step takes: nntrain's numpy MLP against the same MLP in torch (chapter 8).

A step is forward, softmax cross-entropy, backward, and SGD with momentum 0.9,
on one random batch. Both models are ``Linear -> ReLU -> ... -> Linear`` with
the *same* weights (torch's are copies of nntrain's), so they compute the
same numbers; only the machinery differs. numpy runs in float64; torch in
float64 too, and on a GPU also in float32, the precision GPUs are built for.

Timing rules: a few warm-up steps first (allocation, kernel selection, lazy
CUDA initialisation), then the median of ``repeats`` timed steps; on a GPU,
whose kernels run asynchronously, ``torch.cuda.synchronize()`` before every
reading of the clock, or the clock would time the launch, not the work.
"""
from __future__ import annotations

import contextlib
import time
from statistics import median
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import layers as L
from ..losses import softmax_cross_entropy
from ..optim import SGD

__all__ = ["time_steps", "cpu_threads", "SIZES"]

SIZES = ((64, 256, 10), (784, 1024, 1024, 10))


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def _median_time(step: Callable[[], None], repeats: int, warmup: int, device: torch.device,
                 min_time: float) -> float:
    for _ in range(warmup):
        step()
    times: list[float] = []
    while len(times) < repeats or (sum(times) < min_time and len(times) < 100 * repeats):
        _sync(device)
        start = time.perf_counter()
        step()
        _sync(device)
        times.append(time.perf_counter() - start)
    return median(times)


def _numpy_mlp(sizes, rng) -> L.Sequential:
    mods: list = []
    for i, (d, m) in enumerate(zip(sizes[:-1], sizes[1:])):
        mods.append(L.Linear(d, m, rng))
        if i < len(sizes) - 2:
            mods.append(L.ReLU())
    return L.Sequential(*mods)


def _torch_copy(model: L.Sequential, device: torch.device, dtype: torch.dtype) -> nn.Sequential:
    mods: list[nn.Module] = []
    for layer in model.layers:
        if isinstance(layer, L.Linear):
            lin = nn.Linear(layer.in_features, layer.out_features, device=device, dtype=dtype)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(layer.W.data))
                lin.bias.copy_(torch.from_numpy(layer.b.data))
            mods.append(lin)
        else:
            mods.append(nn.ReLU())
    return nn.Sequential(*mods)


@contextlib.contextmanager
def cpu_threads(n: int | None):
    """Run the block with ``n`` CPU threads for torch and for numpy's BLAS (``threadpoolctl``); None: as is."""
    if n is None:
        yield
        return
    from threadpoolctl import threadpool_limits     # installed with scikit-learn
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        with threadpool_limits(limits=n, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(before)


def time_steps(sizes=SIZES, batch_size: int = 256, repeats: int = 5, warmup: int = 1,
               device: str | torch.device = "cpu", seed: int = 0, min_time: float = 0.05,
               threads: int | None = 1) -> list[dict[str, Any]]:
    """Median seconds per training step, numpy against torch, for each tuple of layer sizes.

    Inputs: ``sizes`` a sequence of tuples (D, H1, ..., K) (input width, hidden
    widths, classes); ``batch_size`` N; ``repeats`` timed steps (after
    ``warmup`` untimed ones) per model at least, more for fast steps until
    ``min_time`` seconds are timed (at most 100 ``repeats``): a median of 3
    steps of a millisecond is at the mercy of whatever else the machine does;
    ``device`` for torch; ``threads`` CPU threads for both torch and numpy's
    BLAS during the call (None: leave them as they are). One thread each is
    the default because it makes a fair and repeatable comparison: on a busy
    2-core machine, with their default threads, numpy's OpenBLAS and torch's
    OpenMP threads spin against each other and a step took 2x to 100x longer,
    differently from one call to the next; with one thread each the times
    repeated within a few per cent.
    Returns: one dict per (sizes, torch dtype): ``sizes``, ``numpy_s`` (float64
    on the CPU), ``torch_s``, ``ratio`` = numpy_s / torch_s (how many times
    faster torch is), ``device``, ``dtype`` ("float64"; on a GPU a second row
    with "float32" follows), ``threads`` (torch's CPU threads).
    The whole call costs about ``2 (warmup + repeats)`` steps per row, and at
    least ``2 min_time`` seconds.
    """
    device = torch.device(device)
    with cpu_threads(threads):
        return _time_rows(sizes, batch_size, repeats, warmup, device, seed, min_time)


def _time_rows(sizes, batch_size, repeats, warmup, device, seed, min_time) -> list[dict[str, Any]]:
    rows = []
    for size in sizes:
        size = tuple(int(s) for s in size)
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((batch_size, size[0]))
        y = rng.integers(0, size[-1], batch_size)
        model = _numpy_mlp(size, rng)
        dtypes = [torch.float64] + ([torch.float32] if device.type != "cpu" else [])
        if device.type == "mps":
            dtypes = [torch.float32]                        # MPS has no float64
        copies = {dtype: _torch_copy(model, device, dtype) for dtype in dtypes}    # before numpy trains
        opt = SGD(model.parameters(), lr=0.01, momentum=0.9)

        def numpy_step() -> None:
            model.zero_grad()
            _, dlogits = softmax_cross_entropy(model(X), y)
            model.backward(dlogits)
            opt.step()

        numpy_s = _median_time(numpy_step, repeats, warmup, torch.device("cpu"), min_time)
        for dtype, tmodel in copies.items():
            topt = torch.optim.SGD(tmodel.parameters(), lr=0.01, momentum=0.9)
            tX = torch.as_tensor(X, dtype=dtype).to(device)
            ty = torch.as_tensor(y, dtype=torch.int64).to(device)

            def torch_step() -> None:
                topt.zero_grad()
                F.cross_entropy(tmodel(tX), ty).backward()
                topt.step()

            torch_s = _median_time(torch_step, repeats, warmup, device, min_time)
            rows.append(dict(sizes=size, numpy_s=numpy_s, torch_s=torch_s, ratio=numpy_s / torch_s,
                             device=str(device), dtype=str(dtype).removeprefix("torch."),
                             threads=torch.get_num_threads()))
    return rows
