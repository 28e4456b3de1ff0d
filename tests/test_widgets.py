"""nntrain.widgets.quadratic: the widgets' computations without a browser, the builders driven by code, the companions."""
import numpy as np
import pytest

from nntrain import rates
from nntrain.widgets.quadratic import (QUADRATIC_2D_GRID, STEP_SIZE_GRID, plot_quadratic_2d, plot_step_size,
                             quadratic_2d_state, step_size_state)

pytestmark = pytest.mark.ch3


@pytest.mark.parametrize("ratio, label", [(0.05, "monotone"), (0.95, "monotone"), (1.0, "one step"),
                                          (1.05, "oscillating, converging"), (1.95, "oscillating, converging"),
                                          (2.0, "bouncing forever"), (2.05, "diverging"), (2.5, "diverging")])
def test_step_size_regime_labels_at_slider_values(ratio, label):
    s = step_size_state(ratio)
    assert s.regime == label and label in s.message()
    assert s.factor == pytest.approx(1 - ratio)


def test_slider_round_off_does_not_miss_the_boundaries():
    # a slider may send 0.05 * 40 = 2.0000000000000004 or 0.1 * 3 = 0.30000000000000004
    assert step_size_state(0.05 * 40).regime == "bouncing forever"
    assert step_size_state(0.05 * 20).regime == "one step"
    assert quadratic_2d_state(0.05 * 40, 1.0).verdict == "bouncing forever"


def test_step_size_errors_follow_the_factor():
    for ratio in (0.5, 1.5, 2.0, 2.25):
        s = step_size_state(ratio, steps=10)
        np.testing.assert_allclose(s.errors, s.errors[0] * abs(1 - ratio) ** np.arange(11), rtol=1e-12)
    assert np.all(step_size_state(1.0).errors[1:] == 0)


@pytest.mark.parametrize("eta, kappa, verdict", [(1.0, 10.0, "converging"), (1.95, 10.0, "converging"),
                                                 (2.0, 10.0, "bouncing forever"), (2.05, 10.0, "diverging"),
                                                 (2.0, 1.0, "bouncing forever"), (0.05, 100.0, "converging")])
def test_quadratic_2d_verdicts(eta, kappa, verdict):
    s = quadratic_2d_state(eta, kappa, 30.0)
    assert s.verdict == verdict
    np.testing.assert_allclose(s.eigenvalues, [1 / kappa, 1.0])
    np.testing.assert_allclose(s.factors, np.abs(1 - eta * s.eigenvalues))
    assert s.eta_star == pytest.approx(2 / (1 + 1 / kappa))
    assert s.problem.condition_number() == pytest.approx(kappa)


def test_quadratic_2d_trajectory_contracts_at_the_predicted_rate():
    s = quadratic_2d_state(1.5, 20.0, 45.0, steps=200)
    assert s.trajectory.rate(last=20) == pytest.approx(s.factors.max(), rel=1e-9)
    assert s.trajectory.rate(last=20) == pytest.approx(rates.contraction(1.5, s.eigenvalues), rel=1e-9)


def test_planted_bug_verdict_from_the_shallow_direction_only_is_caught():
    s = quadratic_2d_state(2.05, 10.0)
    buggy_verdict = rates.regime(s.eta * s.eigenvalues[0])  # looks at lambda_min only
    assert buggy_verdict != s.verdict == "diverging"


@pytest.mark.parametrize("call", [lambda: step_size_state(0.0), lambda: step_size_state(-1.0),
                                  lambda: quadratic_2d_state(0.0, 10.0), lambda: quadratic_2d_state(1.0, 0.5),
                                  lambda: quadratic_2d_state(1.0, float("nan"))])
def test_invalid_settings_raise_value_errors(call):
    with pytest.raises(ValueError):
        call()


def test_render_functions_make_two_panel_figures():
    plt = pytest.importorskip("matplotlib.pyplot")
    for fig in (plot_step_size(step_size_state(1.5)), plot_quadratic_2d(quadratic_2d_state(2.05, 4.0, 60.0))):
        axes = fig.get_axes()
        assert len(axes) == 2 and all(ax.get_title() and ax.get_xlabel() and ax.get_ylabel() for ax in axes)
        plt.close(fig)


def test_step_size_widget_driven_by_code():
    pytest.importorskip("ipywidgets")
    from nntrain.widgets.quadratic import step_size_widget

    w = step_size_widget()
    slider = w.sliders["ratio"]
    assert (slider.min, slider.max) == (0.05, 2.5)  # eta <= 0 cannot be reached
    for value, label in [(0.5, "monotone"), (1.0, "one step"), (1.5, "oscillating"), (2.0, "bouncing forever"),
                         (2.5, "diverging")]:
        slider.value = value
        assert label in w.message.value and w.state.regime.startswith(label)
    slider.value = -3.0  # clamped by the slider, never an invalid state
    assert slider.value == 0.05 and w.state.regime == "monotone"


def test_quadratic_2d_widget_driven_by_code():
    pytest.importorskip("ipywidgets")
    from nntrain.widgets.quadratic import quadratic_2d_widget

    w = quadratic_2d_widget()
    w.sliders["kappa"].value = 0.1  # below the slider's range: clamped to kappa = 1
    assert w.sliders["kappa"].value == pytest.approx(1.0)
    w.sliders["kappa"].value = 100.0
    w.sliders["eta"].value = 2.05
    assert "diverging" in w.message.value
    w.sliders["eta"].value = 1.0
    w.sliders["angle_deg"].value = 90.0
    assert "converging" in w.message.value and w.state.angle_deg == 90.0
    assert w.state.factors[0] == pytest.approx(0.99)


def test_widget_reports_invalid_state_instead_of_raising():
    ipw = pytest.importorskip("ipywidgets")
    from nntrain.widgets.quadratic import _wire

    slider = ipw.FloatSlider(value=1.0, min=-1.0, max=1.0)
    box = _wire({"ratio": slider}, lambda ratio: step_size_state(ratio), plot_step_size)
    slider.value = -0.5
    assert "Not a valid setting" in box.message.value and box.state is None


def test_companions_are_self_contained_with_one_frame_per_setting():
    pytest.importorskip("IPython")
    from nntrain.widgets.quadratic import quadratic_2d_companion, step_size_companion

    one = step_size_companion({"ratio": [0.5, 2.0]})
    two = quadratic_2d_companion({"eta": [1.0], "kappa": [1.0, 10.0], "angle_deg": [0.0]}, steps=10)
    for html, frames in ((one.data, 2), (two.data, 2)):
        assert html.count("data:image/png;base64,") == frames + 1  # frames in the JSON + the first shown
        assert 'type="range"' in html and "src=\"http" not in html
    assert "bouncing forever" in one.data
    assert len(STEP_SIZE_GRID["ratio"]) * 1 <= 12
    assert np.prod([len(v) for v in QUADRATIC_2D_GRID.values()]) <= 60
