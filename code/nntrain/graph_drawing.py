"""Computational graphs drawn as circuits, with matplotlib only (chapter 2).

As in the CS231n notes' circuit diagrams, each edge carries a number from the
forward pass above it and the gradient of the loss with respect to that
number below it, in another colour. The numbers are written parallel to their
edge, so that where edges cross each number still points along its own edge.
A node with an empty label is drawn as a dot: a *fan-out*, where one value is
copied onto several branches and the branches' gradients add up on the way
back.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .plotting import COLORS

__all__ = ["Edge", "draw_circuit", "VALUE_COLOR", "GRAD_COLOR"]

VALUE_COLOR = COLORS["black"]
GRAD_COLOR = COLORS["vermillion"]
RADIUS = 0.34      # of a node's circle, in data units (use an equal aspect)
DOT = 0.06         # of a fan-out dot
OFFSET = 7         # points between an edge and its numbers


@dataclass
class Edge:
    """An edge ``src -> dst`` labelled with ``value`` above and ``grad``
    below (either may be None), at the fraction ``at`` of its length (a small
    ``at`` puts the numbers next to the source, before crossing edges)."""

    src: str
    dst: str
    value: float | None = None
    grad: float | None = None
    at: float = 0.5


def _size(label) -> float:
    return DOT if not label else RADIUS


def draw_circuit(ax, nodes: dict, edges: list, fmt: str = "{:.3f}",
                 fontsize: float = 11) -> list:
    """Draw a computational graph on ``ax``.

    Inputs: ``nodes`` maps a name to ``(x, y, label)``; a label such as
    ``"$\\sigma$"`` is drawn in a circle, an empty label as a fan-out dot.
    ``edges`` is a list of :class:`Edge`; ``fmt`` formats the numbers.
    Returns: one ``(value_text, grad_text)`` pair of matplotlib ``Text``
    artists (or None where nothing is written) per edge. Each text is rotated
    to the edge's direction (kept upright); set an equal aspect (done here)
    and the axis limits before saving, so that the directions hold on screen.
    """
    for name, spec in nodes.items():
        if len(spec) != 3:
            raise ValueError(f"node {name!r} must be (x, y, label);"
                             f" got {spec!r}.")
    ax.set_aspect("equal")
    ax.axis("off")
    for x, y, label in nodes.values():
        if label:
            ax.add_patch(_circle((x, y), RADIUS, "white", zorder=2))
            ax.text(x, y, label, ha="center", va="center",
                    fontsize=fontsize + 2, zorder=3)
        else:
            ax.add_patch(_circle((x, y), DOT, COLORS["black"], zorder=3))
    texts = []
    for e in edges:
        for end in (e.src, e.dst):
            if end not in nodes:
                raise ValueError(f"edge {e.src!r} -> {e.dst!r}: unknown node"
                                 f" {end!r}; the nodes are {list(nodes)}.")
        if not 0 < e.at < 1:
            raise ValueError(f"edge {e.src!r} -> {e.dst!r}: 'at' must lie in"
                             f" (0, 1); got {e.at}.")
        (x0, y0, l0), (x1, y1, l1) = nodes[e.src], nodes[e.dst]
        d = np.hypot(x1 - x0, y1 - y0)
        ux, uy = (x1 - x0) / d, (y1 - y0) / d
        start = (x0 + _size(l0) * ux, y0 + _size(l0) * uy)
        end = (x1 - _size(l1) * ux, y1 - _size(l1) * uy)
        ax.annotate("", xy=end, xytext=start, arrowprops=dict(
            arrowstyle="-|>" if l1 else "-", color="grey", lw=1.4,
            shrinkA=0, shrinkB=0), zorder=1)
        px, py = x0 + e.at * (x1 - x0), y0 + e.at * (y1 - y0)
        nx, ny = (-uy, ux) if ux >= 0 else (uy, -ux)   # the upper normal
        # the edge's angle, turned by 180 degrees if needed to stay upright
        angle = float(np.degrees(np.arctan2(ny, nx))) - 90.0
        pair = []
        for number, sign, color in [(e.value, 1, VALUE_COLOR),
                                    (e.grad, -1, GRAD_COLOR)]:
            if number is None:
                pair.append(None)
                continue
            pair.append(ax.annotate(
                _format(fmt, number), (px, py),
                xytext=(sign * OFFSET * nx, sign * OFFSET * ny),
                textcoords="offset points", ha="center",
                va="bottom" if sign > 0 else "top", color=color,
                rotation=angle, rotation_mode="anchor",
                fontsize=fontsize, zorder=4,
                bbox=dict(boxstyle="square,pad=0.05", fc="white",
                          ec="none")))
        texts.append(tuple(pair))
    return texts


def _format(fmt: str, number: float) -> str:
    """``fmt.format(number)``, but never "-0.00": a number that rounds to
    zero is printed as zero."""
    text = fmt.format(number)
    try:
        if float(text) == 0:
            return fmt.format(0.0)
    except ValueError:       # a format with words around the number
        pass
    return text


def _circle(xy, r, face, zorder):
    from matplotlib.patches import Circle
    return Circle(xy, r, facecolor=face, edgecolor=COLORS["blue"], lw=1.8,
                  zorder=zorder)
