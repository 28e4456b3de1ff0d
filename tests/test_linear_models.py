"""nntrain.linear_models: perceptron and L2-regularised logistic regression."""
import numpy as np
import pytest

from nntrain import calculus as C
from nntrain.linear_models import accuracy, boundary_angle, logistic_loss, logistic_regression, perceptron

pytestmark = pytest.mark.ch3


def clusters(seed=0, n=25):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal([1.0, 1.0], 0.5, (n, 2)), rng.normal([-1.0, -1.0], 0.5, (n, 2))])
    return X, np.r_[np.ones(n), -np.ones(n)]


def test_perceptron_separates_separable_data():
    X, y = clusters()
    w, b, updates, converged = perceptron(X, y)
    assert converged and accuracy(w, b, X, y) == 1.0 and updates >= 1


def test_logistic_regression_is_a_stationary_point_of_its_loss():
    X, y = clusters(1)
    w, b = logistic_regression(X, y, l2=0.1)
    theta = np.r_[w, b]
    g = C.gradient(lambda t: logistic_loss(t[:2], t[2], X, y, 0.1), theta)
    assert np.linalg.norm(g) < 1e-8
    # and a minimum: nudging any coordinate raises the loss
    base = logistic_loss(w, b, X, y, 0.1)
    for e in np.eye(3) * 1e-3:
        assert logistic_loss(w + e[:2], b + e[2], X, y, 0.1) > base


def test_against_torch_loss():
    torch = pytest.importorskip("torch")
    X, y = clusters(2, 5)
    w, b = np.array([0.3, -0.8]), 0.2
    m = torch.tensor(y) * (torch.tensor(X) @ torch.tensor(w) + b)
    ref = torch.nn.functional.softplus(-m).mean() + 0.05 * float(w @ w)
    assert logistic_loss(w, b, X, y, 0.1) == pytest.approx(ref.item(), rel=1e-12)


def test_outlier_swings_the_perceptron_more_than_the_logistic_fit():
    X, y = clusters()
    X2, y2 = np.vstack([X, [[-2.0, 0.0]]]), np.r_[y, 1.0]
    w, _, _, _ = perceptron(X, y)
    w2, b2, _, ok = perceptron(X2, y2, 5000)
    v, _ = logistic_regression(X, y, 0.1)
    v2, c2 = logistic_regression(X2, y2, 0.1)
    assert ok and accuracy(w2, b2, X2, y2) == 1.0 and accuracy(v2, c2, X2, y2) < 1.0
    assert abs(boundary_angle(w2) - boundary_angle(w)) > 4 * abs(boundary_angle(v2) - boundary_angle(v))


def test_planted_bug_perceptron_update_with_wrong_sign_never_separates():
    X, y = clusters()
    w, b, _, converged = perceptron(X, -y)  # trains toward the opposite labels...
    assert accuracy(w, b, X, y) == 0.0  # ...which the accuracy check on the true labels rejects


def test_bad_input_raises():
    X, y = clusters()
    with pytest.raises(ValueError, match="-1 or \\+1"):
        perceptron(X, (y > 0).astype(float))
    with pytest.raises(ValueError, match="l2"):
        logistic_regression(X, y, l2=0.0)
    with pytest.raises(ValueError, match="shape"):
        perceptron(X, y[:-1])
