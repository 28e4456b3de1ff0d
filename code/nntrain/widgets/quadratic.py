"""Chapter 3's two step-size widgets, and their static companions for the website.

Each widget is three layers, so everything but the sliders runs without a browser:

1. a *state* function (numpy only) that computes what the widget shows for one
   slider setting: :func:`step_size_state`, :func:`quadratic_2d_state`;
2. a *render* function (matplotlib) that draws a state as a Figure:
   :func:`plot_step_size`, :func:`plot_quadratic_2d`;
3. a *builder* (ipywidgets) that wires sliders to 1 and 2:
   :func:`step_size_widget`, :func:`quadratic_2d_widget`; and a *companion*
   (:func:`step_size_companion`, :func:`quadratic_2d_companion`) that
   precomputes the figure over a grid of slider values with
   :func:`nntrain.widgets.companion.slider_figure`, for pages with no kernel.

Slider bounds keep eta > 0 and kappa >= 1; a state that is still invalid is
reported in the widget's message line, never as a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import rates
from ..descent import Trajectory, gradient_descent
from ..quadratic import Quadratic

__all__ = ["StepSizeState", "Quadratic2DState", "step_size_state", "quadratic_2d_state",
           "plot_step_size", "plot_quadratic_2d", "step_size_widget", "quadratic_2d_widget",
           "step_size_companion", "quadratic_2d_companion"]

CURVATURE_1D = 2.0   # E(w) = (w - W_STAR_1D)^2, E'' = 2, eta_opt = 0.5
W_STAR_1D = 1.0
W0_1D = -1.0
W0_2D = np.array([-2.5, 1.5])
ZERO_FLOOR = 1e-17   # errors that are exactly 0 are drawn here on log axes


@dataclass
class StepSizeState:
    """What the 1-D widget shows: the run, its factor and its regime."""

    ratio: float            # eta / eta_opt
    eta: float
    eta_opt: float
    factor: float           # 1 - eta E'' (signed: negative means the iterates alternate sides)
    regime: str             # one of rates.REGIMES
    trajectory: Trajectory  # w of shape (T + 1, 1)
    errors: np.ndarray      # |w_t - w*|, shape (T + 1,)

    def message(self) -> str:
        return (f"η = {self.ratio:g} η_opt = {self.eta:.4g}: factor 1 − η E″ = {self.factor:+.3g} "
                f"per step → {self.regime}")


def step_size_state(ratio: float, steps: int = 12, curvature: float = CURVATURE_1D) -> StepSizeState:
    """Gradient descent on the parabola E(w) = curvature/2 (w - 1)^2 from w0 = -1, eta = ratio * eta_opt.

    Inputs: ``ratio`` > 0 (the slider; rounded to 9 decimals so slider round-off
    cannot miss the boundaries 1 and 2); ``steps`` >= 1.
    Returns a :class:`StepSizeState`. Raises ValueError for ratio <= 0.
    """
    if not (np.isfinite(ratio) and ratio > 0):
        raise ValueError(f"the step must be a positive multiple of eta_opt; got ratio {ratio!r}.")
    ratio = round(float(ratio), 9)
    q = Quadratic([[curvature]], [curvature * W_STAR_1D], curvature * W_STAR_1D**2 / 2)
    eta_opt = rates.eta_opt(curvature)
    traj = gradient_descent(q, ratio * eta_opt, [W0_1D], steps)
    return StepSizeState(ratio, ratio * eta_opt, eta_opt, 1.0 - ratio, rates.regime(ratio), traj,
                         np.abs(traj.w[:, 0] - W_STAR_1D))


@dataclass
class Quadratic2DState:
    """What the 2-D widget shows: the problem, the run, and the per-eigendirection factors."""

    eta: float
    kappa: float
    angle_deg: float
    problem: Quadratic
    eigenvalues: np.ndarray   # (2,) ascending: 1/kappa and 1
    factors: np.ndarray       # (2,) |1 - eta lambda_i|
    regimes: list[str]        # per eigendirection, from rates.regime(eta * lambda_i)
    verdict: str              # "converging", "bouncing forever" or "diverging"
    eta_star: float
    trajectory: Trajectory

    def message(self) -> str:
        worst = float(self.factors.max())
        tail = f"{rates.steps_to_reduce(worst):.0f} steps to shrink the error 10⁶-fold" if worst < 1 else "the error never shrinks"
        return (f"η = {self.eta:g}, κ = {self.kappa:g}: factors |1 − ηλ| = {self.factors[0]:.3f} (shallow), "
                f"{self.factors[1]:.3f} (steep) → {self.verdict}; {tail}. Best step η* = {self.eta_star:.3f}.")


def quadratic_2d_state(eta: float, kappa: float, angle_deg: float = 0.0, steps: int = 40) -> Quadratic2DState:
    """Gradient descent on a 2-D quadratic with eigenvalues 1/kappa and 1, eigenvectors turned by ``angle_deg``.

    The steep eigenvalue is fixed at 1, so eta is measured in units of
    1/lambda_max: eta < 2 is stable and eta* = 2 / (1 + 1/kappa).
    Inputs: ``eta`` > 0, ``kappa`` >= 1, ``angle_deg`` in degrees, ``steps`` >= 1.
    The start is (-2.5, 1.5) and the minimiser (0, 0).
    Returns a :class:`Quadratic2DState`. Raises ValueError for eta <= 0 or kappa < 1.
    """
    if not (np.isfinite(eta) and eta > 0):
        raise ValueError(f"eta must be a positive step size; got {eta!r}.")
    if not (np.isfinite(kappa) and kappa >= 1):
        raise ValueError(f"the condition number kappa must be >= 1; got {kappa!r}.")
    eta, kappa = round(float(eta), 9), float(kappa)
    lam = np.array([1.0 / kappa, 1.0])
    q = Quadratic.from_eigenvalues(lam, Q=np.deg2rad(angle_deg))
    regimes = [rates.regime(eta * l) for l in lam]
    if "diverging" in regimes:
        verdict = "diverging"
    elif "bouncing forever" in regimes:
        verdict = "bouncing forever"
    else:
        verdict = "converging"
    return Quadratic2DState(eta, kappa, float(angle_deg), q, lam, rates.factors(eta, lam), regimes, verdict,
                            rates.eta_star(lam), gradient_descent(q, eta, W0_2D, steps))


# -- rendering (matplotlib) ---------------------------------------------------------

def plot_step_size(state: StepSizeState, width: float = 8.0, height: float = 3.2):
    """Two panels: the iterates on the parabola, and |w_t - w*| against iteration (log scale). Returns a Figure."""
    import matplotlib.pyplot as plt

    from ..plotting import COLORS, finish, use_book_style

    use_book_style()
    # a fixed layout: constrained layout would double the drawing time of every companion frame
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(width, height), layout="none")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.9, wspace=0.3)
    w = state.trajectory.w[:, 0]
    span = max(2.5, min(np.abs(w - W_STAR_1D).max() * 1.1, 6.0))
    x = np.linspace(W_STAR_1D - span, W_STAR_1D + span, 200)
    ax1.plot(x, CURVATURE_1D / 2 * (x - W_STAR_1D) ** 2, color=COLORS["black"], lw=1.2, label="E(w)")
    shown = np.abs(w - W_STAR_1D) <= span
    E = CURVATURE_1D / 2 * (w - W_STAR_1D) ** 2
    ax1.plot(w[shown], E[shown], "o-", color=COLORS["vermillion"], lw=1, ms=4, label="iterates")
    ax1.plot(w[:1], E[:1], "s", color=COLORS["blue"], ms=7, label="start")
    ax1.set_xlim(x[0], x[-1])
    ax1.set_ylim(-0.05 * CURVATURE_1D / 2 * span**2, CURVATURE_1D / 2 * span**2 * 1.05)
    finish(ax1, f"η = {state.ratio:g} η_opt: {state.regime}", "w", "E(w)")
    it = np.arange(len(state.errors))
    ax2.semilogy(it, np.maximum(state.errors, ZERO_FLOOR), "o-", color=COLORS["vermillion"], ms=3, label="measured")
    ax2.semilogy(it, np.maximum(state.errors[0] * np.abs(state.factor) ** it, ZERO_FLOOR), "--",
                 color=COLORS["blue"], lw=1.2, label="|1 − η E″|ᵗ |w₀ − w*|")
    top = max(1e3, state.errors.max() * 10)
    ax2.set_ylim(ZERO_FLOOR / 10, top)
    ax2.set_yticks([10.0**k for k in range(-15, int(np.log10(top)) + 1, 5)])  # few ticks: fast frames
    ax2.minorticks_off()
    finish(ax2, f"error factor {state.factor:+.2f} per step", "iteration", "|w − w*|", legend=True)
    return fig


def plot_quadratic_2d(state: Quadratic2DState, width: float = 8.0, height: float = 3.4):
    """Two panels: contours with the trajectory, and the per-eigendirection factors as bars. Returns a Figure."""
    import matplotlib.pyplot as plt

    from ..plotting import COLORS, finish, use_book_style

    use_book_style()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(width, height), gridspec_kw={"width_ratios": [1.5, 1]},
                                   layout="none")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.24, top=0.9, wspace=0.3)
    g = np.linspace(-3, 3, 121)
    W = np.stack(np.meshgrid(g, g), axis=-1)
    ax1.contour(g, g, state.problem.loss(W), levels=np.geomspace(0.01, 10, 10), colors=COLORS["sky"], linewidths=0.8)
    _, V = state.problem.eigh()
    for i, (name, color) in enumerate([("shallow", COLORS["green"]), ("steep", COLORS["orange"])]):
        ax1.plot(*np.outer([-3, 3], V[:, i]).T, ls=":", color=color, lw=1.2, label=f"{name} eigenvector")
    path = state.trajectory.w
    inside = np.all(np.abs(path) <= 3.5, axis=1)
    last = len(path) if inside.all() else int(np.argmin(inside)) + 1
    ax1.plot(path[:last, 0], path[:last, 1], "o-", color=COLORS["vermillion"], ms=2.5, lw=1, label="GD iterates")
    ax1.plot(0, 0, "*", color=COLORS["black"], ms=9, label="minimum")
    ax1.set_xlim(-3, 3)
    ax1.set_ylim(-3, 3)
    ax1.set_aspect("equal")
    finish(ax1, f"κ = {state.kappa:g}, angle {state.angle_deg:g}°: {state.verdict}", "w₁", "w₂")
    ax1.legend(fontsize=7, loc="lower right")
    bars = ax2.bar(["shallow\nλ = 1/κ", "steep\nλ = 1"], state.factors, color=[COLORS["green"], COLORS["orange"]])
    ax2.axhline(1.0, color=COLORS["black"], ls="--", lw=1.2, label="1: no contraction")
    for b, f in zip(bars, state.factors):
        ax2.text(b.get_x() + b.get_width() / 2, min(f, 1.9) + 0.04, f"{f:.3f}", ha="center", fontsize=9)
    ax2.set_ylim(0, 2.1)
    finish(ax2, f"factors |1 − ηλ| at η = {state.eta:g}", "eigendirection", "factor per step", legend=True)
    ax2.legend(fontsize=8, loc="upper left")
    return fig


# -- interactive builders (ipywidgets) ---------------------------------------------------

def _wire(sliders: dict, compute, render):
    """A VBox of sliders, a message line and the figure; ``.refresh()`` redraws; errors go to the message.

    The figure is shown as PNG bytes in an ``ipywidgets.Image`` (not displayed
    into an ``Output`` widget), so no display messages leave the cell: the
    saved notebook, nbval and a live kernel all see the same single output.
    """
    import ipywidgets as ipw

    from .companion import png_bytes

    message = ipw.HTML()
    image = ipw.Image(format="png", layout=ipw.Layout(max_width="760px"))

    def refresh(_change=None):
        try:
            state = compute(**{k: s.value for k, s in sliders.items()})
        except ValueError as err:  # reported in the widget, never a traceback
            message.value = f"<b>Not a valid setting:</b> {err}"
            box.state = None
            return
        fig = render(state)
        png = png_bytes(fig)
        message.value = state.message()
        image.value = png
        box.state = state

    box = ipw.VBox([*sliders.values(), message, image])
    box.sliders, box.message, box.image, box.refresh = sliders, message, image, refresh
    for s in sliders.values():
        s.observe(refresh, names="value")
    refresh()
    return box


def step_size_widget(steps: int = 12):
    """Slider for eta / eta_opt in [0.05, 2.5] (step 0.05) on the 1-D parabola.

    Returns an ``ipywidgets.VBox`` with attributes ``sliders`` (dict),
    ``message`` (HTML: the regime in words), ``state`` (the current
    :class:`StepSizeState`) and ``refresh()``.
    """
    import ipywidgets as ipw

    slider = ipw.FloatSlider(value=0.5, min=0.05, max=2.5, step=0.05, description="η / η_opt",
                             continuous_update=False, readout_format=".2f")
    return _wire({"ratio": slider}, lambda ratio: step_size_state(ratio, steps), plot_step_size)


def quadratic_2d_widget(steps: int = 40):
    """Sliders for eta in [0.05, 2.2], kappa in [1, 100] (log scale) and the rotation angle in [0, 180] degrees.

    Returns an ``ipywidgets.VBox`` like :func:`step_size_widget`'s.
    """
    import ipywidgets as ipw

    sliders = {
        "eta": ipw.FloatSlider(value=1.0, min=0.05, max=2.2, step=0.05, description="η",
                               continuous_update=False, readout_format=".2f"),
        "kappa": ipw.FloatLogSlider(value=10.0, base=10, min=0, max=2, step=0.1, description="κ",
                                    continuous_update=False, readout_format=".3g"),
        "angle_deg": ipw.FloatSlider(value=30.0, min=0.0, max=180.0, step=15.0, description="angle (°)",
                                     continuous_update=False, readout_format=".0f"),
    }
    return _wire(sliders, lambda eta, kappa, angle_deg: quadratic_2d_state(eta, kappa, angle_deg, steps),
                 plot_quadratic_2d)


# -- static companions (no kernel) ---------------------------------------------------------

STEP_SIZE_GRID = {"ratio": [0.25, 0.5, 0.75, 1.0, 1.5, 1.9, 2.0, 2.1, 2.25]}
QUADRATIC_2D_GRID = {"eta": [0.5, 1.0, 1.9, 2.05], "kappa": [1.0, 4.0, 20.0], "angle_deg": [0.0, 45.0]}


def step_size_companion(grid: dict | None = None, steps: int = 12):
    """The 1-D widget as a kernel-free slider figure (``IPython.display.HTML``, ``.nbytes`` its size)."""
    from .companion import slider_figure

    def alt(ratio):
        s = step_size_state(ratio, steps)
        return (f"Gradient descent on a parabola with step {ratio:g} times the optimal step: {s.regime}; "
                f"the error is multiplied by {s.factor:+.2f} each step.")

    return slider_figure(lambda ratio: plot_step_size(step_size_state(ratio, steps)), grid or STEP_SIZE_GRID, alt,
                         title="Step size on a 1-D quadratic (precomputed)", labels={"ratio": "η / η_opt"},
                         uid="ch3-step-size")


def quadratic_2d_companion(grid: dict | None = None, steps: int = 40):
    """The 2-D widget as a kernel-free slider figure over ``QUADRATIC_2D_GRID`` (24 frames)."""
    from .companion import slider_figure

    def alt(eta, kappa, angle_deg):
        s = quadratic_2d_state(eta, kappa, angle_deg, steps)
        return (f"Gradient descent on a 2-D quadratic with step {eta:g}, condition number {kappa:g}, "
                f"axes turned {angle_deg:g} degrees: {s.verdict}; per-step factors {s.factors[0]:.2f} "
                f"along the shallow and {s.factors[1]:.2f} along the steep eigenvector.")

    return slider_figure(lambda **k: plot_quadratic_2d(quadratic_2d_state(**k, steps=steps)), grid or QUADRATIC_2D_GRID,
                         alt, title="Gradient descent on a 2-D quadratic (precomputed)",
                         labels={"eta": "η", "kappa": "κ", "angle_deg": "angle (°)"}, uid="ch3-quadratic-2d")
