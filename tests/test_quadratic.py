"""nntrain.quadratic: the quadratic laboratory of chapter 3."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nntrain import calculus as C
from nntrain.quadratic import Quadratic, rotation

pytestmark = pytest.mark.ch3


def test_toy_regression_of_the_slides():
    q = Quadratic.toy_regression()
    np.testing.assert_array_equal(q.A, [[8, 4], [4, 4]])
    np.testing.assert_array_equal(q.b, [4, 4])
    np.testing.assert_allclose(q.minimizer(), [0.0, 1.0], atol=1e-15)
    assert q.loss(q.minimizer()) == pytest.approx(0.0, abs=1e-14)
    X, y = np.array([[2.0, 2.0], [2.0, 0.0]]), np.array([2.0, 0.0])
    w = np.array([0.3, -0.7])
    assert q.loss(w) == pytest.approx(0.5 * np.sum((y - X @ w) ** 2), rel=1e-14)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_grad_and_hessian_match_finite_differences(D, seed):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((D, D))
    q = Quadratic(M + M.T, rng.standard_normal(D), 1.5)
    w = rng.standard_normal(D)
    g, g_fd = q.grad(w), C.gradient(q.loss, w)
    assert np.linalg.norm(g - g_fd) <= 1e-6 * max(np.linalg.norm(g), 1.0)
    np.testing.assert_allclose(q.hessian(w), C.hessian(q.loss, w), atol=1e-4)


def test_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    M = rng.standard_normal((4, 4))
    q = Quadratic(M @ M.T, rng.standard_normal(4), -0.5)
    w = rng.standard_normal(4)
    wt = torch.tensor(w, requires_grad=True)
    A, b = torch.tensor(q.A), torch.tensor(q.b)
    E = 0.5 * wt @ A @ wt - b @ wt - 0.5
    E.backward()
    assert q.loss(w) == pytest.approx(E.item(), rel=1e-12)
    np.testing.assert_allclose(q.grad(w), wt.grad.numpy(), rtol=1e-10)


def test_from_data_is_least_squares_with_second_moment_hessian():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 3)) + [1.0, 0.0, -2.0], rng.standard_normal(50)
    q = Quadratic.from_data(X, y)
    np.testing.assert_allclose(q.hessian(), X.T @ X / 50, rtol=1e-14)
    np.testing.assert_allclose(q.minimizer(), np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-10)
    w = rng.standard_normal(3)
    assert q.loss(w) == pytest.approx(np.mean((X @ w - y) ** 2) / 2, rel=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.01, 100), min_size=1, max_size=6), st.integers(0, 2**32 - 1))
def test_from_eigenvalues_has_those_eigenvalues_and_minimiser(lam, seed):
    rng = np.random.default_rng(seed)
    w_star = rng.standard_normal(len(lam))
    q = Quadratic.from_eigenvalues(lam, rng=rng, w_star=w_star)
    np.testing.assert_allclose(q.eigh()[0], np.sort(lam), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(q.minimizer(), w_star, rtol=1e-6, atol=1e-8)
    assert q.condition_number() == pytest.approx(max(lam) / min(lam), rel=1e-8)


def test_rotation_angle_turns_the_eigenvectors():
    q = Quadratic.from_eigenvalues([1.0, 9.0], Q=np.pi / 6)
    lam, V = q.eigh()
    np.testing.assert_allclose(np.abs(V[:, 0]), np.abs(rotation(np.pi / 6)[:, 0]), atol=1e-12)
    np.testing.assert_allclose(rotation(0.4) @ rotation(0.4).T, np.eye(2), atol=1e-15)


def test_planted_bug_transposed_gradient_on_nonsymmetric_data_is_caught():
    q = Quadratic([[2.0, 1.0], [1.0, 3.0]], [1.0, -1.0])
    w = np.array([0.4, -1.3])
    wrong = q.A @ w + q.b  # sign slip on b
    assert C.rel_error(wrong, C.gradient(q.loss, w)) > 1e-2
    assert C.rel_error(q.grad(w), C.gradient(q.loss, w)) < 1e-7


def test_bad_input_raises():
    with pytest.raises(ValueError, match="symmetric"):
        Quadratic([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="square"):
        Quadratic(np.ones((2, 3)))
    with pytest.raises(ValueError, match="singular"):
        Quadratic(np.diag([1.0, 0.0])).minimizer()
    with pytest.raises(ValueError, match="not positive semi-definite"):
        Quadratic(np.diag([1.0, -1.0])).condition_number()
    with pytest.raises(ValueError, match=r"\(2,\)"):
        Quadratic.toy_regression().loss(np.zeros(3))
    assert Quadratic(np.diag([1.0, 0.0])).condition_number() == float("inf")
