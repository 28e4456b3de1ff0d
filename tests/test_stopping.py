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
