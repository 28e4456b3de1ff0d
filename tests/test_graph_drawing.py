"""nntrain.graph_drawing: the circuit drawing of chapter 2 puts each value
above its edge and each gradient below it, in two colours, and refuses
malformed graphs."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

from nntrain.graph_drawing import (GRAD_COLOR, VALUE_COLOR, Edge,  # noqa: E402
                                   draw_circuit)

pytestmark = pytest.mark.ch2

NODES = {"a": (0, 0, "$a$"), "split": (2, 0, ""), "b": (5, 1.5, "$b$"),
         "c": (5, -1.5, "$c$"), "d": (-2, 2, "$d$")}
EDGES = [Edge("a", "split", 1.25, -0.5), Edge("split", "b", None, 0.75),
         Edge("split", "c", None, -1.25, at=0.3), Edge("d", "a", 2.0, 3.0),
         Edge("c", "d", 0.5, -0.25, at=0.6)]   # drawn right to left


def draw():
    fig, ax = plt.subplots()
    texts = draw_circuit(ax, NODES, EDGES, fmt="{:.2f}")
    ax.set_xlim(-3, 6)
    ax.set_ylim(-3, 3)
    fig.canvas.draw()
    return fig, ax, texts


def side(ax, text, edge):
    """> 0 if the text's centre lies above the edge's line (on screen)."""
    (x0, y0, _), (x1, y1, _) = NODES[edge.src], NODES[edge.dst]
    p0, p1 = ax.transData.transform([(x0, y0), (x1, y1)])
    box = text.get_window_extent()
    c = np.array([(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2])
    d = p1 - p0
    if d[0] < 0:
        d = -d
    return d[0] * (c - p0)[1] - d[1] * (c - p0)[0]


def test_values_above_gradients_below_in_two_colours():
    fig, ax, texts = draw()
    assert len(texts) == len(EDGES)
    for edge, (value, grad) in zip(EDGES, texts):
        assert grad.get_text() == f"{edge.grad:.2f}"
        assert to_rgba(grad.get_color()) == to_rgba(GRAD_COLOR)
        assert side(ax, grad, edge) < 0
        if edge.value is None:
            assert value is None
        else:
            assert value.get_text() == f"{edge.value:.2f}"
            assert to_rgba(value.get_color()) == to_rgba(VALUE_COLOR)
            assert side(ax, value, edge) > 0
    assert to_rgba(VALUE_COLOR) != to_rgba(GRAD_COLOR)
    plt.close(fig)


def test_numbers_run_parallel_to_their_edge_and_upright():
    fig, ax, texts = draw()
    for edge, pair in zip(EDGES, texts):
        (x0, y0, _), (x1, y1, _) = NODES[edge.src], NODES[edge.dst]
        p0, p1 = ax.transData.transform([(x0, y0), (x1, y1)])
        edge_angle = np.degrees(np.arctan2(*(p1 - p0)[::-1]))
        for text in pair:
            if text is None:
                continue
            rotation = text.get_rotation()          # in [0, 360)
            upright = rotation if rotation <= 90 else rotation - 360
            assert -90 < upright <= 90               # never upside down
            turn = (upright - edge_angle) % 180      # parallel: 0 or 180
            assert min(turn, 180 - turn) < 1e-6, (edge, upright, edge_angle)
    plt.close(fig)


def test_fan_out_is_a_dot_and_nodes_are_circles():
    fig, ax, _ = draw()
    radii = sorted(p.get_radius() for p in ax.patches
                   if isinstance(p, Circle))
    assert len(radii) == len(NODES)
    assert radii[0] < radii[1] == radii[-1]      # one dot, four circles
    labels = {t.get_text() for t in ax.texts}
    assert {"$a$", "$b$", "$c$", "$d$"} <= labels
    plt.close(fig)


def test_negative_zero_is_printed_as_zero():
    fig, ax = plt.subplots()
    (value, grad), = draw_circuit(ax, NODES, [Edge("a", "b", -0.0, -1e-9)],
                                  fmt="{:.2f}")
    assert value.get_text() == "0.00" and grad.get_text() == "0.00"
    plt.close(fig)


@pytest.mark.parametrize("nodes, edges, expected", [
    (NODES, [Edge("a", "nowhere", 1.0, 1.0)], "unknown node 'nowhere'"),
    (NODES, [Edge("a", "b", 1.0, 1.0, at=1.0)], "'at' must lie in"),
    ({"a": (0, 0)}, [], r"must be \(x, y, label\)"),
])
def test_malformed_graphs_are_refused(nodes, edges, expected):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=expected):
        draw_circuit(ax, nodes, edges)
    plt.close(fig)
