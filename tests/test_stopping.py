"""nntrain.stopping: the three stopping rules of gradient descent."""
import numpy as np
import pytest

from nntrain.stopping import descend

pytestmark = pytest.mark.ch1

f = lambda w: 0.5 * (w[0] ** 2 + 4 * w[1] ** 2)  # noqa: E731
g = lambda w: np.array([w[0], 4 * w[1]])  # noqa: E731


@pytest.mark.parametrize("rule", ["step", "gradient", "loss"])
def test_each_rule_stops_when_its_quantity_falls_below_tol(rule):
    res = descend(f, g, [1.0, 1.0], eta=0.1, rule=rule, tol=1e-6)
    assert res.stopped
    w_last, w_prev = res.w[-1], res.w[-2]
    if rule == "step":
        assert np.linalg.norm(w_last - w_prev) < 1e-6 <= np.linalg.norm(res.w[-2] - res.w[-3])
    elif rule == "gradient":
        assert np.linalg.norm(g(w_last)) < 1e-6 <= np.linalg.norm(g(w_prev))
    else:
        assert abs(res.loss[-1] - res.loss[-2]) < 1e-6 <= abs(res.loss[-2] - res.loss[-3])


def test_iterates_follow_the_update_rule():
    res = descend(f, g, [1.0, -2.0], eta=0.1, rule="step", tol=1e-3)
    np.testing.assert_allclose(res.w[1:], res.w[:-1] - 0.1 * np.array([g(w) for w in res.w[:-1]]), rtol=1e-15)


def test_max_iter_is_reported():
    res = descend(f, g, [1.0, 1.0], eta=1e-4, rule="gradient", tol=1e-12, max_iter=5)
    assert not res.stopped and res.iterations == 5


def test_divergence_stops_without_overflow_warnings():
    res = descend(f, g, [1.0, 1.0], eta=1.0, rule="loss", tol=1e-9, max_iter=2000)
    assert not res.stopped and res.diverged and res.iterations < 2000


@pytest.mark.parametrize("kwargs, message", [({"rule": "size"}, "rule must be"), ({"eta": -1.0}, "positive"),
                                             ({"tol": 0.0}, "tol must be positive"), ({"w0": [[1.0]]}, "shape \\(D,\\)")])
def test_bad_arguments(kwargs, message):
    args = {"f": f, "grad": g, "w0": [1.0, 1.0], "eta": 0.1, "rule": "step", "tol": 1e-6} | kwargs
    with pytest.raises(ValueError, match=message):
        descend(**args)


# --- where each rule stops, predicted in closed form ------------------------
from nntrain.stopping import RULES, flat_valley_stop, quadratic_stop  # noqa: E402


@pytest.mark.parametrize("rule", RULES)
def test_quadratic_stop_predicts_the_run_exactly(rule):
    rng = np.random.default_rng(5)
    for _ in range(15):
        M = rng.standard_normal((3, 3))
        A = M @ M.T + 0.2 * np.eye(3)
        b, w0 = rng.standard_normal(3), rng.standard_normal(3)
        eta = rng.uniform(0.2, 1.8) / np.linalg.eigvalsh(A)[-1]
        tol = 10.0 ** rng.uniform(-8, -3)
        quad = lambda w: 0.5 * w @ A @ w - b @ w  # noqa: E731
        run = descend(quad, lambda w: A @ w - b, w0, eta, rule, tol)
        assert run.stopped
        assert quadratic_stop(A, b, w0, eta, rule, tol) == run.iterations


def test_quadratic_stop_on_the_aalto_toy_regression():
    # A = [[8, 4], [4, 4]]; from w0 = w* + 2 q_slow the error is a single mode,
    # so ||grad|| = 2 lam_min rho**k and the gradient rule needs the first k
    # with rho**k < tol / (2 lam_min): k = ceil(log(tol / (2 lam)) / log rho)
    A, b = np.array([[8.0, 4.0], [4.0, 4.0]]), np.array([4.0, 4.0])
    lam, Q = np.linalg.eigh(A)
    eta, tol = 0.1, 1e-6
    w0 = np.linalg.solve(A, b) + 2 * Q[:, 0]
    rho = 1 - eta * lam[0]
    k = int(np.ceil(np.log(tol / (2 * lam[0])) / np.log(rho)))
    assert quadratic_stop(A, b, w0, eta, "gradient", tol) == k
    assert quadratic_stop(A, b, w0, eta, "step", eta * tol) == k + 1


def test_quadratic_stop_reports_a_rule_that_never_fires():
    A, b = np.diag([1.0, 2.0]), np.zeros(2)
    assert quadratic_stop(A, b, [1.0, 1.0], 0.01, "gradient", 1e-12, max_iter=50) is None
    assert quadratic_stop(A, b, [1.0, 1.0], 1.5, "loss", 1e-6) is None  # diverges


@pytest.mark.parametrize("power", [3, 4, 6])
@pytest.mark.parametrize("rule", RULES)
def test_flat_valley_stop_matches_a_run_for_small_tol(rule, power):
    eta, u0 = 0.05, 0.5
    tol = {"gradient": 1e-6, "step": 1e-7, "loss": 1e-10}[rule]
    f = lambda w: w[0] ** power  # noqa: E731
    g = lambda w: power * w**(power - 1)  # noqa: E731
    run = descend(f, g, [u0], eta, rule, tol, max_iter=2_000_000)
    assert run.stopped
    u1 = u0 - eta * power * u0 ** (power - 1)
    u, k = flat_valley_stop(rule, eta, tol, power, u1)
    assert abs(run.w[-1, 0]) == pytest.approx(u, rel=0.01)
    assert run.iterations == pytest.approx(k, rel=0.01)


@pytest.mark.parametrize("kwargs, message", [({"rule": "size"}, "rule must be"), ({"power": 2}, "power must be"),
                                             ({"u1": 0.0}, "u1"), ({"tol": -1.0}, "tol must be positive")])
def test_flat_valley_stop_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        flat_valley_stop(**({"rule": "step", "eta": 0.1, "tol": 1e-6, "power": 4, "u1": 0.5} | kwargs))


def test_quadratic_stop_bad_arguments():
    with pytest.raises(ValueError, match="positive definite"):
        quadratic_stop(np.diag([1.0, -1.0]), np.zeros(2), [1.0, 1.0], 0.1, "step", 1e-6)
    with pytest.raises(ValueError, match="shape"):
        quadratic_stop(np.eye(2), np.zeros(3), [1.0, 1.0], 0.1, "step", 1e-6)
