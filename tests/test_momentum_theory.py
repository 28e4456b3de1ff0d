"""nntrain.momentum_theory: the 2 x 2 iterations of momentum and Nesterov, checked against runs."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nntrain import momentum_theory as mt, optim, rates
from nntrain.descent import run_optimizer
from nntrain.quadratic import Quadratic

pytestmark = pytest.mark.ch4

BETAS = [0.0, 0.3, 0.81, 0.95]


def run(eigenvalues, eta, beta, steps, nesterov=False, w0=None):
    """Torch-style SGD with momentum on the diagonal quadratic diag(eigenvalues); iterates (steps + 1, D)."""
    q = Quadratic(np.diag(np.asarray(eigenvalues, dtype=float)))
    w0 = np.ones(q.dim) if w0 is None else w0
    return run_optimizer(q, lambda p: optim.SGD(p, lr=eta, momentum=beta, nesterov=nesterov), w0, steps)


def measured_rate(e, t0, t1):
    """exp of the least-squares slope of log ||(e_t, e_{t-1})|| over t0 <= t <= t1 (e: errors (T + 1,)).

    The state norm, not |e_t|: |e_t| touches zero every half period when underdamped."""
    t = np.arange(t0, t1 + 1)
    return float(np.exp(np.polyfit(t, np.log(np.hypot(e[t], e[t - 1])), 1)[0]))


# -- heavy ball: the two forms are one iteration ------------------------------------------------

@pytest.mark.parametrize("beta", BETAS)
def test_heavy_ball_forms_and_matrix_give_the_same_iterates(beta):
    lam, eta, steps = np.array([0.05, 0.7, 1.9, 3.0]), 0.6, 60   # eta lambda < 2: stable for beta = 0 too
    torch_form = run(lam, eta, beta, steps).w
    q = Quadratic(np.diag(lam))
    velocity = run_optimizer(q, lambda p: optim.MomentumVelocity(p, lr=eta, momentum=beta), np.ones(4), steps).w
    np.testing.assert_allclose(velocity, torch_form, rtol=1e-12, atol=1e-12)
    for i, l in enumerate(lam):   # (w_t, w_{t-1}) = M^t (w_0, w_{-1}) with w_{-1} = w_0
        M, x = mt.heavy_ball_matrix(eta * l, beta), np.ones(2)
        for t in range(steps + 1):
            assert x[0] == pytest.approx(torch_form[t, i], rel=1e-10, abs=1e-12)
            x = M @ x


# -- Nesterov: torch's form is the look-ahead form in other variables ------------------------

def look_ahead_nesterov(q, eta, beta, w0, steps):
    """The notes' form: v <- beta v - eta grad E(w + beta v); w <- w + v (v_0 = 0).

    Returns w and v, each of shape (T + 1, D)."""
    w, v = [np.array(w0, dtype=float)], [np.zeros(len(w0))]
    for _ in range(steps):
        v.append(beta * v[-1] - eta * q.grad(w[-1] + beta * v[-1]))
        w.append(w[-1] + v[-1])
    return np.array(w), np.array(v)


@pytest.mark.parametrize("beta", [0.5, 0.9])
def test_torch_nesterov_iterates_are_the_look_ahead_points(beta):
    q = Quadratic.from_eigenvalues([0.2, 1.0, 2.5], rng=np.random.default_rng(0), w_star=[1.0, -2.0, 0.5])
    eta, steps, w0 = 0.3, 80, np.array([3.0, 1.0, -2.0])
    torch_w = run_optimizer(q, lambda p: optim.SGD(p, lr=eta, momentum=beta, nesterov=True), w0, steps).w
    w, v = look_ahead_nesterov(q, eta, beta, w0, steps)
    np.testing.assert_allclose(torch_w, w + beta * v, rtol=0, atol=1e-12)
    assert np.abs(torch_w - w).max() > 1e-3       # the variables differ; the iteration does not


@pytest.mark.parametrize("beta", [0.3, 0.9])
def test_nesterov_matrix_maps_consecutive_iterates(beta):
    lam, eta = np.array([0.05, 0.6, 1.3]), 1.0
    W = run(lam, eta, beta, 40, nesterov=True).w
    for i, l in enumerate(lam):   # from t = 1 on (torch's first step has no previous one)
        M = mt.nesterov_matrix(eta * l, beta)
        pred = np.array([M @ [W[t, i], W[t - 1, i]] for t in range(1, 40)])
        np.testing.assert_allclose(pred[:, 0], W[2:, i], rtol=1e-10, atol=1e-14)


# -- eigenvalues, rates and regimes --------------------------------------------------------------

@pytest.mark.parametrize("nesterov", [False, True])
def test_closed_form_eigenvalues_match_numpy(nesterov):
    matrix = mt.nesterov_matrix if nesterov else mt.heavy_ball_matrix
    eig = mt.nesterov_eigenvalues if nesterov else mt.heavy_ball_eigenvalues
    rate = mt.nesterov_rate if nesterov else mt.heavy_ball_rate
    for el in np.linspace(-0.5, 5, 23):
        for b in np.linspace(0, 0.99, 12):
            ref = np.linalg.eigvals(matrix(el, b))
            got = eig(el, b)
            assert sorted(abs(got - ref[0]))[0] < 1e-7 and sorted(abs(got - ref[1]))[0] < 1e-7
            assert rate(el, b) == pytest.approx(np.abs(ref).max(), abs=1e-7)
            assert rate(el, b) == np.abs(got).max()


@settings(max_examples=50, deadline=None)
@given(st.floats(0.0, 0.999), st.floats(0.0, 1.0))
def test_rate_is_sqrt_beta_in_the_whole_underdamped_band(beta, u):
    """|z| = sqrt(beta) for both roots; to rounding inside, to sqrt(rounding) ~ 1e-8 on the critical edges."""
    lo, hi = (1 - np.sqrt(beta)) ** 2, (1 + np.sqrt(beta)) ** 2
    el = lo + u * (hi - lo)
    tol = 1e-14 if 1e-3 <= u <= 1 - 1e-3 else 1e-7
    np.testing.assert_allclose(np.abs(mt.heavy_ball_eigenvalues(el, beta)), np.sqrt(beta), rtol=0, atol=tol)
    assert mt.heavy_ball_rate(el, beta) == pytest.approx(np.sqrt(beta), abs=tol)
    for outside in (lo * 0.9, hi * 1.05):   # outside the band, a real root beats sqrt(beta)
        assert mt.heavy_ball_rate(outside, beta) > np.sqrt(beta) + 1e-9 or beta == 0


@pytest.mark.parametrize("el, beta, label", [
    (0.005, 0.81, "overdamped"), ((1 - 0.9) ** 2, 0.81, "critically damped"), (0.0101, 0.81, "underdamped"),
    (1.0, 0.81, "underdamped"), ((1 + 0.9) ** 2, 0.81, "critically damped"), (3.615, 0.81, "overdamped"),
    (3.62, 0.81, "unstable"), (3.63, 0.81, "unstable"), (0.0, 0.81, "unstable"), (-1.0, 0.5, "unstable"),
    (1.0, 0.0, "critically damped"), (0.5, 0.0, "overdamped"), (1.5, 0.0, "overdamped")])
def test_heavy_ball_regime_labels(el, beta, label):
    assert mt.heavy_ball_regime(el, beta) == label


@pytest.mark.parametrize("el, beta, label", [
    (0.005, 0.81, "overdamped"), (((1 - 0.81) / 1.81) ** 2, 0.81, "critically damped"),
    (0.5, 0.81, "underdamped"), (1.0, 0.81, "critically damped"), (1.2, 0.81, "overdamped"),
    (1.4, 0.81, "unstable"), (2.0, 0.0, "unstable")])
def test_nesterov_regime_labels(el, beta, label):
    assert mt.nesterov_regime(el, beta) == label


# -- the best (eta, beta) for a spectrum [lambda_min, lambda_max] ---------------------------------

def worst_rate(eta, beta, lam):
    return max(mt.heavy_ball_rate(eta * l, beta) for l in lam)


@pytest.mark.parametrize("lam_min, lam_max", [(1.0, 10.0), (0.5, 50.0), (2.0, 2000.0)])
def test_optimal_heavy_ball_equalises_the_extremes_at_sqrt_beta(lam_min, lam_max):
    eta, beta = mt.optimal_heavy_ball(lam_min, lam_max)
    rho = mt.optimal_rate(lam_max / lam_min)
    assert np.sqrt(beta) == pytest.approx(rho, rel=1e-13)
    assert rho == pytest.approx(rates.rate_star(np.sqrt(lam_max / lam_min)), rel=1e-13)  # GD's law at sqrt(kappa)
    for l in (lam_min, lam_max):
        assert mt.heavy_ball_rate(eta * l, beta) == pytest.approx(rho, rel=1e-6)
        assert mt.heavy_ball_regime(eta * l, beta) == "critically damped"
    inner = np.linspace(lam_min, lam_max, 50)[1:-1]
    np.testing.assert_allclose(mt.heavy_ball_rate(eta * inner, beta), rho, rtol=1e-12)


def test_sqrt_kappa_over_two_steps_per_factor_e():
    """The module docstring's comparison, at kappa = 10^4: about 50 steps per factor e against 5000."""
    assert rates.steps_to_reduce(mt.optimal_rate(1e4), np.exp(-1)) == pytest.approx(50, rel=1e-3)
    assert rates.steps_to_reduce(rates.rate_star(1e4), np.exp(-1)) == pytest.approx(5000, rel=1e-3)


@pytest.mark.parametrize("kappa", [10.0, 100.0])
def test_every_nearby_setting_is_worse(kappa):
    lam = (1.0, kappa)
    eta, beta = mt.optimal_heavy_ball(*lam)
    best = worst_rate(eta, beta, lam)
    for de in (-0.05, -0.01, -1e-3, 0.0, 1e-3, 0.01, 0.05):
        for db in (-0.05, -0.01, -1e-3, 0.0, 1e-3, 0.01, 0.05):
            if de or db:
                assert worst_rate(eta * (1 + de), beta + db * (1 - beta), lam) > best + 1e-6


def test_no_setting_on_a_wide_grid_beats_the_optimum():
    lam, kappa = (1.0, 30.0), 30.0
    best = mt.optimal_rate(kappa)
    E, B = np.meshgrid(np.linspace(1e-3, 4.0 / lam[1], 300), np.linspace(0, 0.99, 200))
    worst = np.maximum(mt.heavy_ball_rate(E * lam[0], B), mt.heavy_ball_rate(E * lam[1], B))
    assert worst.min() >= best - 1e-12
    assert best < rates.rate_star(kappa)


def test_planted_bug_beta_without_the_square_is_caught():
    eta, _ = mt.optimal_heavy_ball(1.0, 100.0)
    wrong_beta = mt.optimal_rate(100.0)        # forgot to square
    assert worst_rate(eta, wrong_beta, (1.0, 100.0)) > mt.optimal_rate(100.0) + 0.05


# -- rates against runs of torch-style SGD -------------------------------------------------------

HEAVY = [0.004, (1 - 0.9) ** 2, 1.0, 3.0, 3.615]                  # beta = 0.81, eta = 1
NESTEROV = [0.005, ((1 - 0.81) / 1.81) ** 2, 0.1, 0.5, 1.2, 1.38]


@pytest.mark.parametrize("nesterov, eigenvalues", [(False, HEAVY), (True, NESTEROV)])
def test_measured_contraction_matches_predicted_rate_in_every_regime(nesterov, eigenvalues):
    beta, steps = 0.81, 3000
    rate = mt.nesterov_rate if nesterov else mt.heavy_ball_rate
    regime = mt.nesterov_regime if nesterov else mt.heavy_ball_regime
    W = run(eigenvalues, 1.0, beta, steps, nesterov).w
    seen = set()
    for i, el in enumerate(eigenvalues):
        pred = rate(el, beta)
        t1 = int(min(steps, 200 * np.log(10) / -np.log(pred)))     # stop before 1e-200
        got = measured_rate(W[:, i], t1 // 3, t1)
        # critical damping decays like t rate^t: the slope is biased up by about rate / t
        assert got == pytest.approx(pred, abs=1e-3), (el, regime(el, beta))
        seen.add(regime(el, beta))
    assert seen == {"overdamped", "critically damped", "underdamped"}


@pytest.mark.parametrize("nesterov, el", [(False, 3.63), (True, 1.39)])
def test_measured_growth_matches_predicted_rate_when_unstable(nesterov, el):
    beta = 0.81
    pred = (mt.nesterov_rate if nesterov else mt.heavy_ball_rate)(el, beta)
    W = run([el], 1.0, beta, 150, nesterov).w
    assert pred > 1 and measured_rate(W[:, 0], 50, 150) == pytest.approx(pred, abs=1e-3)


def converges_just_inside(bound, nesterov, beta, rel=0.01, steps=4000):
    """True if SGD converges at eta lambda = (1 - rel) bound and diverges at (1 + rel) bound (lambda = 1)."""
    inside = run([1.0], (1 - rel) * bound, beta, steps, nesterov)
    outside = run([1.0], (1 + rel) * bound, beta, steps, nesterov)
    return inside.dist[-1] < 1e-3 * inside.dist[0] and not inside.diverged and outside.diverged


@pytest.mark.parametrize("beta", BETAS + [0.99])
def test_stability_bounds_separate_convergence_from_divergence(beta):
    assert converges_just_inside(mt.heavy_ball_bound(beta), False, beta)
    if beta > 0:
        assert converges_just_inside(mt.nesterov_bound(beta), True, beta)


def test_bounds_at_beta_09_and_a_root_at_minus_one_on_them():
    assert mt.heavy_ball_bound(0.9) == pytest.approx(3.8) and mt.nesterov_bound(0.9) == pytest.approx(3.8 / 2.8)
    for beta in (0.5, 0.9):
        for bound, eig in ((mt.heavy_ball_bound, mt.heavy_ball_eigenvalues),
                           (mt.nesterov_bound, mt.nesterov_eigenvalues)):
            assert np.abs(eig(bound(beta), beta) + 1).min() < 1e-12


def test_planted_bug_heavy_ball_bound_for_nesterov_is_caught():
    assert not converges_just_inside(mt.heavy_ball_bound(0.9), True, 0.9)


@pytest.mark.parametrize("nesterov", [False, True])
def test_bounds_are_where_the_numerical_spectral_radius_crosses_one(nesterov):
    """Independent of the closed forms: bisect max |eig(M)| = 1 along eta lambda in [1, 5]."""
    matrix = mt.nesterov_matrix if nesterov else mt.heavy_ball_matrix
    bound = mt.nesterov_bound if nesterov else mt.heavy_ball_bound
    for beta in (0.1, 0.5, 0.9, 0.99):
        lo, hi = 0.5, 5.0
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if np.abs(np.linalg.eigvals(matrix(mid, beta))).max() < 1 else (lo, mid)
        assert lo == pytest.approx(bound(beta), rel=1e-9)


# -- the plane for the figure ---------------------------------------------------------------------

def test_rate_plane_and_boundaries_agree_with_the_pointwise_functions():
    el, beta = np.linspace(0, 4, 41), np.linspace(0, 0.98, 8)
    plane = mt.rate_plane(el, beta)
    assert plane["heavy ball"].shape == plane["nesterov"].shape == (8, 41)
    assert plane["heavy ball"][3, 7] == mt.heavy_ball_rate(el[7], beta[3])
    assert plane["nesterov"][5, 9] == mt.nesterov_rate(el[9], beta[5])
    curves = mt.boundaries(beta)
    np.testing.assert_allclose(mt.heavy_ball_rate(curves["heavy ball stable"], beta), 1, atol=1e-12)
    np.testing.assert_allclose(mt.nesterov_rate(curves["nesterov stable"], beta), 1, atol=1e-12)
    for name in ("heavy ball critical low", "heavy ball critical high"):
        np.testing.assert_allclose(mt.heavy_ball_rate(curves[name], beta), np.sqrt(beta), atol=1e-7)
        assert all(mt.heavy_ball_regime(e, b) == "critically damped" for e, b in zip(curves[name], beta) if b > 0)
    assert all(mt.nesterov_regime(e, b) == "critically damped" for e, b in zip(curves["nesterov critical"], beta))
    assert np.all(curves["nesterov stable"] <= curves["heavy ball stable"])


# -- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda: mt.heavy_ball_rate(1.0, 1.0), lambda: mt.heavy_ball_rate(1.0, -0.1),
    lambda: mt.nesterov_rate(np.nan, 0.5), lambda: mt.heavy_ball_rate(np.inf, 0.5),
    lambda: mt.heavy_ball_rate([1.0, 2.0], [0.5, np.nan]), lambda: mt.nesterov_bound(1.5),
    lambda: mt.heavy_ball_matrix([1.0, 2.0], 0.5), lambda: mt.heavy_ball_regime(np.ones(2), 0.5),
    lambda: mt.nesterov_regime(1.0, 1.0), lambda: mt.optimal_heavy_ball(0.0, 1.0),
    lambda: mt.optimal_heavy_ball(2.0, 1.0), lambda: mt.optimal_heavy_ball(1.0, np.inf),
    lambda: mt.optimal_rate(0.5), lambda: mt.rate_plane(np.ones((2, 2)), [0.5]),
    lambda: mt.boundaries([0.5, 1.0])])
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()
