"""One figure style for the whole book.

Every chapter calls :func:`use_book_style` in its first cell and makes figures
with :func:`subplots`, so fonts, sizes and colours agree from page to page.

The palette is Okabe and Ito's (2008), chosen to stay distinguishable under the
common forms of colour blindness; lines that must be told apart in greyscale
also get different :data:`LINESTYLES`. Every optimizer has one colour and
line style for the whole book (:data:`OPTIMIZER_STYLE`,
:func:`optimizer_style`), so Adam looks the same in every chapter.
"""
from __future__ import annotations

import re

import matplotlib.pyplot as plt
from cycler import cycler

__all__ = ["PALETTE", "COLORS", "LINESTYLES", "OPTIMIZER_STYLE", "DRAWN_TOGETHER", "optimizer_style", "use_book_style",
           "subplots", "finish"]

#: Okabe-Ito colours by name.
COLORS = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
#: The order in which series take colours (yellow last: it is faint on white).
PALETTE = [COLORS[k] for k in ("blue", "orange", "green", "vermillion", "sky", "purple", "black", "yellow")]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]

#: One (colour, line style) per optimizer for every figure of the book; no two
#: optimizers share both. Optimizers that a figure draws together differ in
#: colour (:data:`DRAWN_TOGETHER` lists those groups; ``tests/test_plotting.py``
#: checks them), and the six usual contenders (SGD, momentum, Nesterov,
#: AdaGrad, RMSProp, Adam) differ in line style too, so they stay apart in
#: greyscale. With 8 colours for 14 optimizers some colours repeat, but only
#: between optimizers that are never drawn together, and then with another
#: line style. Plot with ``ax.plot(x, y, **optimizer_style(name))``.
OPTIMIZER_STYLE = {
    "SGD": {"color": COLORS["black"], "linestyle": (0, (3, 1, 1, 1, 1, 1))},
    "Momentum": {"color": COLORS["blue"], "linestyle": "--"},
    "Nesterov": {"color": COLORS["purple"], "linestyle": "-."},
    "AdaGrad": {"color": COLORS["green"], "linestyle": ":"},
    "RMSProp": {"color": COLORS["orange"], "linestyle": (0, (5, 1))},
    "Adam": {"color": COLORS["vermillion"], "linestyle": "-"},
    "AMSGrad": {"color": COLORS["blue"], "linestyle": ":"},
    "AdamW": {"color": COLORS["green"], "linestyle": "-."},
    "Adadelta": {"color": COLORS["sky"], "linestyle": (0, (3, 1, 1, 1, 1, 1))},
    "Rprop": {"color": COLORS["sky"], "linestyle": "-"},
    "Rprop backtracking": {"color": COLORS["blue"], "linestyle": "-."},
    "QuickProp": {"color": COLORS["purple"], "linestyle": "--"},
    "L-BFGS": {"color": COLORS["green"], "linestyle": "-"},
    "Newton": {"color": COLORS["green"], "linestyle": "--"},
}

#: The groups of optimizers that the book's figures draw together (chapter 4's
#: comparisons and race companion, chapter 8's L-BFGS against Adam); within a
#: group every colour differs.
DRAWN_TOGETHER = (
    ("SGD", "Momentum", "Nesterov"),                            # ch. 4, the valley paths
    ("AdaGrad", "RMSProp", "Adam", "Adadelta"),                 # ch. 4, step sizes
    ("SGD", "Rprop", "Rprop backtracking", "QuickProp", "AdaGrad", "RMSProp", "Adam"),  # ch. 4, rotation
    ("SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam", "Rprop"),   # ch. 4, tuned comparison
    ("SGD", "Momentum", "AdaGrad", "RMSProp", "Adam"),          # ch. 4, the digits MLP
    ("SGD", "Momentum", "Nesterov", "RMSProp", "Adam"),         # ch. 4, the race companion
    ("SGD", "Adam"),                                            # ch. 4, schedules
    ("Adam", "AMSGrad"),                                        # ch. 4, Reddi et al.'s problem
    ("Adam", "AdamW"),                                          # ch. 4, weight decay
    ("L-BFGS", "Adam"),                                         # ch. 8
)

#: Other spellings (lower case) that name the same optimizer.
_ALIASES = {
    "gd": "SGD", "gradient descent": "SGD", "heavy ball": "Momentum", "heavy-ball": "Momentum",
    "nesterov momentum": "Nesterov", "rprop backtrack": "Rprop backtracking",
    "rpropbacktrack": "Rprop backtracking", "rprop, backtracking": "Rprop backtracking",
    "lbfgs": "L-BFGS", "l-bfgs-b": "L-BFGS", "newton's method": "Newton",
}


def optimizer_style(name: str) -> dict:
    """The book's ``{"color": ..., "linestyle": ...}`` for optimizer ``name``.

    ``name`` may be a label: case, a parenthesised remark and a trailing number
    are ignored ("Adam (lr 0.03)", "Momentum 0.9", "RMSprop", "GD (lr 0.07)",
    "heavy ball" all work). Returns a new dict, safe to extend with
    ``linewidth`` and the like. Raises ValueError for an unknown optimizer.
    """
    if not isinstance(name, str):
        raise ValueError(f"name must be an optimizer's name (a string); got {name!r}.")
    key = re.sub(r"\s*\(.*\)\s*$", "", name).strip()
    key = re.sub(r"\s+[0-9.]+$", "", key).strip().lower()
    by_lower = {k.lower(): k for k in OPTIMIZER_STYLE}
    canonical = by_lower.get(key) or _ALIASES.get(key)
    if canonical is None:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {list(OPTIMIZER_STYLE)} "
                         f"(or {sorted(_ALIASES)}).")
    return dict(OPTIMIZER_STYLE[canonical])

_STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.constrained_layout.use": True,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 2.0,
    "axes.prop_cycle": cycler(color=PALETTE),
    "image.cmap": "viridis",
}


def use_book_style() -> None:
    """Apply the book's matplotlib settings (idempotent).

    Inside a Jupyter kernel it also selects the inline backend, so figures are
    saved into the notebook even when ``MPLBACKEND=Agg`` is set in the
    environment (as the Makefile's test runs do for scripts).
    """
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython is always installed with the book
        shell = None
    if shell is not None and type(shell).__name__ == "ZMQInteractiveShell":
        shell.run_line_magic("matplotlib", "inline")
    plt.rcParams.update(_STYLE)


def subplots(nrows: int = 1, ncols: int = 1, width: float | None = None, height: float | None = None, **kwargs):
    """``plt.subplots`` with the book's default size per panel.

    ``width``/``height`` are the whole figure's size in inches; by default each
    panel is about 4.6 x 3.6 inches (a single panel 6.4 x 4.0).
    """
    use_book_style()
    if width is None:
        width = 6.4 if ncols == 1 else 4.6 * ncols
    if height is None:
        height = 4.0 if nrows == 1 else 3.6 * nrows
    return plt.subplots(nrows, ncols, figsize=(width, height), **kwargs)


def finish(ax, title: str, xlabel: str, ylabel: str, legend: bool | None = None) -> None:
    """Give an axis its title and labels (every figure in the book has them)."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend or (legend is None and len(ax.get_legend_handles_labels()[0]) > 1):
        ax.legend()
