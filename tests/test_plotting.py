"""nntrain.plotting: one style per optimizer for the whole book."""
from __future__ import annotations

import pytest

from nntrain import plotting
from nntrain.plotting import DRAWN_TOGETHER, OPTIMIZER_STYLE, optimizer_style

pytestmark = pytest.mark.ch4


def test_no_two_optimizers_share_colour_and_line_style():
    pairs = [(s["color"], str(s["linestyle"])) for s in OPTIMIZER_STYLE.values()]
    assert len(set(pairs)) == len(pairs)


def test_the_six_usual_contenders_differ_in_colour_and_in_line_style():
    six = [OPTIMIZER_STYLE[n] for n in ("SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam")]
    assert len({s["color"] for s in six}) == 6           # apart in colour ...
    assert len({str(s["linestyle"]) for s in six}) == 6  # ... and in greyscale
    assert all(s["color"] in plotting.COLORS.values() for s in OPTIMIZER_STYLE.values())


@pytest.mark.parametrize("group", DRAWN_TOGETHER, ids=lambda g: "+".join(g))
def test_optimizers_drawn_together_differ_in_colour(group):
    colours = [optimizer_style(n)["color"] for n in group]
    clashes = [(a, b) for i, a in enumerate(group) for b in group[i + 1:]
               if optimizer_style(a)["color"] == optimizer_style(b)["color"]]
    assert len(set(colours)) == len(colours), clashes


def test_the_groups_cover_the_race_companion_and_known_names():
    import inspect

    from nntrain.widgets import race

    default = inspect.signature(race.race_companion).parameters["names"].default
    assert [optimizer_style(n) for n in default] in [
        [optimizer_style(n) for n in g] for g in DRAWN_TOGETHER]
    for group in DRAWN_TOGETHER:
        for name in group:
            optimizer_style(name)            # every name is a known optimizer


@pytest.mark.parametrize("label, name", [
    ("Adam (lr 0.03)", "Adam"), ("Momentum 0.9", "Momentum"), ("RMSprop", "RMSProp"), ("GD (lr 0.07)", "SGD"),
    ("heavy ball", "Momentum"), ("Rprop, backtracking (CMU)", "Rprop backtracking"), ("Adagrad", "AdaGrad"),
    ("RMSProp ($\\beta_2$ = 0.99)", "RMSProp"), ("Nesterov 0.9", "Nesterov"), ("L-BFGS-B", "L-BFGS"),
    ("AdamW", "AdamW"), ("AMSGrad", "AMSGrad"), ("Adadelta (no lr)", "Adadelta"),
])
def test_labels_find_their_optimizer(label, name):
    assert optimizer_style(label) == OPTIMIZER_STYLE[name]


def test_the_style_is_a_copy():
    style = optimizer_style("Adam")
    style["color"] = "red"
    assert OPTIMIZER_STYLE["Adam"]["color"] != "red"


def test_unknown_optimizer_is_a_value_error():
    with pytest.raises(ValueError, match="unknown optimizer 'Lion'"):
        optimizer_style("Lion")
    with pytest.raises(ValueError, match="string"):
        optimizer_style(3)
