"""nntrain.synthetic: shapes, dtypes, reproducibility, and the known answers the data sets promise.

For the regression the promises are statistical, so the tolerances come from
n and the noise level sigma: the residual y - X w_true has sample standard
deviation sigma (1 +- 5 / sqrt(2 n)), and each least-squares weight lies within
5 standard errors sigma sqrt(((X^T X)^-1)_jj) of the true one. Planted bugs (a
generator that uses the variance where the standard deviation belongs, and one
that reports weights other than those it used) fail those checks.
"""
from __future__ import annotations

import numpy as np
import pytest

from nntrain.synthetic import linear_regression, spirals, two_moons

pytestmark = pytest.mark.ch5


def regression_problems(X, y, w_true, noise) -> list[str]:
    """What is wrong with (X, y, w_true) as noisy linear regression with noise std ``noise``."""
    n = len(y)
    problems = []
    resid_sd = np.std(y - X @ w_true, ddof=0)
    if abs(resid_sd - noise) > 5 * noise / np.sqrt(2 * n):
        problems.append(f"residual std {resid_sd:.4g}, expected {noise} +- {5 * noise / np.sqrt(2 * n):.2g}")
    w_hat = np.linalg.lstsq(X, y, rcond=None)[0]
    se = noise * np.sqrt(np.diag(np.linalg.inv(X.T @ X)))
    z = np.abs(w_hat - w_true) / se
    if np.any(z > 5):
        problems.append(f"least squares misses w_true by {z.max():.1f} standard errors")
    return problems


@pytest.mark.parametrize("n, d, noise", [(2000, 3, 0.1), (500, 10, 1.0), (5000, 1, 0.01)])
def test_linear_regression_noise_and_weights(n, d, noise):
    X, y, w = linear_regression(n, d, np.random.default_rng(n), noise=noise)
    assert X.shape == (n, d) and y.shape == (n,) and w.shape == (d,)
    assert X.dtype == y.dtype == w.dtype == np.float64
    assert regression_problems(X, y, w, noise) == []


def test_linear_regression_given_weights_and_reproducible():
    w = np.array([1.0, -2.0])
    X, y, w_true = linear_regression(50, 2, np.random.default_rng(0), noise=0.0, w=w)
    np.testing.assert_array_equal(w_true, w)
    assert not np.shares_memory(w_true, w)
    np.testing.assert_allclose(y, X @ w, rtol=1e-15)
    a = linear_regression(20, 3, np.random.default_rng(5))
    b = linear_regression(20, 3, np.random.default_rng(5))
    c = linear_regression(20, 3, np.random.default_rng(6))
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])


def test_planted_bugs_fail_the_regression_checks():
    rng = np.random.default_rng(0)
    X, y, w = linear_regression(2000, 3, rng, noise=0.5)
    variance_for_std = X @ w + 0.5 ** 2 * np.random.default_rng(1).standard_normal(2000)
    assert "residual std" in " ".join(regression_problems(X, variance_for_std, w, 0.5))
    wrong_weights = w[::-1].copy()
    assert "least squares misses" in " ".join(regression_problems(X, y, wrong_weights, 0.5))


@pytest.mark.parametrize("n", [2, 7, 200])
def test_two_moons_shapes_and_geometry(n):
    X, y = two_moons(n, np.random.default_rng(0), noise=0.0)
    assert X.shape == (n, 2) and y.shape == (n,) and X.dtype == np.float64 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [n // 2, n - n // 2]
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, rtol=1e-12)
    assert np.all(upper[:, 1] >= -1e-12) and np.all(lower[:, 1] <= 0.5 + 1e-12)


@pytest.mark.parametrize("n, K", [(3, 3), (10, 3), (301, 4), (50, 2)])
def test_spirals_shapes_and_geometry(n, K):
    X, y = spirals(n, np.random.default_rng(0), classes=K, noise=0.0)
    assert X.shape == (n, 2) and y.shape == (n,) and X.dtype == np.float64 and y.dtype == np.int64
    counts = np.bincount(y, minlength=K)
    assert counts.sum() == n and counts.max() - counts.min() <= 1 and set(y.tolist()) == set(range(K))
    for k in range(K):
        r = np.sort(np.hypot(*X[y == k].T))
        m = counts[k]
        np.testing.assert_allclose(r, np.linspace(0, 1, m), atol=1e-12)


@pytest.mark.parametrize("make", [lambda rng: two_moons(40, rng), lambda rng: spirals(40, rng)])
def test_2d_generators_are_reproducible_and_noisy(make):
    a, b, c = make(np.random.default_rng(3)), make(np.random.default_rng(3)), make(np.random.default_rng(4))
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])


def test_bad_arguments_raise():
    rng = np.random.default_rng(0)
    cases = [(lambda: linear_regression(0, 2, rng), "n must"), (lambda: linear_regression(10, 2.0, rng), "d must"),
             (lambda: linear_regression(10, 2, rng, noise=-1), "noise"),
             (lambda: linear_regression(10, 2, rng, w=np.ones(3)), r"shape \(2,\)"),
             (lambda: linear_regression(10, 2, 0), "Generator"), (lambda: two_moons(1, rng), "n must"),
             (lambda: two_moons(10, rng, noise=np.inf), "noise"), (lambda: spirals(2, rng, classes=3), "n"),
             (lambda: spirals(10, rng, classes=1), "classes"), (lambda: spirals(10, None), "Generator")]
    for call, match in cases:
        with pytest.raises(ValueError, match=match):
            call()
