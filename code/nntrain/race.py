"""The optimizer race of chapter 4: several optimizers on one 2-D problem, side by side.

The computations are pure and testable (:func:`make_racer`, :func:`race`,
:func:`problem`); :func:`race_figure` draws one race, :func:`race_widget` is
the interactive version (ipywidgets, needs a kernel) and
:func:`race_companion` the static one for the website (every setting of a
small grid precomputed, see :mod:`nntrain.companion`). matplotlib and
ipywidgets are imported only inside the functions that draw.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from . import optim
from .core import Parameter
from .descent import Trajectory, run_optimizer
from .functions import Rosenbrock
from .quadratic import Quadratic

__all__ = ["RACERS", "PROBLEMS", "START", "make_racer", "problem", "race", "race_figure", "race_widget",
           "race_companion"]

#: The optimizers that can enter a race, and what the shared knobs mean for each.
RACERS = {
    "SGD": "SGD(lr)",
    "Momentum": "SGD(lr, momentum=beta1)",
    "Nesterov": "SGD(lr, momentum=beta1, nesterov=True)",
    "Adagrad": "Adagrad(lr)",
    "RMSprop": "RMSprop(lr, alpha=beta2)",
    "Adadelta": "Adadelta(lr=1, rho=beta2) (no learning rate, as Zeiler)",
    "Adam": "Adam(lr, betas=(beta1, beta2))",
    "AMSGrad": "Adam(lr, betas=(beta1, beta2), amsgrad=True)",
    "Rprop": "Rprop(lr) (lr is the initial step size)",
}
#: The 2-D problems of the race.
PROBLEMS = ("valley", "rotated valley", "Rosenbrock")
#: Where each problem's race starts.
START = {"valley": np.array([-4.0, 1.5]), "rotated valley": np.array([-4.0, 1.5]),
         "Rosenbrock": np.array([-1.5, 2.0])}


def problem(name: str):
    """The 2-D problem ``name`` (one of :data:`PROBLEMS`).

    "valley": E = (w1^2 + 25 w2^2) / 2, axis-aligned (condition number 25);
    "rotated valley": the same bowl rotated by 30 degrees (per-coordinate
    methods lose their advantage); "Rosenbrock": Rosenbrock(1, 100).
    """
    if name == "valley":
        return Quadratic.from_eigenvalues([1.0, 25.0])
    if name == "rotated valley":
        return Quadratic.from_eigenvalues([1.0, 25.0], Q=np.pi / 6)
    if name == "Rosenbrock":
        return Rosenbrock(1.0, 100.0)
    raise ValueError(f"problem must be one of {PROBLEMS}; got {name!r}.")


def make_racer(name: str, lr: float, beta1: float = 0.9, beta2: float = 0.999) -> Callable[[list[Parameter]], optim.Optimizer]:
    """A factory ``params -> optimizer`` for racer ``name`` (see :data:`RACERS`) with the shared knobs."""
    factories = {
        "SGD": lambda p: optim.SGD(p, lr=lr),
        "Momentum": lambda p: optim.SGD(p, lr=lr, momentum=beta1),
        "Nesterov": lambda p: optim.SGD(p, lr=lr, momentum=beta1, nesterov=True),
        "Adagrad": lambda p: optim.Adagrad(p, lr=lr),
        "RMSprop": lambda p: optim.RMSprop(p, lr=lr, alpha=beta2),
        "Adadelta": lambda p: optim.Adadelta(p, lr=1.0, rho=beta2),
        "Adam": lambda p: optim.Adam(p, lr=lr, betas=(beta1, beta2)),
        "AMSGrad": lambda p: optim.Adam(p, lr=lr, betas=(beta1, beta2), amsgrad=True),
        "Rprop": lambda p: optim.Rprop(p, lr=lr),
    }
    if name not in factories:
        raise ValueError(f"racer must be one of {list(RACERS)}; got {name!r}.")
    return factories[name]


def race(problem_name: str, names: Sequence[str], lr: float, beta1: float = 0.9, beta2: float = 0.999,
         steps: int = 150, w0=None) -> dict[str, Trajectory]:
    """Run every racer in ``names`` from the same start; returns name -> Trajectory (w of shape (T + 1, 2)).

    Runs that blow up stop early (see :class:`nntrain.descent.Trajectory`).
    """
    if not names:
        raise ValueError("choose at least one optimizer for the race; got none.")
    prob = problem(problem_name)
    w0 = START[problem_name] if w0 is None else np.asarray(w0, dtype=np.float64)
    return {n: run_optimizer(prob, make_racer(n, lr, beta1, beta2), w0, steps, blowup=1e3) for n in names}


def _view(problem_name: str) -> tuple[tuple[float, float], tuple[float, float]]:
    if problem_name == "Rosenbrock":
        return (-2.0, 2.0), (-1.0, 3.0)
    return (-5.0, 5.0), (-2.5, 2.5)


def race_figure(problem_name: str, races: dict[str, Trajectory], title: str = "", width: float = 9.0,
                height: float = 3.6):
    """Paths on the contour plot (left) and loss against iteration (right); returns the Figure."""
    import matplotlib.pyplot as plt

    from .plotting import LINESTYLES, PALETTE, finish

    prob = problem(problem_name)
    (x0, x1), (y0, y1) = _view(problem_name)
    X, Y = np.meshgrid(np.linspace(x0, x1, 121), np.linspace(y0, y1, 121))
    Z = prob.loss(np.stack([X, Y], axis=-1))
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(width, height))
    levels = np.logspace(-1, 3, 13) if problem_name == "Rosenbrock" else np.logspace(-1.5, 2.5, 12)
    ax.contour(X, Y, Z, levels=levels, colors="0.75", linewidths=0.8)
    w_star = prob.minimizer()
    ax.plot(*w_star, marker="*", color="black", markersize=12, linestyle="none", label="minimum")
    for i, (name, tr) in enumerate(races.items()):
        color, ls = PALETTE[i % len(PALETTE)], LINESTYLES[i % len(LINESTYLES)]
        ax.plot(tr.w[:, 0], tr.w[:, 1], color=color, linestyle=ls, linewidth=1.5, marker=".", markersize=3,
                label=name)
        loss = np.maximum(tr.loss - (0.0 if problem_name == "Rosenbrock" else prob.loss(w_star)), 1e-16)
        ax2.semilogy(loss, color=color, linestyle=ls, label=name + (" (blew up)" if tr.stopped_early else ""))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    finish(ax, f"Paths on the {problem_name}", "$w_1$", "$w_2$", legend=False)
    finish(ax2, "Loss above the minimum", "iteration", "$E(w_t) - E(w^*)$", legend=True)
    ax2.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def race_widget(names: Sequence[str] = ("SGD", "Momentum", "Nesterov", "RMSprop", "Adam"), steps: int = 150):
    """The interactive race (needs a running kernel): problem, optimizers, lr, beta1, beta2.

    Returns an ``ipywidgets.VBox``; display it by making it a cell's last
    expression. The figure is drawn into an ``ipywidgets.Image`` (not an
    ``Output`` widget), so a live kernel, the saved notebook and nbval all see
    one and the same output. ``box.redraw()`` recomputes; ``box.message`` and
    ``box.image`` are the message line and the picture.
    """
    import io

    import ipywidgets as W
    import matplotlib.pyplot as plt

    wide = {"description_width": "8em"}  # room for the labels, which are cut off by default
    prob_w = W.Dropdown(options=list(PROBLEMS), value="valley", description="problem", style=wide)
    who = W.SelectMultiple(options=list(RACERS), value=tuple(names), description="optimizers", rows=6)
    lr_w = W.FloatLogSlider(value=0.03, base=10, min=-3, max=0, step=0.25, description="lr", style=wide)
    b1_w = W.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01, description="momentum / β₁", style=wide)
    b2_w = W.FloatSlider(value=0.999, min=0.5, max=0.999, step=0.001, readout_format=".3f", description="β₂", style=wide)
    message = W.HTML()
    image = W.Image(format="png", layout=W.Layout(max_width="900px"))

    def redraw(*_):
        if not who.value:
            message.value = "Choose at least one optimizer."
            return
        races = race(prob_w.value, who.value, lr_w.value, b1_w.value, b2_w.value, steps)
        fig = race_figure(prob_w.value, races)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=80)
        plt.close(fig)
        message.value = ""
        image.value = buf.getvalue()

    for w in (prob_w, who, lr_w, b1_w, b2_w):
        w.observe(redraw, names="value")
    box = W.VBox([W.HBox([W.VBox([prob_w, lr_w, b1_w, b2_w]), who]), message, image])
    box.redraw, box.message, box.image = redraw, message, image
    redraw()
    return box


def race_companion(problem_name: str = "valley", names: Sequence[str] = ("SGD", "Momentum", "Nesterov", "RMSprop", "Adam"),
                   lrs: Sequence[float] = (0.01, 0.03, 0.06), beta1s: Sequence[float] = (0.5, 0.9),
                   beta2s: Sequence[float] = (0.9, 0.999), steps: int = 100):
    """The static companion: one precomputed frame per (lr, beta1, beta2); returns IPython HTML.

    The page carries len(lrs) * len(beta1s) * len(beta2s) PNG frames (12 by
    default, about 40 kB each).
    """
    from .companion import slider_figure

    cache: dict[tuple[float, float, float], dict[str, Trajectory]] = {}

    def races(lr, beta1, beta2):
        key = (lr, beta1, beta2)
        if key not in cache:
            cache[key] = race(problem_name, names, lr, beta1, beta2, steps)
        return cache[key]

    def render(lr, beta1, beta2):
        return race_figure(problem_name, races(lr, beta1, beta2),
                           title=f"lr = {lr:g}, momentum/β₁ = {beta1:g}, β₂ = {beta2:g}", height=3.4)

    def alt(lr, beta1, beta2):
        r = races(lr, beta1, beta2)
        ranking = sorted(r, key=lambda n: r[n].loss[-1])
        blown = [n for n in names if r[n].stopped_early]
        return (f"Paths of {', '.join(names)} on the {problem_name} and their losses over {steps} iterations "
                f"with learning rate {lr:g}, momentum/beta1 {beta1:g}, beta2 {beta2:g}; lowest final loss: "
                f"{ranking[0]}" + (f"; diverged: {', '.join(blown)}." if blown else "."))

    return slider_figure(render, {"lr": list(lrs), "beta1": list(beta1s), "beta2": list(beta2s)}, alt,
                         title=f"Optimizer race on the {problem_name}",
                         labels={"lr": "learning rate", "beta1": "momentum / β₁", "beta2": "β₂"})
