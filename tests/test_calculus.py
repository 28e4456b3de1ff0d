"""nntrain.calculus: numerical derivatives against closed forms, and checks that fail when they should."""
import numpy as np
import pytest

from nntrain import calculus as C

pytestmark = pytest.mark.ch1


def f_quartic(x):
    return np.sum(x**4) + x[0] * x[1] ** 2


def grad_quartic(x):
    g = 4 * x**3
    g[0] += x[1] ** 2
    g[1] += 2 * x[0] * x[1]
    return g


def test_derivative_of_sine_matches_cosine():
    for x in np.linspace(-3, 3, 13):
        assert C.derivative(np.sin, x) == pytest.approx(np.cos(x), rel=1e-9, abs=1e-10)


def test_gradient_against_closed_form():
    x = np.random.default_rng(0).standard_normal(5)
    assert C.rel_error(C.gradient(f_quartic, x), grad_quartic(x)) < 1e-8


def test_jacobian_of_linear_map_is_the_matrix():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((3, 4))
    J = C.jacobian(lambda v: A @ v, rng.standard_normal(4))
    assert J.shape == (3, 4)  # rows = outputs, columns = inputs
    np.testing.assert_allclose(J, A, rtol=1e-9, atol=1e-10)


def test_jacobian_of_elementwise_function_is_diagonal():
    x = np.array([-1.0, 0.3, 2.0])
    J = C.jacobian(np.tanh, x)
    np.testing.assert_allclose(J, np.diag(1 - np.tanh(x) ** 2), atol=1e-10)


def test_jacobian_of_polar_map():
    r, t = 2.0, 0.7
    J = C.jacobian(lambda v: np.array([v[0] * np.cos(v[1]), v[0] * np.sin(v[1])]), [r, t])
    expected = np.array([[np.cos(t), -r * np.sin(t)], [np.sin(t), r * np.cos(t)]])
    np.testing.assert_allclose(J, expected, rtol=1e-9)


def test_hessian_of_quadratic_is_A():
    rng = np.random.default_rng(2)
    M = rng.standard_normal((4, 4))
    A, b = M @ M.T + np.eye(4), rng.standard_normal(4)
    H = C.hessian(lambda w: 0.5 * w @ A @ w - b @ w, rng.standard_normal(4))
    np.testing.assert_allclose(H, A, rtol=1e-6, atol=1e-6)


def test_hessian_of_non_quadratic():
    x = np.array([0.5, -1.2])
    f = lambda v: np.sin(v[0]) * np.exp(v[1])  # noqa: E731
    expected = np.array(
        [[-np.sin(x[0]) * np.exp(x[1]), np.cos(x[0]) * np.exp(x[1])],
         [np.cos(x[0]) * np.exp(x[1]), np.sin(x[0]) * np.exp(x[1])]]
    )
    np.testing.assert_allclose(C.hessian(f, x), expected, rtol=1e-6, atol=1e-7)


def test_central_difference_error_is_second_order():
    hs = np.logspace(-1, -3, 5)
    errors = [abs(C.derivative(np.exp, 1.0, h) - np.e) for h in hs]
    slope = np.polyfit(np.log(hs), np.log(errors), 1)[0]
    assert slope == pytest.approx(2.0, abs=0.05)


def test_directional_derivative_is_gradient_dot_unit_vector():
    x = np.array([0.3, -0.8, 1.1])
    u = np.array([1.0, 2.0, -2.0])
    expected = grad_quartic(x) @ (u / 3.0)
    assert C.directional_derivative(f_quartic, x, u) == pytest.approx(expected, rel=1e-8)


def test_check_grad_passes_a_correct_gradient():
    res = C.check_grad(f_quartic, grad_quartic, np.array([0.4, -1.3, 0.9]))
    assert res and res.max_rel_error < 1e-8
    assert "OK" in str(res)


def test_check_grad_flags_a_planted_wrong_gradient_and_names_the_component():
    def wrong(x):
        g = grad_quartic(x)
        g[1] -= 2 * x[0] * x[1]  # planted bug: forgot the cross term in component 1
        return g

    res = C.check_grad(f_quartic, wrong, np.array([0.4, -1.3, 0.9]))
    assert not res
    assert res.worst_index == 1
    assert "MISMATCH" in str(res) and "component 1" in str(res)


def test_rel_error_basics():
    assert C.rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert C.rel_error([1.0], [-1.0]) == 1.0
    assert C.rel_error([0.0], [0.0]) == 0.0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: C.gradient(f_quartic, np.ones((2, 2))), "shape \\(D,\\)"),
        (lambda: C.gradient(f_quartic, [1.0, np.nan]), "finite"),
        (lambda: C.jacobian(np.tanh, []), "at least one entry"),
        (lambda: C.derivative(np.sin, [1.0, 2.0]), "scalar"),
        (lambda: C.derivative(np.sin, 1.0, h=0.0), "positive"),
        (lambda: C.gradient(lambda v: v, [1.0, 2.0]), "must return a scalar"),
        (lambda: C.directional_derivative(f_quartic, [1.0, 2.0], [0.0, 0.0]), "non-zero"),
        (lambda: C.directional_derivative(f_quartic, [1.0, 2.0], [1.0, 0.0, 0.0]), "shape of x"),
        (lambda: C.check_grad(f_quartic, lambda v: v[:1], [1.0, 2.0]), "shape of x"),
        (lambda: C.rel_error([1.0, 2.0], [1.0]), "same shape"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    "H, kind",
    [(np.diag([2.0, 1.0]), "minimum"), (np.diag([-2.0, -1.0]), "maximum"), (np.diag([2.0, -1.0]), "saddle"),
     (np.diag([2.0, 0.0]), "degenerate"), ([[0.0, 1.0], [1.0, 0.0]], "saddle")],
)
def test_classify_critical_point(H, kind):
    assert C.classify_critical_point(H) == kind


def test_classify_uses_eigenvalues_not_the_diagonal():
    # positive diagonal, but eigenvalues 3 and -1: a planted trap for a "check the diagonal" shortcut
    assert C.classify_critical_point([[1.0, 2.0], [2.0, 1.0]]) == "saddle"
    with pytest.raises(ValueError, match="square"):
        C.classify_critical_point(np.ones((2, 3)))
