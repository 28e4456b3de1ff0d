"""nntrain.descent: trajectories of gradient descent, Newton and any optimizer, without overflow warnings."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nntrain.descent import Trajectory, gradient_descent, newton, run_optimizer
from nntrain.functions import Rosenbrock, TwoBasins
from nntrain.quadratic import Quadratic

pytestmark = pytest.mark.ch3


class PlainSGD:
    """A stand-in optimizer with the nntrain interface (params, zero_grad, step)."""

    def __init__(self, params, lr, momentum=0.0):
        self.params, self.lr, self.momentum, self.buf = params, lr, momentum, {}

    def zero_grad(self):
        for p in self.params:
            p.zero_grad()

    def step(self):
        for p in self.params:
            g = p.grad
            if self.momentum:
                b = self.buf.get(id(p))
                b = g.copy() if b is None else self.momentum * b + g
                self.buf[id(p)] = b
                g = b
            p.data -= self.lr * g


def test_trajectory_shapes_and_first_row():
    q = Quadratic.toy_regression()
    t = gradient_descent(q, 0.05, [2.0, -1.0], 30)
    assert isinstance(t, Trajectory)
    assert t.w.shape == (31, 2) and t.loss.shape == (31,) and t.dist.shape == (31,) and t.grad_norm.shape == (31,)
    np.testing.assert_array_equal(t.w[0], [2.0, -1.0])
    assert t.loss[3] == pytest.approx(q.loss(t.w[3]))
    assert t.dist[5] == pytest.approx(np.linalg.norm(t.w[5] - [0.0, 1.0]))
    assert t.steps == 30 and not t.stopped_early and not t.diverged and t.message == ""


def test_gradient_descent_step_is_w_minus_eta_grad():
    f = Rosenbrock()
    t = gradient_descent(f, 1e-3, [-1.2, 1.0], 3)
    for k in range(3):
        np.testing.assert_allclose(t.w[k + 1], t.w[k] - 1e-3 * f.grad(t.w[k]), rtol=1e-15)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 8), st.floats(0.0, 4.0), st.integers(0, 2**32 - 1))
def test_newton_solves_any_spd_quadratic_in_one_step(D, log_kappa, seed):
    rng = np.random.default_rng(seed)
    lam = np.exp(rng.uniform(0, log_kappa * np.log(10), size=D)) * rng.uniform(0.1, 10)
    w_star = rng.standard_normal(D) * 3
    q = Quadratic.from_eigenvalues(lam, rng=rng, w_star=w_star)
    t = newton(q, rng.standard_normal(D) * 5, 1)
    assert t.dist[1] <= 1e-8 * max(1.0, t.dist[0])
    assert np.linalg.norm(q.grad(t.w[1])) <= 1e-8 * max(1.0, np.linalg.norm(q.grad(t.w[0])))


def test_newton_on_rosenbrock_is_fast_and_gd_is_slow():
    f = Rosenbrock()
    nt = newton(f, [-1.2, 1.0], 10)
    gd = gradient_descent(f, 1e-3, [-1.2, 1.0], 1000)
    assert nt.dist[-1] < 1e-12
    assert gd.dist[-1] > 1e-2


def test_newton_stops_on_a_singular_hessian():
    q = Quadratic(np.diag([1.0, 0.0]))
    t = newton(q, [1.0, 1.0], 5)
    assert t.stopped_early and t.steps == 0 and "step 1" in t.message and t.dist is None


def test_divergence_stops_early_without_warnings():
    q = Quadratic.from_eigenvalues([1.0, 10.0], Q=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = gradient_descent(q, 0.5, [1.0, 1.0], 10_000)
        r = gradient_descent(Rosenbrock(), 0.05, [-1.2, 1.0], 10_000)
        o = run_optimizer(q, lambda ps: PlainSGD(ps, lr=0.5, momentum=0.9), [1.0, 1.0], 10_000)
    for traj in (t, r, o):
        assert traj.stopped_early and traj.diverged and "blew up" in traj.message
        assert traj.steps < 10_000 and np.all(np.isfinite(traj.w)) and np.all(np.isfinite(traj.loss))


def test_run_optimizer_matches_gradient_descent_exactly():
    q = Quadratic.from_eigenvalues([0.5, 3.0, 7.0], rng=np.random.default_rng(3), w_star=[1.0, -2.0, 0.5])
    w0 = np.array([3.0, 3.0, -1.0])
    a = gradient_descent(q, 0.1, w0, 50)
    b = run_optimizer(q, lambda ps: PlainSGD(ps, lr=0.1), w0, 50)
    np.testing.assert_array_equal(a.w, b.w)
    assert b.method == "PlainSGD"
    np.testing.assert_array_equal(w0, [3.0, 3.0, -1.0])  # the start is not modified


def test_run_optimizer_keeps_optimizer_state_between_steps():
    q = Quadratic([[1.0]], [0.0])
    t = run_optimizer(q, lambda ps: PlainSGD(ps, lr=0.1, momentum=0.5), [1.0], 3)
    # heavy ball by hand: b1 = g0, b2 = 0.5 b1 + g1
    w1 = 1.0 - 0.1 * 1.0
    w2 = w1 - 0.1 * (0.5 * 1.0 + w1)
    np.testing.assert_allclose(t.w[:3, 0], [1.0, w1, w2], rtol=1e-15)


def test_planted_bug_runner_that_ignores_eta_is_caught():
    """The closed form w_t - w* = (1 - eta lambda)^t (w_0 - w*) rejects a runner with a wrong step."""
    q = Quadratic([[2.0]], [2.0])  # w* = 1

    def closed_form(eta, t):
        return 1 + (1 - eta * 2.0) ** np.arange(t + 1) * (5.0 - 1)

    good = gradient_descent(q, 0.3, [5.0], 10).w[:, 0]
    buggy = [5.0]
    for _ in range(10):
        buggy.append(buggy[-1] - 0.3 * 2 * q.grad(np.array([buggy[-1]]))[0])  # a step twice too long
    np.testing.assert_allclose(good, closed_form(0.3, 10), rtol=1e-12)
    assert not np.allclose(buggy, closed_form(0.3, 10), rtol=1e-6)


def test_distances_are_none_without_minimiser_and_rate_says_why():
    class Bowl:  # only loss and grad
        def loss(self, w):
            return float(w @ w)

        def grad(self, w):
            return 2 * w

    t = gradient_descent(Bowl(), 0.1, [1.0, 2.0], 5)
    assert t.dist is None and not t.diverged
    with pytest.raises(ValueError, match="minimiser"):
        t.rate()


def test_escaping_the_poor_basin_with_a_large_step():
    f = TwoBasins()
    poor = f.local_minima()[1]
    small = gradient_descent(f, 0.1, poor + 0.2, 300)
    large = gradient_descent(f, 1.0, poor + 0.2, 300)
    assert abs(small.w[-1, 0] - poor[0]) < 1e-6
    assert abs(large.w[-1, 0] - f.minimizer()[0]) < 1e-6


def test_bad_input_raises():
    q = Quadratic.toy_regression()
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        gradient_descent(q, 0.1, [1.0, 2.0, 3.0], 3)
    with pytest.raises(ValueError, match="non-negative integer"):
        gradient_descent(q, 0.1, [1.0, 2.0], -1)
    with pytest.raises(ValueError, match="zero_grad"):
        run_optimizer(q, lambda ps: object(), [1.0, 2.0], 3)
