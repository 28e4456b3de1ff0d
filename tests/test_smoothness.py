"""nntrain.smoothness: the change of the gradient over one step, checked on a quadratic."""
import numpy as np
import pytest

from nntrain.batch_norm import BatchNorm1d
from nntrain.layers import Linear, ReLU, Sequential
from nntrain.losses import mse_loss, softmax_cross_entropy
from nntrain.smoothness import flat_gradient, gradient_change

pytestmark = pytest.mark.ch7


def test_on_least_squares_the_change_is_the_hessian_times_the_step():
    """For a linear model with the mean squared error the gradient is affine in the weights,
    g(w - s g) - g(w) = -s H g with H the Hessian of the loss in (W, b)."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 3)), rng.standard_normal((50, 1))
    model = Linear(3, 1, rng=rng)
    _, g = flat_gradient(model, mse_loss, X, y)
    A = np.c_[X, np.ones(50)]                      # parameters ordered (W, b)
    H = 2 * A.T @ A / 50                           # mse_loss: mean of squares
    r = gradient_change(model, mse_loss, X, y, 0.1)
    expected = np.linalg.norm(0.1 * H @ g) / np.linalg.norm(g)
    assert r["relative"] == pytest.approx(expected, rel=1e-10)
    assert r["smoothness"] == pytest.approx(expected / 0.1, rel=1e-10)
    # a planted mistake: a Hessian without the factor 2 of the squares is rejected
    assert abs(r["relative"] - expected / 2) > 0.1 * expected


def test_the_model_and_its_running_statistics_are_untouched():
    rng = np.random.default_rng(1)
    model = Sequential(Linear(4, 8, rng=rng), BatchNorm1d(8), ReLU(), Linear(8, 3, rng=rng))
    X, y = rng.standard_normal((16, 4)), rng.integers(0, 3, 16)
    before = [p.data.copy() for p in model.parameters()]
    mean, var = model[1].running_mean.copy(), model[1].running_var.copy()
    gradient_change(model, softmax_cross_entropy, X, y, 0.5)
    assert all(np.array_equal(a, p.data) for a, p in zip(before, model.parameters()))
    assert all(np.all(p.grad == 0) for p in model.parameters())
    assert np.array_equal(mean, model[1].running_mean) and np.array_equal(var, model[1].running_var)


def test_errors():
    rng = np.random.default_rng(2)
    model = Linear(2, 1, rng=rng)
    X, y = rng.standard_normal((5, 2)), rng.standard_normal((5, 1))
    with pytest.raises(ValueError, match="step must be a positive"):
        gradient_change(model, mse_loss, X, y, 0.0)
    with pytest.raises(ValueError, match="nntrain Module"):
        flat_gradient(lambda x: x, mse_loss, X, y)
