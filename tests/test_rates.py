"""nntrain.rates: the closed-form laws of gradient descent on quadratics, checked against runs."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nntrain import rates
from nntrain.descent import gradient_descent
from nntrain.quadratic import Quadratic

pytestmark = pytest.mark.ch3


def random_quadratic(D, lam_min, kappa, seed, w_star=None):
    """SPD quadratic with eigenvalues lam_min ... kappa lam_min (ends included), random rotation."""
    rng = np.random.default_rng(seed)
    inner = lam_min * (1 + (kappa - 1) * rng.uniform(0.1, 0.9, size=max(D - 2, 0)))
    lam = np.concatenate([[lam_min, kappa * lam_min], inner])[:D]
    return Quadratic.from_eigenvalues(lam, rng=rng, w_star=w_star), lam


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 6), st.floats(0.01, 10), st.floats(1.0, 1e3), st.floats(0.01, 1.3), st.integers(0, 2**32 - 1))
def test_one_step_contraction_equals_worst_factor(D, lam_min, kappa, frac, seed):
    """The runner's one-step map on the error is I - eta A; its norm is max |1 - eta lambda_i|."""
    q, lam = random_quadratic(D, lam_min, kappa, seed, w_star=np.arange(D, dtype=float))
    eta = frac * 2 / lam.max()
    w_star = q.minimizer()
    M = np.column_stack([gradient_descent(q, eta, w_star + e, 1).w[1] - w_star for e in np.eye(D)])
    assert np.linalg.norm(M, 2) == pytest.approx(rates.contraction(eta, lam), rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(np.sort(np.abs(np.linalg.eigvalsh((M + M.T) / 2))), np.sort(rates.factors(eta, lam)),
                               rtol=1e-8, atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 6), st.floats(0.1, 10), st.floats(1.5, 50), st.integers(0, 2**32 - 1))
def test_measured_rate_at_eta_star_is_kappa_formula(D, lam_min, kappa, seed):
    """A long run at eta* contracts per step by exactly (kappa - 1) / (kappa + 1)."""
    q, lam = random_quadratic(D, lam_min, kappa, seed)  # w* = 0 keeps relative precision
    rho = rates.rate_star(kappa)
    steps = int(min(400, 150 / -np.log10(rho)))
    w0 = np.random.default_rng(seed + 1).standard_normal(D)
    traj = gradient_descent(q, rates.eta_star(lam), w0, steps)
    assert traj.rate(last=5) == pytest.approx(rho, rel=1e-9)
    assert rates.contraction(rates.eta_star(lam), lam) == pytest.approx(rho, rel=1e-12)


@pytest.mark.parametrize("kappa", [1.0, 4.0, 100.0])
def test_eta_star_beats_nearby_steps(kappa):
    lam = np.array([1.0, 2.0, kappa]) if kappa > 2 else np.array([1.0, kappa])
    best = rates.contraction(rates.eta_star(lam), lam)
    for s in (0.9, 0.99, 1.01, 1.1):
        assert rates.contraction(s * rates.eta_star(lam), lam) > best


def converges_below(bound_fn, q, lam, rel=0.01, steps=3000):
    """Runs GD just below bound_fn(lam) and just above; True if below converges and above diverges."""
    bound = bound_fn(lam)
    w0 = np.ones(q.dim)
    below = gradient_descent(q, (1 - rel) * bound, w0, steps)
    above = gradient_descent(q, (1 + rel) * bound, w0, steps)
    return below.dist[-1] < 1e-3 * below.dist[0] and above.diverged and not below.diverged


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 5), st.floats(0.1, 10), st.floats(2, 30), st.integers(0, 2**32 - 1))
def test_stability_bound_separates_convergence_from_divergence(D, lam_min, kappa, seed):
    q, lam = random_quadratic(D, lam_min, kappa, seed)
    assert converges_below(rates.stability_bound, q, lam)


def test_planted_bug_bound_from_lambda_min_is_caught():
    q, lam = random_quadratic(3, 1.0, 10.0, 0)
    assert not converges_below(lambda lam: 2.0 / lam.min(), q, lam)


@pytest.mark.parametrize("ratio, label", [
    (0.5, "monotone"), (1 - 1e-9, "monotone"), (1.0, "one step"), (1 + 1e-9, "oscillating, converging"),
    (1.5, "oscillating, converging"), (2 - 1e-9, "oscillating, converging"), (2.0, "bouncing forever"),
    (2 + 1e-9, "diverging"), (3.0, "diverging")])
def test_regime_labels_at_the_boundaries(ratio, label):
    assert rates.regime(ratio) == label


@pytest.mark.parametrize("ratio", [0.5, 1.0, 1.5, 2.0, 2.5])
def test_regime_labels_agree_with_1d_runs(ratio):
    lam = 4.0  # a power of two: eta = 2 eta_opt gives the factor -1 exactly
    q = Quadratic([[lam]], [lam * 3.0])  # w* = 3
    traj = gradient_descent(q, ratio * rates.eta_opt(lam), [1.0], 20)
    err = traj.w[:, 0] - 3.0
    label = rates.regime(ratio)
    if label == "monotone":
        assert np.all(np.diff(np.abs(err)) < 0) and np.all(err < 0)
    elif label == "one step":
        assert np.all(err[1:] == 0)
    elif label == "oscillating, converging":
        assert np.all(np.sign(err[1:]) != np.sign(err[:-1])) and abs(err[-1]) < 1e-3
    elif label == "bouncing forever":
        assert np.all(np.abs(err) == 2.0) and np.all(err[1:] == -err[:-1])
    else:
        assert abs(err[-1]) > 1e3 * abs(err[0])


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_invalid_steps_raise(bad):
    with pytest.raises(ValueError, match="ratio"):
        rates.regime(bad)
    with pytest.raises(ValueError, match="eta"):
        rates.factors(bad, [1.0])
    with pytest.raises(ValueError, match="eta"):
        gradient_descent(Quadratic([[1.0]]), bad, [1.0], 3)


def test_other_bad_inputs_raise():
    with pytest.raises(ValueError, match="positive"):
        rates.eta_star([-1.0, 2.0])
    with pytest.raises(ValueError, match=">= 1"):
        rates.rate_star(0.5)
    assert rates.steps_to_reduce(0.5, 1 / 1024) == pytest.approx(10)
    assert rates.steps_to_reduce(1.0) == float("inf")
