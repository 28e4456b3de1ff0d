"""The optimizer race of chapter 4: several optimizers on one 2-D problem, side by side.

The computations are pure and testable (:func:`make_racer`, :func:`race`,
:func:`problem`, and :func:`run_starts`, which runs one optimizer from several
starts at once for chapter 4's tuning protocol); :func:`race_figure` draws one race, :func:`race_grid` draws
small multiples (one panel of loss curves per learning rate and momentum, so
settings are compared side by side rather than from memory),
:func:`race_widget` is the interactive version (ipywidgets, needs a kernel)
and :func:`race_companion` the static one for the website (one small-multiples
frame per problem and beta2, see :mod:`nntrain.widgets.companion`). Every optimizer is
drawn in its book-wide style (:func:`nntrain.plotting.optimizer_style`).
matplotlib and ipywidgets are imported only inside the functions that draw.
"""
from __future__ import annotations

import textwrap
from typing import Callable, Sequence

import numpy as np

from .. import optim
from ..core import Parameter
from ..descent import Trajectory, run_optimizer
from ..functions import Rosenbrock
from ..quadratic import Quadratic

__all__ = ["RACERS", "PROBLEMS", "START", "COMPANION_LRS", "COMPANION_STEPS", "make_racer", "problem", "race",
           "run_starts", "race_figure", "race_grid", "race_widget", "race_companion"]

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
#: The companion's learning rates per problem: Rosenbrock is about 40 times steeper than the valleys.
COMPANION_LRS = {"valley": (0.01, 0.03, 0.06), "rotated valley": (0.01, 0.03, 0.06),
                 "Rosenbrock": (0.001, 0.01, 0.1)}
#: The companion's number of steps per problem.
COMPANION_STEPS = {"valley": 100, "rotated valley": 100, "Rosenbrock": 300}


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


def run_starts(prob, make: Callable[[list[Parameter]], optim.Optimizer], starts, steps: int,
               blowup: float = 1e6) -> np.ndarray | None:
    """Run one optimizer from several starts at once; log10 losses of shape (len(starts), steps + 1), or None.

    Row i of a single parameter of shape (S, D) is start i, so this is only
    right for optimizers that act on every coordinate alone (SGD, momentum,
    Nesterov, AdaGrad, RMSprop, Adam, Rprop: all of torch's first-order ones)
    and for a problem whose ``loss``/``grad`` accept a batch of points (S, D).
    Each row equals :func:`nntrain.descent.run_optimizer` from that start (the
    tests check it). Returns None if any start blows up (a non-finite iterate,
    or one farther than ``blowup`` times (1 + |w0| + |w*|) from the origin, as
    ``run_optimizer`` tests); losses are floored at 1e-16 before the log.
    """
    starts = np.asarray(starts, dtype=np.float64)
    if starts.ndim != 2 or not int(steps) == steps or steps < 0:
        raise ValueError(f"starts must have shape (S, D) and steps be an integer >= 0; got shape "
                         f"{starts.shape} and steps {steps!r}.")
    p = Parameter(starts.copy())
    opt = make([p])
    radius = blowup * (1 + np.linalg.norm(starts, axis=1) + np.linalg.norm(prob.minimizer()))
    losses = [prob.loss(p.data)]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(int(steps)):
            opt.zero_grad()
            p.accumulate(prob.grad(p.data))
            opt.step()
            if not (np.all(np.isfinite(p.data)) and np.all(np.linalg.norm(p.data, axis=1) <= radius)):
                return None
            losses.append(prob.loss(p.data))
    return np.log10(np.maximum(np.array(losses).T, 1e-16))


def _view(problem_name: str) -> tuple[tuple[float, float], tuple[float, float]]:
    if problem_name == "Rosenbrock":
        return (-2.0, 2.0), (-1.0, 3.0)
    return (-5.0, 5.0), (-2.5, 2.5)


def race_figure(problem_name: str, races: dict[str, Trajectory], title: str = "", width: float = 9.0,
                height: float = 3.6):
    """Paths on the contour plot (left) and loss against iteration (right); returns the Figure."""
    import matplotlib.pyplot as plt

    from ..plotting import finish, optimizer_style

    prob = problem(problem_name)
    (x0, x1), (y0, y1) = _view(problem_name)
    X, Y = np.meshgrid(np.linspace(x0, x1, 121), np.linspace(y0, y1, 121))
    Z = prob.loss(np.stack([X, Y], axis=-1))
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(width, height))
    levels = np.logspace(-1, 3, 13) if problem_name == "Rosenbrock" else np.logspace(-1.5, 2.5, 12)
    ax.contour(X, Y, Z, levels=levels, colors="0.75", linewidths=0.8)
    w_star = prob.minimizer()
    ax.plot(*w_star, marker="*", color="black", markersize=12, linestyle="none", label="minimum")
    for name, tr in races.items():
        style = optimizer_style(name)
        ax.plot(tr.w[:, 0], tr.w[:, 1], linewidth=1.5, marker=".", markersize=3, label=name, **style)
        loss = np.maximum(tr.loss - (0.0 if problem_name == "Rosenbrock" else prob.loss(w_star)), 1e-16)
        ax2.semilogy(loss, label=name + (" (blew up)" if tr.stopped_early else ""), **style)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    finish(ax, f"Paths on the {problem_name}", "$w_1$", "$w_2$", legend=False)
    finish(ax2, "Loss above the minimum", "iteration", "$E(w_t) - E(w^*)$", legend=True)
    ax2.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def race_grid(problem_name: str, names: Sequence[str] = ("SGD", "Momentum", "Nesterov", "RMSprop", "Adam"),
              lrs: Sequence[float] | None = None, beta1s: Sequence[float] = (0.5, 0.9), beta2: float = 0.999,
              steps: int | None = None, races: Callable | None = None, width: float = 11.0, height: float = 6.6):
    """Small multiples: E(w_t) - E(w*) against t, one panel per (beta1, lr) (rows, columns); returns the Figure.

    ``lrs`` and ``steps`` default to :data:`COMPANION_LRS` and :data:`COMPANION_STEPS`
    for the problem. All panels share their axes, so a glance compares the
    settings; a run that blew up ends in a cross and is named in its panel.
    ``races(lr, beta1)``, if given, supplies the runs (a cache); by default
    :func:`race` computes them.
    """
    import matplotlib.pyplot as plt

    from ..plotting import optimizer_style

    lrs = COMPANION_LRS[problem_name] if lrs is None else tuple(lrs)
    steps = COMPANION_STEPS[problem_name] if steps is None else int(steps)
    if not lrs or not beta1s:
        raise ValueError("race_grid needs at least one learning rate and one beta1.")
    if races is None:
        def races(lr, beta1):
            return race(problem_name, names, lr, beta1, beta2, steps)
    prob = problem(problem_name)
    floor = 0.0 if problem_name == "Rosenbrock" else float(prob.loss(prob.minimizer()))
    fig, axes = plt.subplots(len(beta1s), len(lrs), figsize=(width, height), sharex=True, sharey=True,
                             squeeze=False, layout="none")
    fig.subplots_adjust(left=0.08, right=0.84, bottom=0.09, top=0.89, wspace=0.08, hspace=0.28)
    low, high = np.inf, 0.0
    for i, beta1 in enumerate(beta1s):
        for j, lr in enumerate(lrs):
            ax = axes[i, j]
            blown = []
            for name, tr in races(lr, beta1).items():
                style = optimizer_style(name)
                loss = np.clip(tr.loss - floor, 1e-16, 1e6)
                ax.semilogy(loss, linewidth=2.0, label=name, **style)
                low, high = min(low, loss.min()), max(high, loss[0])
                if tr.stopped_early:
                    blown.append(name)
                    ax.plot(len(loss) - 1, loss[-1], marker="X", markersize=11, color=style["color"],
                            markeredgecolor="black")
            ax.set_title(f"lr {lr:g}, momentum/β₁ {beta1:g}", fontsize=11)
            if blown:
                ax.text(0.04, 0.04, "blew up:\n" + textwrap.fill(", ".join(blown), 20), transform=ax.transAxes,
                        ha="left", va="bottom", fontsize=9.5, fontweight="bold",
                        bbox=dict(facecolor="white", edgecolor="0.3", alpha=0.9))
            if i == len(beta1s) - 1:
                ax.set_xlabel("iteration")
            if j == 0:
                ax.set_ylabel("$E(w_t) - E(w^*)$")
    axes[0, 0].set_ylim(max(low / 10, 1e-14), high * 1e3)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center right", fontsize=10, handlelength=3.5)
    fig.suptitle(f"{problem_name}, β₂ = {beta2:g}: loss above the minimum, {steps} steps")
    return fig


def race_widget(names: Sequence[str] = ("SGD", "Momentum", "Nesterov", "RMSprop", "Adam"), steps: int = 150):
    """The interactive race (needs a running kernel): problem, optimizers, lr, beta1, beta2.

    Returns an ``ipywidgets.VBox``; display it by making it a cell's last
    expression. The figure is drawn into an ``ipywidgets.Image`` (not an
    ``Output`` widget), so a live kernel, the saved notebook and nbval all see
    one and the same output. ``box.redraw()`` recomputes; ``box.message`` and
    ``box.image`` are the message line and the picture.
    """
    import ipywidgets as W

    from .companion import png_bytes

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
        png = png_bytes(fig)
        message.value = ""
        image.value = png

    for w in (prob_w, who, lr_w, b1_w, b2_w):
        w.observe(redraw, names="value")
    box = W.VBox([W.HBox([W.VBox([prob_w, lr_w, b1_w, b2_w]), who]), message, image])
    box.redraw, box.message, box.image = redraw, message, image
    redraw()
    return box


def race_companion(names: Sequence[str] = ("SGD", "Momentum", "Nesterov", "RMSprop", "Adam"),
                   problems: Sequence[str] = PROBLEMS, beta1s: Sequence[float] = (0.5, 0.9),
                   beta2s: Sequence[float] = (0.9, 0.999), lrs: dict | None = None, steps: dict | None = None):
    """The static companion: small multiples (:func:`race_grid`) for every (problem, beta2); returns IPython HTML.

    Within a frame the panels put the learning rates (columns, from ``lrs``,
    default :data:`COMPANION_LRS`) and momenta (rows) side by side; the sliders
    choose the problem and beta2. The page carries len(problems) * len(beta2s)
    PNG frames (6 by default, about 0.85 MB in all).
    """
    from .companion import slider_figure

    lrs = dict(COMPANION_LRS if lrs is None else lrs)
    steps = dict(COMPANION_STEPS if steps is None else steps)
    for pn in problems:
        problem(pn)  # ValueError for an unknown problem
        if pn not in lrs or pn not in steps:
            raise ValueError(f"lrs and steps need an entry for every problem; missing {pn!r}.")
    cache: dict[tuple, dict[str, Trajectory]] = {}

    def races_for(pn, beta2):
        def races(lr, beta1):
            key = (pn, lr, beta1, beta2)
            if key not in cache:
                cache[key] = race(pn, names, lr, beta1, beta2, steps[pn])
            return cache[key]
        return races

    def render(problem, beta2):
        return race_grid(problem, names, lrs[problem], beta1s, beta2, steps[problem], races=races_for(problem, beta2))

    def alt(problem, beta2):
        parts = []
        for beta1 in beta1s:
            for lr in lrs[problem]:
                r = races_for(problem, beta2)(lr, beta1)
                ok = [n for n in names if not r[n].stopped_early]
                best = min(ok, key=lambda n: r[n].loss[-1]) if ok else "none"
                blown = [n for n in names if r[n].stopped_early]
                parts.append(f"lr {lr:g} and momentum {beta1:g}: lowest {best}"
                             + (f", diverged {', '.join(blown)}" if blown else ""))
        return (f"Small multiples of the loss of {', '.join(names)} on the {problem} over {steps[problem]} "
                f"iterations, beta2 {beta2:g}, one panel per learning rate and momentum; " + "; ".join(parts) + ".")

    return slider_figure(render, {"problem": list(problems), "beta2": list(beta2s)}, alt,
                         title="Optimizer race: settings side by side",
                         labels={"problem": "problem", "beta2": "β₂"})
