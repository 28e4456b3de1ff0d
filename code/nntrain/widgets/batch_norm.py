"""Chapter 7's widget: batch normalization against the learning rate.

:func:`bn_experiment` trains one MLP on the digits (numpy only, through
:func:`nntrain.train.fit`), with or without :class:`~nntrain.batch_norm.
BatchNorm1d` after each hidden Linear layer, from the same initial weights
and with the same minibatch order; :func:`bn_figure` draws one learning rate:
the training loss per epoch (left) and the test accuracy per epoch (right),
both nets in one frame; :func:`bn_widget` is the ipywidgets version (needs a
kernel) and :func:`bn_companion` the static one for the website (every
learning rate of a small grid precomputed, see :mod:`nntrain.widgets.companion`).
matplotlib and ipywidgets are imported inside the functions that draw.
"""
from __future__ import annotations

import contextlib
import functools
from typing import Sequence

import numpy as np

from ..batch_norm import BatchNorm1d
from ..data import digits, minibatches
from ..layers import Linear, ReLU, Sequential
from ..losses import softmax_cross_entropy
from ..optim import SGD
from ..train import fit

__all__ = ["LIMIT", "LOSS_YLIM", "COMPANION_LRS", "STYLE", "build_mlp",
           "evaluate", "bn_experiment", "bn_results", "bn_figure",
           "bn_widget", "bn_alt", "bn_companion"]

#: A run has diverged once its epoch loss is non-finite or above this.
LIMIT = 1e3
#: The fixed y-range of the loss panel; a diverged run leaves it at the top.
LOSS_YLIM = (1e-3, 1e2)
#: The companion's learning rates: both nets train (0.01 ... 0.3), only the
#: batch-norm net trains (1, 3), it stalls at chance (10), both diverge (30).
COMPANION_LRS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
#: Line colour, line style and marker of each net, and its legend name.
STYLE = {False: (0, "-", "o", "without batch norm"),
         True: (3, "--", "s", "with batch norm")}


@functools.lru_cache(maxsize=1)
def _data():
    """The standardised digits split (X_train, y_train, X_test, y_test)."""
    return digits()


def _one_blas_thread():
    """Run BLAS on one thread: for 64 x 64 products, threads only contend
    (3 to 5 times slower on a busy two-core machine). threadpoolctl comes
    with scikit-learn; without it, nothing changes."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:     # pragma: no cover - installed with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def build_mlp(batch_norm: bool, depth: int, width: int,
              rng: np.random.Generator, n_in: int = 64,
              n_out: int = 10) -> Sequential:
    """``depth`` blocks Linear(init="he") -> [BatchNorm1d] -> ReLU, then
    Linear(width, n_out). BatchNorm1d draws no random numbers, so the same
    ``rng`` gives the same weights with and without batch norm."""
    layers: list = []
    d = n_in
    for _ in range(depth):
        layers.append(Linear(d, width, rng, init="he"))
        if batch_norm:
            layers.append(BatchNorm1d(width))
        layers.append(ReLU())
        d = width
    layers.append(Linear(d, n_out, rng, init="he"))
    return Sequential(*layers)


def evaluate(model: Sequential, X, y) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of ``model`` on (X, y) in **eval**
    mode (batch norm uses its running statistics); the model's mode is
    restored afterwards. NaN for both if the logits are not finite."""
    was_training = model.training
    model.eval()
    try:
        logits = model(X)
        loss, _ = softmax_cross_entropy(logits, y)
        return float(loss), float(np.mean(logits.argmax(axis=1) == y))
    except ValueError as err:          # non-finite activations or logits
        if "finite" not in str(err):
            raise
        return float("nan"), float("nan")
    finally:
        model.train(was_training)


def bn_experiment(batch_norm: bool, lr: float, epochs: int = 10,
                  depth: int = 6, width: int = 64, batch_size: int = 64,
                  seed: int = 0) -> dict:
    """Train the MLP of :func:`build_mlp` on the digits with plain SGD.

    The weights come from ``default_rng(seed)``, the minibatch order from
    ``default_rng(seed + 1)``: with and without batch norm the runs start from
    the same weights and see the same batches. After every epoch the test
    split is evaluated in eval mode (:func:`evaluate`). Training stops once
    the epoch loss is non-finite (``fit`` raises on non-finite logits) or
    above :data:`LIMIT`; the remaining epochs are NaN.

    Returns a dict: ``epoch_loss`` (epochs,) the mean training loss of each
    epoch; ``val_loss``, ``val_accuracy`` (epochs,) on the test split after
    each epoch; ``diverged`` (bool) and ``diverged_epoch`` (1-based, or
    None); ``final_loss``, ``final_accuracy`` (of the last epoch, NaN if
    diverged); ``model`` the trained net (in train mode); ``setting`` the
    depth, width, batch size and seed.
    """
    X, y, X_test, y_test = _data()
    model = build_mlp(batch_norm, depth, width, np.random.default_rng(seed))
    optimizer = SGD(model.parameters(), lr=lr)
    order = np.random.default_rng(seed + 1)

    def batches(_epoch):
        return minibatches(X, y, batch_size, order)

    nan = np.full(epochs, np.nan)
    loss, val_loss, val_acc = nan.copy(), nan.copy(), nan.copy()
    diverged_epoch = None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), \
            _one_blas_thread():
        for e in range(epochs):
            try:
                h = fit(model, softmax_cross_entropy, optimizer, batches, 1,
                        progress=False)
                loss[e] = h.epoch_loss[0]
            except ValueError as err:    # nan or inf in a forward pass
                if "finite" not in str(err):
                    raise
            if np.isfinite(loss[e]):
                val_loss[e], val_acc[e] = evaluate(model, X_test, y_test)
            if not np.isfinite(loss[e]) or loss[e] > LIMIT:
                diverged_epoch = e + 1
                break
    return {"epoch_loss": loss, "val_loss": val_loss, "val_accuracy": val_acc,
            "diverged": diverged_epoch is not None,
            "diverged_epoch": diverged_epoch,
            "final_loss": float(loss[-1]),
            "final_accuracy": float(val_acc[-1]), "model": model,
            "setting": {"depth": depth, "width": width,
                        "batch_size": batch_size, "seed": seed}}


def bn_results(lr: float, **kwargs) -> dict:
    """Both runs at one learning rate: ``{False: plain, True: batch norm}``."""
    return {bn: bn_experiment(bn, lr, **kwargs) for bn in (False, True)}


def bn_figure(lr: float, results: dict | None = None, width: float = 9.0,
              height: float = 3.4, show: Sequence[bool] = (False, True)):
    """Training loss (left, log scale) and test accuracy (right) per epoch.

    ``results`` is :func:`bn_results`'s dict (computed when None); ``show``
    the nets to draw (False: without, True: with batch norm). A diverged run
    climbs to the top of the fixed loss range and ends in a cross there,
    marked "diverged"; its accuracy curve ends with the last epoch it was
    measured in; the legend says "(diverged in epoch k)".
    Dotted grey lines: chance (ln 10 loss, 10 % accuracy).
    """
    import matplotlib.pyplot as plt

    from ..plotting import PALETTE

    rs = bn_results(lr) if results is None else results
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(width, height),
                                  layout="constrained")
    top = LOSS_YLIM[1]
    n = len(next(iter(rs.values()))["epoch_loss"])
    marked: set = set()
    for bn in show:
        r = rs[bn]
        color = PALETTE[STYLE[bn][0]]
        ls, marker, name = STYLE[bn][1:]
        epochs = np.arange(1, n + 1)
        label = name
        loss = r["epoch_loss"].copy()
        if r["diverged"]:
            k = r["diverged_epoch"]
            label += f" (diverged in epoch {k})"
            loss[k - 1] = top                  # the curve leaves at the top
            # two runs that diverge in the same epoch: crosses side by side
            both = [rs[b]["diverged_epoch"] for b in show] == [k, k]
            x = k + (0.15 * (1 if bn else -1) if both else 0.0)
            ax.plot([x], [top], marker="x", color=color, markersize=11,
                    markeredgewidth=2.5, clip_on=False, zorder=5)
            if k not in marked:
                ax.annotate("diverged", (k + (0.15 if both else 0), top),
                            xytext=(10, -3),
                            textcoords="offset points", ha="left",
                            va="top", fontsize=9, color="0.2")
                marked.add(k)
        else:
            label += (f": loss {r['final_loss']:.2g}, "
                      f"accuracy {r['final_accuracy']:.0%}")
        ax.semilogy(epochs, np.minimum(loss, top), color=color,
                    linestyle=ls, marker=marker, markersize=4, label=label)
        ax2.plot(epochs, r["val_accuracy"], color=color, linestyle=ls,
                 marker=marker, markersize=4)
    ax.axhline(np.log(10), color="0.45", linestyle=":", linewidth=1.2,
               label="chance (loss ln 10, accuracy 10 %)", zorder=1)
    ax2.axhline(0.1, color="0.45", linestyle=":", linewidth=1.2, zorder=1)

    ax.set_ylim(*LOSS_YLIM)
    ax2.set_ylim(0, 1)
    for a in (ax, ax2):
        a.set_xlim(0.5, n + 0.5)
        a.set_xticks(range(1, n + 1, max(1, n // 10)))
        a.set_xlabel("epoch", fontsize=10)
        a.tick_params(labelsize=9)
    ax.set_title("Training loss (epoch mean)", fontsize=11)
    ax.set_ylabel("cross-entropy (log scale)", fontsize=10)
    ax2.set_title("Test accuracy (eval mode)", fontsize=11)
    ax2.set_ylabel("accuracy", fontsize=10)
    ax2.yaxis.set_major_formatter(
        plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center",
               ncol=1 + (len(show) > 1), fontsize=9, frameon=False,
               handlelength=2.6, columnspacing=2.0)
    s = next(iter(rs.values()))["setting"]
    fig.suptitle(f"Plain SGD, learning rate {lr:.3g}: {s['depth']} hidden "
                 f"ReLU layers of {s['width']}, batch {s['batch_size']}, "
                 f"digits",
                 fontsize=12)
    return fig


def bn_widget(lr: float = 0.3):
    """The interactive figure (needs a running kernel).

    A learning-rate slider (log scale, half-decade steps from 0.001 to
    about 30) and a batch-norm toggle ("off": only the plain net, "on":
    only the batch-norm net, "both"). Returns an ``ipywidgets.VBox``; the
    figure is drawn into an ``ipywidgets.Image`` (as chapters 5 and 6), so
    the saved notebook and nbval see one and the same output.
    ``box.redraw()`` redraws; ``box.image`` is the image and
    ``box.controls`` maps "lr" and "batch_norm" to their widgets. Results
    are cached per learning rate (about half a second each).
    """
    import ipywidgets as W

    from .companion import png_bytes

    wide = {"description_width": "8em"}
    lr_w = W.FloatLogSlider(value=lr, base=10, min=-3, max=1.5, step=0.5,
                            description="learning rate", style=wide,
                            readout_format=".2g")
    bn_w = W.ToggleButtons(options=["off", "on", "both"], value="both",
                           description="batch norm",
                           style={**wide, "button_width": "5em"})
    image = W.Image(format="png", layout=W.Layout(max_width="900px"))
    cache: dict = {}
    shown = {"off": (False,), "on": (True,), "both": (False, True)}

    def redraw(*_):
        key = float(f"{lr_w.value:.6g}")
        if key not in cache:
            cache[key] = bn_results(key)
        fig = bn_figure(key, cache[key], show=shown[bn_w.value])
        image.value = png_bytes(fig)

    for w in (lr_w, bn_w):
        w.observe(redraw, names="value")
    box = W.VBox([W.HBox([lr_w, bn_w]), image])
    box.redraw, box.image = redraw, image
    box.controls = {"lr": lr_w, "batch_norm": bn_w}
    redraw()
    return box


def _end(r: dict) -> str:
    if r["diverged"]:
        return f"diverges in epoch {r['diverged_epoch']}"
    return (f"ends at training loss {r['final_loss']:.2g} and test accuracy "
            f"{r['final_accuracy']:.0%}")


def bn_alt(lr: float, results: dict) -> str:
    """The alt text of one frame, its numbers read from ``results``."""
    n = len(results[False]["epoch_loss"])
    depth = results[False]["setting"]["depth"]
    return (f"Plain SGD at learning rate {lr:g} for {n} epochs on the digits, "
            f"the same {depth}-layer ReLU net with and without batch norm. "
            f"Without "
            f"batch norm the run {_end(results[False])}; with batch norm it "
            f"{_end(results[True])} (chance: loss 2.3, accuracy 10%). Left: "
            f"training loss per epoch, log scale; right: test accuracy per "
            f"epoch.")


def bn_companion(lrs: Sequence[float] = COMPANION_LRS,
                 results: dict | None = None):
    """The static companion: one precomputed frame per learning rate, both
    nets in every frame. ``results`` may map learning rates to
    :func:`bn_results` already computed (the chapter's grid), so they are not
    trained twice. Returns IPython HTML (8 frames by default) with
    ``.nbytes``."""
    from .companion import slider_figure

    cache: dict = dict(results or {})

    def result(lr):
        if lr not in cache:
            cache[lr] = bn_results(lr)
        return cache[lr]

    def render(lr):
        # 7.5 x 3.3 inches at 72 dpi, as chapter 6's companion
        return bn_figure(lr, result(lr), width=7.5, height=3.3)

    return slider_figure(render, {"lr": [float(v) for v in lrs]},
                         lambda lr: bn_alt(lr, result(lr)), dpi=72,
                         title="Batch normalization and the learning rate",
                         labels={"lr": "learning rate"})
