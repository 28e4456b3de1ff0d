"""Chapter 5's widget: batch size and learning rate against loss curves and gradient noise.

:func:`batch_experiment` computes (numpy only); :func:`batch_figure` draws
one setting; :func:`batch_widget` is the ipywidgets version (needs a kernel)
and :func:`batch_companion` the static one for the website (every setting of a
small grid precomputed, see :mod:`nntrain.widgets.companion`). matplotlib and
ipywidgets are imported inside the functions that draw.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .. import batch_noise as bn
from ..synthetic import linear_regression

__all__ = ["PROBLEM_SEED", "problem", "batch_experiment", "batch_figure", "batch_widget", "batch_companion"]

#: The seed of the least-squares problem every frame uses (N = 256, d = 5, noise 0.5).
PROBLEM_SEED = 5


def problem(n: int = 256, d: int = 5, noise: float = 0.5, seed: int = PROBLEM_SEED):
    """X (n, d), y (n,), and the least-squares minimum w_hat (d,) and its loss L_min."""
    X, y, _ = linear_regression(n, d, np.random.default_rng(seed), noise=noise)
    w_hat = np.linalg.lstsq(X, y, rcond=None)[0]
    return X, y, w_hat, float(bn.squared_loss(X, y, w_hat))


def batch_experiment(batch_size: int, lr: float, epochs: int = 20, seeds: Sequence[int] = (0, 1, 2),
                     n_batches: int = 2000) -> dict:
    """Loss curves of minibatch SGD and the gradient noise at the minimum, for one (b, lr).

    Returns a dict: ``epoch`` (T + 1,) the epoch of each point, ``excess``
    (T + 1, len(seeds)) the training loss above its minimum (one column per
    seed of the batch order), ``full`` (epochs + 1,) the same for full-batch
    gradient descent at the same lr, ``noise`` (n_batches,) the first
    coordinate of the minibatch gradient at the minimum w_hat (where the full
    gradient is 0), ``noise_sd`` its predicted standard deviation, and
    ``diverged`` (whether any run blew up).
    """
    X, y, w_hat, L_min = problem()
    N = X.shape[0]
    curves = []
    with np.errstate(over="ignore", invalid="ignore"):
        for s in seeds:
            curves.append(bn.sgd_least_squares(X, y, [lr], batch_size, epochs, np.random.default_rng(s))[:, 0])
        full = bn.sgd_least_squares(X, y, [lr], N, epochs, np.random.default_rng(0))[:, 0]
    excess = np.column_stack(curves) - L_min
    diverged = bool(not np.all(np.isfinite(excess)) or np.nanmax(excess) > 1e6)
    G = bn.per_example_grads(X, y, w_hat)[:, :1]
    idx = bn.batch_indices(N, batch_size, n_batches, np.random.default_rng(99), replace=False)
    noise = G[idx, 0].mean(axis=1)
    return {"epoch": np.arange(excess.shape[0]) * batch_size / N, "excess": excess, "full": full - L_min,
            "noise": noise, "noise_sd": float(np.sqrt(bn.theory_variance(G, batch_size, replace=False))),
            "diverged": diverged}


def batch_figure(batch_size: int, lr: float, result: dict | None = None, width: float = 9.0, height: float = 3.4):
    """Loss above the minimum against epoch (left) and the histogram of gradient noise (right)."""
    import matplotlib.pyplot as plt

    from ..plotting import LINESTYLES, PALETTE, finish

    r = batch_experiment(batch_size, lr) if result is None else result
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(width, height))
    for i in range(r["excess"].shape[1]):
        e = np.clip(np.nan_to_num(r["excess"][:, i], nan=1e6), 1e-8, 1e6)
        ax.semilogy(r["epoch"], e, color=PALETTE[0], alpha=0.6, linewidth=1.0,
                    label=f"SGD, b = {batch_size} (3 batch orders)" if i == 0 else None)
    ax.semilogy(np.arange(r["full"].size), np.clip(r["full"], 1e-8, 1e6), color=PALETTE[1],
                linestyle=LINESTYLES[1], marker="o", markersize=3, label="full batch")
    ax.set_ylim(1e-5, 1e2)
    finish(ax, f"b = {batch_size}, lr = {lr:g}" + (" (diverged)" if r["diverged"] else ""), "epoch",
           "training loss − minimum", legend=True)
    ax.legend(fontsize=8)
    sd = r["noise_sd"]
    if sd > 0:
        lim = 4 * sd
        ax2.hist(r["noise"], bins=40, range=(-lim, lim), density=True, color=PALETTE[4], label="2000 batches")
        xs = np.linspace(-lim, lim, 200)
        ax2.plot(xs, np.exp(-0.5 * (xs / sd) ** 2) / (sd * np.sqrt(2 * np.pi)), color=PALETTE[3],
                 linestyle=LINESTYLES[1], label=f"normal, sd {sd:.3g}")
    finish(ax2, "Gradient noise at the minimum", "minibatch gradient, first weight", "density", legend=sd > 0)
    return fig


def batch_widget(batch_sizes: Sequence[int] = (1, 2, 4, 8, 16, 32, 64, 128, 256), lr: float = 0.01):
    """The interactive figure (needs a running kernel): a batch-size and a learning-rate slider.

    Returns an ``ipywidgets.VBox``; the figure is drawn into an
    ``ipywidgets.Image`` (as chapter 4's race), so the saved notebook and
    nbval see one and the same output. ``box.redraw()`` recomputes.
    """
    import ipywidgets as W

    from .companion import png_bytes

    wide = {"description_width": "8em"}
    b_w = W.SelectionSlider(options=list(batch_sizes), value=16 if 16 in batch_sizes else batch_sizes[0],
                            description="batch size b", style=wide)
    lr_w = W.FloatLogSlider(value=lr, base=10, min=-3, max=-1, step=0.25, description="learning rate", style=wide)
    image = W.Image(format="png", layout=W.Layout(max_width="900px"))

    def redraw(*_):
        fig = batch_figure(b_w.value, lr_w.value)
        image.value = png_bytes(fig)

    for w in (b_w, lr_w):
        w.observe(redraw, names="value")
    box = W.VBox([W.HBox([b_w, lr_w]), image])
    box.redraw, box.image = redraw, image
    redraw()
    return box


def batch_companion(batch_sizes: Sequence[int] = (1, 4, 16, 64), lrs: Sequence[float] = (0.01, 0.03, 0.1)):
    """The static companion: one precomputed frame per (b, lr); returns IPython HTML (12 frames by default)."""
    from .companion import slider_figure

    cache: dict = {}

    def result(batch_size, lr):
        if (batch_size, lr) not in cache:
            cache[batch_size, lr] = batch_experiment(batch_size, lr)
        return cache[batch_size, lr]

    def render(batch_size, lr):
        return batch_figure(batch_size, lr, result(batch_size, lr), height=3.2)

    def alt(batch_size, lr):
        r = result(batch_size, lr)
        tail = r["excess"][-r["excess"].shape[0] // 4:]
        return (f"Left: training loss above its minimum over 20 epochs of SGD with batch size {batch_size} and "
                f"learning rate {lr:g} for three batch orders, against full-batch descent; the SGD runs end "
                f"around {np.median(tail):.1e}. Right: histogram of the gradient noise at the minimum, "
                f"standard deviation {r['noise_sd']:.2g}, with its normal curve.")

    return slider_figure(render, {"batch_size": list(batch_sizes), "lr": list(lrs)}, alt, dpi=60,
                         title="Batch size, learning rate and gradient noise",
                         labels={"batch_size": "batch size b", "lr": "learning rate"})
