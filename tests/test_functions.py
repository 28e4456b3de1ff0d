"""nntrain.functions: Rosenbrock and TwoBasins against finite differences and PyTorch."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nntrain import calculus as C
from nntrain.functions import Rosenbrock, TwoBasins

pytestmark = pytest.mark.ch3

coords = st.floats(-2.0, 2.0, allow_nan=False)


@settings(max_examples=25, deadline=None)
@given(coords, coords, st.floats(0.5, 2.0), st.floats(1.0, 100.0))
def test_rosenbrock_grad_and_hessian_match_finite_differences(x, y, a, b):
    f, w = Rosenbrock(a, b), np.array([x, y])
    g, g_fd = f.grad(w), C.gradient(f.loss, w)
    # entrywise relative error is meaningless for entries at round-off level, so compare in norm
    assert np.linalg.norm(g - g_fd) <= 1e-6 * max(np.linalg.norm(g), 1e-3)
    np.testing.assert_allclose(f.hessian(w), C.hessian(f.loss, w), rtol=1e-5, atol=1e-3)


def test_rosenbrock_against_torch():
    torch = pytest.importorskip("torch")
    f = Rosenbrock(1.5, 30.0)
    w = np.random.default_rng(0).standard_normal(2)
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    E = (1.5 - wt[0]) ** 2 + 30.0 * (wt[1] - wt[0] ** 2) ** 2
    E.backward()
    assert f.loss(w) == pytest.approx(E.item(), rel=1e-12)
    np.testing.assert_allclose(f.grad(w), wt.grad.numpy(), rtol=1e-10)
    H = torch.autograd.functional.hessian(lambda v: (1.5 - v[0]) ** 2 + 30.0 * (v[1] - v[0] ** 2) ** 2,
                                          torch.tensor(w, dtype=torch.float64))
    np.testing.assert_allclose(f.hessian(w), H.numpy(), rtol=1e-10)


def test_rosenbrock_minimum_and_batched_evaluation():
    f = Rosenbrock()
    np.testing.assert_array_equal(f.minimizer(), [1.0, 1.0])
    assert f.loss(f.minimizer()) == 0.0 and np.all(f.grad(f.minimizer()) == 0)
    assert np.all(np.linalg.eigvalsh(f.hessian(f.minimizer())) > 0)
    grid = np.random.default_rng(1).standard_normal((4, 5, 2))
    vals = f.loss(grid)
    assert vals.shape == (4, 5)
    assert vals[2, 3] == pytest.approx(f.loss(grid[2, 3]))
    assert f.grad(grid).shape == (4, 5, 2)
    np.testing.assert_allclose(f.grad(grid)[1, 4], f.grad(grid[1, 4]))


def test_two_basins_has_a_poor_narrow_minimum_and_a_good_wide_one():
    f = TwoBasins()
    mins = f.local_minima()
    assert mins.shape == (2, 1)
    for m in mins:
        assert abs(f.grad(m)[0]) < 1e-12 and f.hessian(m)[0, 0] > 0
    good, poor = (mins[0], mins[1]) if f.loss(mins[0]) < f.loss(mins[1]) else (mins[1], mins[0])
    np.testing.assert_allclose(f.minimizer(), good)
    assert f.loss(poor) > f.loss(good) + 0.5
    # the poor basin is narrow (large curvature), the good one wide
    assert f.hessian(poor)[0, 0] > 10 * f.hessian(good)[0, 0]


@settings(max_examples=25, deadline=None)
@given(st.floats(-6, 6))
def test_two_basins_derivatives_match_finite_differences(x):
    f, w = TwoBasins(), np.array([x])
    assert f.grad(w)[0] == pytest.approx(C.derivative(lambda v: f.loss(np.array([v])), x), rel=1e-6, abs=1e-9)
    assert f.hessian(w)[0, 0] == pytest.approx(C.hessian(f.loss, w)[0, 0], rel=1e-5, abs=1e-5)


def test_planted_bug_wrong_rosenbrock_gradient_is_caught():
    f, w = Rosenbrock(), np.array([-1.2, 1.0])
    wrong = f.grad(w) * np.array([1.0, 0.5])  # a dropped factor 2 in dE/dy
    assert C.rel_error(wrong, C.gradient(f.loss, w)) > 1e-3


def test_bad_input_raises():
    with pytest.raises(ValueError, match=r"\(2,\)"):
        Rosenbrock().loss(np.zeros(3))
    with pytest.raises(ValueError, match="one point"):
        Rosenbrock().hessian(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="b > 0"):
        Rosenbrock(b=-1)
    with pytest.raises(ValueError, match="width > 0"):
        TwoBasins(width=0)


def test_cliff_gradient_hessian_and_minimiser():
    from nntrain.calculus import check_grad, hessian
    from nntrain.functions import Cliff

    cliff = Cliff()
    for x in [-1.0, 0.9, 1.0, 1.05, 2.5]:
        w = np.array([x])
        assert check_grad(cliff.loss, cliff.grad, w, h=1e-6), x
        np.testing.assert_allclose(cliff.hessian(w), hessian(cliff.loss, w, h=1e-4), rtol=1e-4, atol=1e-4)
    w_min = cliff.minimizer()
    assert abs(cliff.grad(w_min)[0]) < 1e-10 and abs(w_min[0] - 3.0) < 1e-6
    # the face is steep: hundreds of times the gentle slope
    face = np.max(np.abs(cliff.grad(np.linspace(0.5, 1.5, 1001)[:, None])))
    assert face > 200 * abs(cliff.grad(np.array([0.0]))[0])
    with pytest.raises(ValueError, match="edge < w_star"):
        Cliff(edge=4.0)
