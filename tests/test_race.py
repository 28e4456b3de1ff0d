"""nntrain.widgets.race: the race's computations, its widget and its static companion."""
from __future__ import annotations

import numpy as np
import pytest

from nntrain import optim
from nntrain.widgets import race
from nntrain.core import Parameter

pytestmark = pytest.mark.ch4


def test_race_equals_running_each_optimizer_by_hand():
    out = race.race("rotated valley", ["Momentum", "Adam"], lr=0.03, beta1=0.8, beta2=0.99, steps=40)
    prob = race.problem("rotated valley")
    for name, make in [("Momentum", lambda p: optim.SGD(p, lr=0.03, momentum=0.8)),
                       ("Adam", lambda p: optim.Adam(p, lr=0.03, betas=(0.8, 0.99)))]:
        p = Parameter(race.START["rotated valley"])
        opt = make([p])
        ws = [p.data.copy()]
        for _ in range(40):
            opt.zero_grad()
            p.accumulate(prob.grad(p.data))
            opt.step()
            ws.append(p.data.copy())
        np.testing.assert_allclose(out[name].w, np.array(ws), rtol=1e-12)
        assert out[name].w.shape == (41, 2)


def test_every_racer_runs_on_every_problem():
    for pn in race.PROBLEMS:
        out = race.race(pn, list(race.RACERS), lr=0.01, steps=5)
        assert set(out) == set(race.RACERS)
        for tr in out.values():
            assert np.all(np.isfinite(tr.w))


def test_shared_knobs_reach_the_optimizers():
    opt = race.make_racer("Adam", 0.2, 0.5, 0.75)([Parameter(np.zeros(2))])
    assert opt.param_groups[0]["betas"] == (0.5, 0.75) and opt.lr == 0.2
    opt = race.make_racer("RMSprop", 0.2, 0.5, 0.75)([Parameter(np.zeros(2))])
    assert opt.param_groups[0]["alpha"] == 0.75


def test_bad_input():
    with pytest.raises(ValueError, match="racer"):
        race.make_racer("Lion", 0.1)
    with pytest.raises(ValueError, match="problem"):
        race.problem("Himmelblau")
    with pytest.raises(ValueError, match="at least one"):
        race.race("valley", [], 0.1)


def test_divergent_runs_stop_instead_of_overflowing():
    out = race.race("valley", ["SGD"], lr=0.2, steps=200)  # 0.2 * 25 = 5 > 2: diverges
    assert out["SGD"].stopped_early


def test_widget_builds_and_reacts():
    pytest.importorskip("ipywidgets")
    import matplotlib
    matplotlib.use("Agg")
    box = race.race_widget(steps=10)
    controls = box.children[0].children[0].children
    first = box.image.value
    assert first[:4] == b"\x89PNG"
    controls[1].value = 0.1  # learning rate slider: redraw must not fail, and must change the picture
    assert box.image.value != first and box.message.value == ""
    box.children[0].children[1].value = ()  # no optimizer chosen: a message, not a traceback
    assert "at least one" in box.message.value


def test_static_companion_is_self_contained():
    pytest.importorskip("IPython")
    import matplotlib
    matplotlib.use("Agg")
    html = race.race_companion(names=("SGD", "Adam"), problems=("valley", "Rosenbrock"), beta1s=(0.9,),
                               beta2s=(0.999,), steps={"valley": 10, "Rosenbrock": 10})
    text = html.data
    assert text.count("data:image/png;base64") >= 2        # one frame per problem (+ the first shown)
    assert "<script src" not in text and "http://" not in text and "https://" not in text
    assert "Small multiples" in text and "lr 0.06 and momentum 0.9" in text   # alt text names each panel


def test_companion_rejects_a_problem_without_settings():
    with pytest.raises(ValueError, match="every problem"):
        race.race_companion(problems=("valley",), lrs={"Rosenbrock": (0.1,)})
    with pytest.raises(ValueError, match="problem"):
        race.race_companion(problems=("Himmelblau",))


def _line_styles(ax):
    return {ln.get_label(): (ln.get_color(), ln.get_linestyle()) for ln in ax.get_lines()
            if not ln.get_label().startswith("_") and ln.get_label() != "minimum"}


def test_race_grid_puts_settings_side_by_side_in_the_book_styles():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from nntrain.plotting import optimizer_style

    names = ("SGD", "Momentum", "Nesterov", "Adam")
    fig = race.race_grid("valley", names, lrs=(0.03, 0.06), beta1s=(0.5, 0.9), steps=60)
    axes = fig.axes
    assert len(axes) == 4 and axes[3].get_title() == "lr 0.06, momentum/β₁ 0.9"
    for ax in axes:
        shown = _line_styles(ax)
        assert set(shown) == set(names)
        for name, (color, ls) in shown.items():
            ref = Line2D([], [], **optimizer_style(name))
            assert (color, ls) == (ref.get_color(), ref.get_linestyle()), name
    # at lr 0.06 and beta 0.9 Nesterov leaves its stable region (eta lambda_max = 1.5 > 1.357): named in the panel
    assert any(t.get_text() == "blew up:\nNesterov" for t in axes[3].texts)
    assert not axes[0].texts
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one"):
        race.race_grid("valley", names, lrs=())


def test_race_figure_uses_the_book_styles():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from nntrain.plotting import optimizer_style

    fig = race.race_figure("rotated valley", race.race("rotated valley", ["Adagrad", "RMSprop", "Rprop"], 0.03,
                                                        steps=5))
    for name, (color, ls) in _line_styles(fig.axes[0]).items():
        ref = Line2D([], [], **optimizer_style(name))
        assert (color, ls) == (ref.get_color(), ref.get_linestyle()), name
    plt.close(fig)


def test_run_starts_rows_are_the_runs_of_run_optimizer():
    from nntrain.descent import run_optimizer
    from nntrain.functions import Rosenbrock

    starts = [np.array([-1.5, 2.0]) + np.random.default_rng(s).uniform(-0.3, 0.3, 2) for s in range(4)]
    for prob, make in [(Rosenbrock(), lambda p: optim.Adam(p, lr=0.1)),
                       (race.problem("rotated valley"), lambda p: optim.SGD(p, lr=0.03, momentum=0.9,
                                                                             nesterov=True))]:
        batched = race.run_starts(prob, make, starts, 50)
        assert batched.shape == (4, 51)
        for i, w0 in enumerate(starts):
            single = run_optimizer(prob, make, w0, 50)
            np.testing.assert_allclose(batched[i], np.log10(np.maximum(single.loss, 1e-16)), rtol=1e-12)


def test_run_starts_reports_a_blow_up_and_rejects_bad_input():
    prob = race.problem("valley")
    # lr 0.2: eta lambda_max = 5 > 2, every start diverges
    assert race.run_starts(prob, lambda p: optim.SGD(p, lr=0.2), [[1.0, 1.0], [2.0, -1.0]], 200) is None
    with pytest.raises(ValueError, match="shape"):
        race.run_starts(prob, lambda p: optim.SGD(p, lr=0.01), [1.0, 1.0], 10)


def test_default_companion_is_six_frames_of_six_panels_and_small():
    pytest.importorskip("IPython")
    import inspect

    import matplotlib
    matplotlib.use("Agg")
    grid = inspect.signature(race.race_companion).parameters
    # 3 problems x 2 values of beta2 = 6 pictures, each 3 learning rates x 2 momenta
    assert len(race.PROBLEMS) * len(grid["beta2s"].default) == 6
    assert [len(race.COMPANION_LRS[pn]) for pn in race.PROBLEMS] == [3, 3, 3]
    assert len(grid["beta1s"].default) == 2
    html = race.race_companion()
    assert html.data.count("data:image/png;base64") >= 6
    assert html.nbytes < 1.5e6             # the page stays light: well under 1.5 MB
