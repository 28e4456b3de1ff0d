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


# --- entries whose true value is 0: critical points -------------------------
def bowl(x):  # minimiser (1, -0.3), where the whole gradient is 0
    return (x[0] - 1) ** 2 + 3 * (x[1] + 0.3) ** 2


def bowl_grad(x):
    return np.array([2 * (x[0] - 1), 6 * (x[1] + 0.3)])


def g2(x):  # chapter 1's running example; df/dx1 = 0 on the line x2 = -2 x1
    return x[0] ** 2 + 3 * x[1] ** 2 + x[0] * x[1]


def g2_grad(x):
    return np.array([2 * x[0] + x[1], 6 * x[1] + x[0]])


def test_rel_error_judges_a_zero_entry_against_the_whole_gradient():
    x = np.array([0.3, -0.6])  # analytic gradient (0, -3.3)
    numeric = C.gradient(g2, x)
    assert g2_grad(x)[0] == 0.0 and numeric[0] != 0.0  # rounding noise
    assert C.rel_error(g2_grad(x), numeric) < 1e-8
    # the entry alone (scale=0, the old convention) says "no digit agrees"
    assert C.rel_error(g2_grad(x), numeric, scale=0.0) == 1.0


def test_rel_error_scale_only_ever_lowers_the_plain_measure():
    rng = np.random.default_rng(3)
    for _ in range(20):
        a = rng.standard_normal(6) * 10.0 ** rng.integers(-8, 3, 6)
        b = a + 1e-9 * rng.standard_normal(6)
        assert C.rel_error(a, b) <= C.rel_error(a, b, scale=0.0)
        # an entry of at least scale x the largest is judged as before
        big = np.abs(a) + np.abs(b) >= 1e-3 * (np.abs(a).max() + np.abs(b).max())
        expected = np.max((np.abs(a - b) / (np.abs(a) + np.abs(b)))[big])
        assert C.rel_error(a[big], b[big], scale=0.0) == expected


@pytest.mark.parametrize("x", [[1.0, -0.3], [1.0, 0.5], [0.2, -0.3]])
@pytest.mark.parametrize("offset", [0.0, 1.0, 1e3])
def test_check_grad_passes_at_and_near_a_critical_point(x, offset):
    res = C.check_grad(lambda v: bowl(v) + offset, bowl_grad, x)
    assert res, str(res)


def test_check_grad_passes_at_the_exact_minimiser_where_the_old_floor_failed():
    x = np.array([1.0, -0.3])
    numeric = C.gradient(bowl, x)
    assert np.all(bowl_grad(x) == 0.0) and 0 < np.abs(numeric).max() < 1e-15
    res = C.check_grad(bowl, bowl_grad, x)
    assert res and res.max_rel_error < 1e-6
    # a fixed floor of 1e-12 gives 1e-16 / 1e-12 = 1e-4 > 1e-6
    assert np.abs(numeric).max() / 1e-12 > 1e-6
    assert C.check_grad(g2, g2_grad, [0.3, -0.6])


def test_check_grad_at_a_minimiser_of_a_function_computed_by_cancellation():
    # the Aalto toy regression as 1/2 w^T A w - b^T w + c: at w* = (0, 1) the
    # terms are 2, -4 and 2, so f's rounding is ~eps * 4, not eps * |f| = 0,
    # and central differences give ~1e-11 instead of 0
    from nntrain.quadratic import Quadratic

    toy = Quadratic.toy_regression()
    w = toy.minimizer()
    assert np.abs(C.gradient(toy.loss, w)).max() > 1e-12
    assert C.check_grad(toy.loss, toy.grad, w)
    assert not C.check_grad(toy.loss, lambda v: toy.grad(v) + [1e-4, 0.0], w)


@pytest.mark.parametrize("x", [[1.0, -0.3], [1.0, 0.5]])
@pytest.mark.parametrize("wrong", [0.5, 1e-4])
def test_check_grad_flags_a_wrong_entry_where_the_truth_is_zero(x, wrong):
    # true df/dx0 = 0 at both points; the analytic gradient claims `wrong`
    # (0.5: comparable to the rest; 1e-4: small, but far above rounding)
    res = C.check_grad(bowl, lambda v: bowl_grad(v) + [wrong, 0.0], x)
    assert not res and res.worst_index == 0 and res.max_rel_error > 1e-3


def test_fd_noise_bounds_the_rounding_error_of_central_differences():
    # on a quadratic central differences have no truncation error, so all of
    # |numeric - exact| is rounding: fd_noise must bound it
    rng = np.random.default_rng(4)
    for trial in range(40):
        M = rng.standard_normal((3, 3))
        A = M @ M.T + 0.1 * np.eye(3)
        w_star = rng.standard_normal(3) * 10.0 ** rng.integers(-2, 3)
        c = [0.0, 1.0, 1e4][trial % 3]
        f = lambda v: 0.5 * (v - w_star) @ A @ (v - w_star) + c  # noqa: E731
        for x in [w_star, w_star + rng.standard_normal(3)]:
            err = np.abs(C.gradient(f, x) - A @ (x - w_star)).max()
            assert err <= C.fd_noise(f, x), (trial, err, C.fd_noise(f, x))


def test_fd_noise_closed_form_at_a_minimiser():
    # bowl at (1, -0.3): f(x +- h e_0) = h^2, f(x +- h e_1) = 3 h^2, f(x) = 0
    h = 1e-5
    expected = 10 * np.finfo(float).eps / h * max(h**2 + 1.0 * h**2 / h, 3 * h**2 + 0.3 * 3 * h**2 / h)
    assert C.fd_noise(bowl, [1.0, -0.3], h) == pytest.approx(expected, rel=1e-3, abs=0)


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
        (lambda: C.rel_error([1.0], [1.0], floor=0.0), "floor must be"),
        (lambda: C.rel_error([1.0], [1.0], scale=-1.0), "scale must be"),
        (lambda: C.check_grad(f_quartic, grad_quartic, [1.0, 2.0], tol=0.0), "tol must be"),
        (lambda: C.fd_noise(f_quartic, [[1.0, 2.0]]), "shape \\(D,\\)"),
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
