"""nntrain.losses: values and gradients against central differences and torch; stability; bad labels."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nntrain.calculus import gradient, rel_error
from nntrain.losses import log_softmax, logsumexp, mse_loss, softmax, softmax_cross_entropy

pytestmark = pytest.mark.ch2


def numeric_grad(f, x):
    x = np.asarray(x, dtype=np.float64)
    return gradient(lambda v: f(v.reshape(x.shape)), x.ravel()).reshape(x.shape)


def assert_matches_torch(ours, torch_loss, x, target, atol=0.0):
    """``ours(x, target) -> (loss, dx)`` against a ``torch.nn.functional`` loss, float64, rtol 1e-10."""
    torch = pytest.importorskip("torch")
    loss, dx = ours(x, target)
    xt = torch.tensor(x, requires_grad=True)
    lt = torch_loss(xt, torch.from_numpy(np.asarray(target)))
    lt.backward()
    np.testing.assert_allclose(loss, lt.item(), rtol=1e-10)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=atol)


def naive_cross_entropy(logits, y):
    """Planted bug for the stability check: exp without subtracting the maximum."""
    with np.errstate(all="ignore"):
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return float(-np.mean(np.log(p[np.arange(len(y)), y])))


@pytest.mark.parametrize("reduction", ["mean", "sum_over_outputs"])
def test_mse_gradient_matches_central_differences(reduction):
    rng = np.random.default_rng(0)
    pred, target = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    _, dpred = mse_loss(pred, target, reduction)
    assert rel_error(dpred, numeric_grad(lambda p: mse_loss(p, target, reduction)[0], pred)) < 1e-6


def test_mse_conventions_differ_by_the_number_of_outputs():
    rng = np.random.default_rng(1)
    pred, target = rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
    mean, _ = mse_loss(pred, target)
    per_example, _ = mse_loss(pred, target, "sum_over_outputs")
    np.testing.assert_allclose(per_example, 4 * mean, rtol=1e-14)
    np.testing.assert_allclose(per_example, np.mean(np.sum((target - pred) ** 2, axis=1)), rtol=1e-14)


def test_mse_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    pred, target = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    assert_matches_torch(mse_loss, torch.nn.functional.mse_loss, pred, target)


@pytest.mark.parametrize("one_hot", [False, True])
def test_cross_entropy_gradient_matches_central_differences(one_hot):
    rng = np.random.default_rng(3)
    logits = 2 * rng.standard_normal((6, 4))
    y = rng.integers(0, 4, size=6)
    targets = np.eye(4)[y] if one_hot else y
    loss, dlogits = softmax_cross_entropy(logits, targets)
    assert rel_error(dlogits, numeric_grad(lambda h: softmax_cross_entropy(h, targets)[0], logits)) < 1e-6
    # the famous simple form: (softmax(h) - y) / N
    np.testing.assert_allclose(dlogits, (softmax(logits) - np.eye(4)[y]) / 6, rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_cross_entropy_matches_torch(scale):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    logits = scale * rng.standard_normal((6, 5))
    y = rng.integers(0, 5, size=6)
    for targets in (y, np.eye(5)[y]):  # integer labels, then one-hot rows
        assert_matches_torch(softmax_cross_entropy, torch.nn.functional.cross_entropy, logits, targets, atol=1e-15)


def test_soft_targets_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((4, 3))
    P = softmax(rng.standard_normal((4, 3)))
    assert_matches_torch(softmax_cross_entropy, torch.nn.functional.cross_entropy, logits, P)


def test_huge_logits_stay_finite_and_the_naive_formula_does_not():
    logits = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4], [-1e4, -1e4, -1e4]])
    y = np.array([0, 0, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dlogits = softmax_cross_entropy(logits, y)
    # example 0: correct and certain (loss 0); example 1: wrong by 1e4 with a tie (loss 1e4 + log 2);
    # example 2: all equal (loss log 3)
    np.testing.assert_allclose(loss, (0 + 1e4 + np.log(2) + np.log(3)) / 3, rtol=1e-14)
    assert np.all(np.isfinite(dlogits))
    np.testing.assert_allclose(dlogits[1], np.array([-1, 0.5, 0.5]) / 3, rtol=1e-12)
    # planted bug: the same check on the naive formula fails (nan from inf / inf)
    assert not np.isfinite(naive_cross_entropy(logits, y))


def test_logsumexp_and_log_softmax():
    x = np.array([[1000.0, 1000.0], [-1000.0, 0.0]])
    np.testing.assert_allclose(logsumexp(x, axis=1), [1000 + np.log(2), np.log1p(np.exp(-1000.0))], rtol=1e-14)
    np.testing.assert_allclose(log_softmax(x)[0], [-np.log(2)] * 2, rtol=1e-14)
    assert logsumexp(x, axis=1, keepdims=True).shape == (2, 1)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 6), k=st.integers(2, 6), scale=st.floats(0.01, 1e3), seed=st.integers(0, 2**32 - 1))
def test_cross_entropy_properties(n, k, scale, seed):
    rng = np.random.default_rng(seed)
    logits = scale * rng.standard_normal((n, k))
    y = rng.integers(0, k, size=n)
    loss, dlogits = softmax_cross_entropy(logits, y)
    assert loss >= 0 and np.isfinite(loss)
    np.testing.assert_allclose(dlogits.sum(axis=1), 0.0, atol=1e-13)  # shifting logits changes nothing
    loss_shifted, _ = softmax_cross_entropy(logits + 7.0, y)
    np.testing.assert_allclose(loss_shifted, loss, rtol=1e-9, atol=1e-12)


def test_bad_labels_and_shapes_raise():
    logits = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"\[0, 4\).*\[4\]"):
        softmax_cross_entropy(logits, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"no wrap"):
        softmax_cross_entropy(logits, np.array([0, -1, 1]))
    with pytest.raises(ValueError, match="integers"):
        softmax_cross_entropy(logits, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        softmax_cross_entropy(logits, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(3, 5\)"):
        softmax_cross_entropy(logits, np.eye(5)[:3])
    with pytest.raises(ValueError, match="sum"):
        softmax_cross_entropy(logits, 2 * np.eye(4)[:3])
    with pytest.raises(ValueError, match=r"\(N, K\)"):
        softmax_cross_entropy(np.zeros(4), np.array([1]))
    with pytest.raises(ValueError, match=r"\(5, 3\).*\(5, 2\)"):
        mse_loss(np.zeros((5, 3)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match="finite"):
        softmax_cross_entropy(np.array([[np.inf, 0.0]]), np.array([0]))
