"""nntrain.batch_noise: the variance law of minibatch gradients, and SGD on least squares.

The law is checked exactly (every subset of a tiny data set enumerated) and by
sampling, with bands derived from the number of batches drawn: a measured mean
of M squared errors lies within 4 standard errors (sample sd / sqrt(M)) of its
expectation except with probability about 6e-5 per check. A planted bug (the
with-replacement formula applied to batches without replacement) shows that the
sampled check can fail.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from nntrain import batch_noise as bn
from nntrain.data import minibatches
from nntrain.synthetic import linear_regression

pytestmark = pytest.mark.ch5


@pytest.fixture(scope="module")
def grads():
    X, y, _ = linear_regression(64, 3, np.random.default_rng(0), noise=0.5)
    return bn.per_example_grads(X, y, np.zeros(3))


def test_per_example_grads_average_to_the_full_gradient():
    X, y, _ = linear_regression(40, 4, np.random.default_rng(1))
    w = np.random.default_rng(2).standard_normal(4)
    h = 1e-6
    numeric = np.array([(bn.squared_loss(X, y, w + h * e) - bn.squared_loss(X, y, w - h * e)) / (2 * h)
                        for e in np.eye(4)])
    np.testing.assert_allclose(bn.per_example_grads(X, y, w).mean(axis=0), numeric, rtol=1e-6)


@pytest.mark.parametrize("N,b", [(5, 1), (5, 2), (6, 3), (6, 6)])
def test_finite_population_factor_exactly_by_enumeration(N, b):
    values = np.random.default_rng(N * 10 + b).standard_normal((N, 2))
    full = values.mean(axis=0)
    errs = [np.sum((values[list(s)].mean(axis=0) - full) ** 2) for s in itertools.combinations(range(N), b)]
    np.testing.assert_allclose(np.mean(errs), bn.theory_variance(values, b, replace=False), rtol=1e-12, atol=1e-15)
    # with replacement: every ordered b-tuple, equally likely
    errs_r = [np.sum((values[list(s)].mean(axis=0) - full) ** 2) for s in itertools.product(range(N), repeat=b)]
    np.testing.assert_allclose(np.mean(errs_r), bn.theory_variance(values, b, replace=True), rtol=1e-12)


def test_batches_without_replacement_have_distinct_indices():
    idx = bn.batch_indices(20, 7, 500, np.random.default_rng(3), replace=False)
    assert idx.shape == (500, 7)
    assert all(len(set(row)) == 7 for row in idx)
    counts = np.bincount(idx.ravel(), minlength=20)
    assert counts.min() > 0  # every index is reachable
    rep = bn.batch_indices(20, 7, 500, np.random.default_rng(3), replace=True)
    assert any(len(set(row)) < 7 for row in rep)


@pytest.mark.parametrize("bad", [0, -1, 21, 2.5])
def test_bad_batch_size_raises(bad):
    with pytest.raises(ValueError, match="b must be"):
        bn.batch_indices(20, bad, 10, np.random.default_rng(0), replace=False)


def test_bad_rng_raises():
    with pytest.raises(ValueError, match="Generator"):
        bn.batch_indices(20, 2, 10, 0, replace=False)


@pytest.mark.parametrize("replace", [True, False])
def test_measured_variance_within_band_of_the_law(grads, replace):
    bs = [1, 4, 16, 48, 63]
    m = bn.measure_variance(grads, bs, 3000, np.random.default_rng(4), replace=replace)
    assert np.all(np.abs(m["measured"] - m["theory"]) < 4 * m["se"])


def test_planted_bug_with_replacement_formula_for_batches_without_is_caught(grads):
    m = bn.measure_variance(grads, [48, 63], 3000, np.random.default_rng(5), replace=False)
    wrong = np.array([bn.theory_variance(grads, b, replace=True) for b in (48, 63)])
    assert np.all(np.abs(m["measured"] - wrong) > 4 * m["se"])


def test_fitted_slope_is_minus_one_within_its_derived_band(grads):
    bs = np.array([1, 2, 4, 8, 16, 32, 64])
    m = bn.measure_variance(grads, bs, 3000, np.random.default_rng(6), replace=True)
    slope, se = bn.loglog_slope(bs, m["measured"], m["se"])
    assert abs(slope + 1) < 4 * se
    assert se < 0.05  # the band is informative, not vacuous


def test_loglog_slope_of_an_exact_power_law():
    b = np.array([1.0, 2, 5, 10, 50])
    slope, _ = bn.loglog_slope(b, 3.0 * b ** -1.5, 0.01 * b ** -1.5)
    assert slope == pytest.approx(-1.5, rel=1e-12)


def test_minibatch_gradient_is_unbiased(grads):
    idx = bn.batch_indices(64, 8, 20000, np.random.default_rng(7), replace=False)
    est = grads[idx].mean(axis=1)
    z = (est.mean(axis=0) - grads.mean(axis=0)) / (est.std(axis=0, ddof=1) / np.sqrt(20000))
    assert np.all(np.abs(z) < 4)


def test_sgd_least_squares_matches_a_loop_over_minibatches():
    X, y, _ = linear_regression(50, 3, np.random.default_rng(8))
    lrs = [0.01, 0.05]
    got = bn.sgd_least_squares(X, y, lrs, 8, 3, np.random.default_rng(9))
    r = np.random.default_rng(9)
    W = np.zeros((3, 2))
    expected = [bn.squared_loss(X, y, W)]
    for _ in range(3):
        for Xb, yb in minibatches(X, y, 8, r):
            W = W - np.array(lrs) * (2.0 * Xb.T @ (Xb @ W - yb[:, None]) / len(yb))
            expected.append(bn.squared_loss(X, y, W))
    assert got.shape == (3 * 7 + 1, 2)
    np.testing.assert_allclose(got, np.array(expected), rtol=1e-12)


def test_sgd_least_squares_schedule_table_and_bad_input():
    X, y, _ = linear_regression(16, 2, np.random.default_rng(10))
    table = np.full((2 * 4, 1), 0.02)
    a = bn.sgd_least_squares(X, y, table, 4, 2, np.random.default_rng(0))
    b = bn.sgd_least_squares(X, y, 0.02, 4, 2, np.random.default_rng(0))
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="rows"):
        bn.sgd_least_squares(X, y, table[:-1], 4, 2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="sampling"):
        bn.sgd_least_squares(X, y, 0.02, 4, 2, np.random.default_rng(0), sampling="random")


def test_constant_step_noise_floor_grows_with_the_rate():
    X, y, _ = linear_regression(128, 3, np.random.default_rng(11), noise=0.5)
    L_min = bn.squared_loss(X, y, np.linalg.lstsq(X, y, rcond=None)[0])
    L = bn.sgd_least_squares(X, y, np.repeat([0.005, 0.02], 4), 1, 30, np.random.default_rng(12),
                             sampling="replace")
    floor = (L[-128 * 15:] - L_min).mean(axis=0).reshape(2, 4).mean(axis=1)
    assert 2.5 < floor[1] / floor[0] < 6  # 4x the rate: about 4x the floor
