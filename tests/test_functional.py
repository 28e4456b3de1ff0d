"""nntrain.functional: every forward/backward pair against central differences and torch autograd."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nntrain import functional as F
from nntrain.calculus import gradient, rel_error

pytestmark = pytest.mark.ch2

N, D, M = 4, 5, 3

ACTIVATIONS = {
    "sigmoid": (F.sigmoid_forward, F.sigmoid_backward, "sigmoid"),
    "tanh": (F.tanh_forward, F.tanh_backward, "tanh"),
    "relu": (F.relu_forward, F.relu_backward, "relu"),
    "leaky_relu": (F.leaky_relu_forward, F.leaky_relu_backward, "leaky_relu"),
    "identity": (F.identity_forward, F.identity_backward, "identity"),
    "softmax": (F.softmax_forward, F.softmax_backward, "softmax"),
}


def numeric_grad(f, x):
    """Central-difference gradient of a scalar function of an array of any shape (same shape out)."""
    x = np.asarray(x, dtype=np.float64)
    return gradient(lambda v: f(v.reshape(x.shape)), x.ravel()).reshape(x.shape)


def away_from_kinks(rng, shape):
    """Random inputs at least 0.05 from 0, so the ReLU kink is not inside a finite-difference step."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < 0.05, 0.05 * np.sign(x) + 0.05 * (x == 0), x)


def linear_errors(backward, rng, square=False):
    """Worst rel. error of a linear backward against central differences, for dx, dW and db."""
    m = D if square else M
    x, W, b = rng.standard_normal((N, D)), rng.standard_normal((m, D)), rng.standard_normal(m)
    G = rng.standard_normal((N, m))  # random upstream gradient, never all ones
    _, cache = F.linear_forward(x, W, b)
    dx, dW, db = backward(G, cache)
    loss = lambda x_, W_, b_: float(np.sum(F.linear_forward(x_, W_, b_)[0] * G))
    return max(
        rel_error(dx, numeric_grad(lambda v: loss(v, W, b), x)),
        rel_error(dW, numeric_grad(lambda v: loss(x, v, b), W)),
        rel_error(db, numeric_grad(lambda v: loss(x, W, v), b)),
    )


def test_linear_forward_matches_definition():
    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal((N, D)), rng.standard_normal((M, D)), rng.standard_normal(M)
    out, _ = F.linear_forward(x, W, b)
    assert out.shape == (N, M)
    np.testing.assert_allclose(out[2], W @ x[2] + b, rtol=1e-14)


@pytest.mark.parametrize("square", [False, True])
def test_linear_backward_matches_central_differences(square):
    assert linear_errors(F.linear_backward, np.random.default_rng(1), square) < 1e-6


def test_planted_bugs_in_linear_backward_are_caught():
    """The same check rejects a backward that forgets the bias sum or transposes W."""

    def no_bias_sum(dout, cache):
        dx, dW, _ = F.linear_backward(dout, cache)
        return dx, dW, dout[0]  # takes one example's gradient instead of summing over the batch

    def averaged_bias(dout, cache):
        dx, dW, _ = F.linear_backward(dout, cache)
        return dx, dW, dout.mean(axis=0)

    def transposed_W(dout, cache):
        x, W = cache
        _, dW, db = F.linear_backward(dout, cache)
        return dout @ W.T, dW, db  # only shape-compatible for square W, which is why it can hide

    rng = np.random.default_rng(2)
    assert linear_errors(no_bias_sum, rng) > 1e-2
    assert linear_errors(averaged_bias, rng) > 1e-2
    assert linear_errors(transposed_W, rng, square=True) > 1e-2


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_backward_matches_central_differences(name):
    fwd, bwd, _ = ACTIVATIONS[name]
    rng = np.random.default_rng(3)
    x = away_from_kinks(rng, (N, M))
    G = rng.standard_normal((N, M))
    out, cache = fwd(x)
    assert out.shape == x.shape
    dx = bwd(G, cache)
    assert rel_error(dx, numeric_grad(lambda v: float(np.sum(fwd(v)[0] * G)), x)) < 1e-6


def _torch_activation(torch, name, xt):
    if name == "identity":
        return xt * 1.0
    if name == "softmax":
        return torch.softmax(xt, dim=1)
    return getattr(torch.nn.functional, name)(xt)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_matches_torch(name):
    torch = pytest.importorskip("torch")
    fwd, bwd, _ = ACTIVATIONS[name]
    rng = np.random.default_rng(4)
    x = 3 * rng.standard_normal((N, M))
    G = rng.standard_normal((N, M))
    out, cache = fwd(x)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    yt = _torch_activation(torch, name, xt)
    (yt * torch.tensor(G)).sum().backward()
    np.testing.assert_allclose(out, yt.detach().numpy(), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(bwd(G, cache), xt.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_linear_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x, W, b = rng.standard_normal((N, D)), rng.standard_normal((M, D)), rng.standard_normal(M)
    G = rng.standard_normal((N, M))
    out, cache = F.linear_forward(x, W, b)
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, W, b)]
    yt = torch.nn.functional.linear(*ts)
    (yt * torch.tensor(G)).sum().backward()
    np.testing.assert_allclose(out, yt.detach().numpy(), rtol=1e-10)
    for mine, t in zip(F.linear_backward(G, cache), ts):
        np.testing.assert_allclose(mine, t.grad.numpy(), rtol=1e-10, atol=1e-14)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 6), d=st.integers(1, 6), m=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_linear_backward_property_torch(n, d, m, seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    x, W, b = rng.standard_normal((n, d)), rng.standard_normal((m, d)), rng.standard_normal(m)
    G = rng.standard_normal((n, m))
    _, cache = F.linear_forward(x, W, b)
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, W, b)]
    (torch.nn.functional.linear(*ts) * torch.tensor(G)).sum().backward()
    for mine, t in zip(F.linear_backward(G, cache), ts):
        np.testing.assert_allclose(mine, t.grad.numpy(), rtol=1e-10, atol=1e-13)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(0.1, 50.0))
def test_softmax_rows_sum_to_one_and_backward_is_orthogonal_to_ones(seed, scale):
    rng = np.random.default_rng(seed)
    s, cache = F.softmax_forward(scale * rng.standard_normal((3, 7)))
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-12)
    dx = F.softmax_backward(rng.standard_normal((3, 7)), cache)
    # the softmax Jacobian annihilates the all-ones direction: adding a constant to logits changes nothing
    np.testing.assert_allclose(dx.sum(axis=1), 0.0, atol=1e-12)


def test_sigmoid_saturates_without_warnings():
    x = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, cache = F.sigmoid_forward(x)
        dx = F.sigmoid_backward(np.array([0.3, -1.2, 0.7, 2.0, -0.5]), cache)
    np.testing.assert_array_equal(out[[0, 2, 4]], [0.0, 0.5, 1.0])
    assert np.all(np.isfinite(dx)) and dx[0] == 0.0 and dx[-1] == 0.0
    np.testing.assert_allclose(out[1], np.exp(-40.0) / (1 + np.exp(-40.0)), rtol=1e-15)


def test_softmax_of_huge_logits_is_finite():
    s, _ = F.softmax_forward(np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 0.0]]))
    np.testing.assert_allclose(s, [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]], atol=1e-300)


def test_relu_kink_uses_torch_convention():
    _, cache = F.relu_forward(np.zeros((1, 2)))
    np.testing.assert_array_equal(F.relu_backward(np.array([[2.0, -3.0]]), cache), [[0.0, 0.0]])


def test_bad_shapes_raise_with_expected_and_received():
    x, W, b = np.zeros((2, 3)), np.zeros((4, 3)), np.zeros(4)
    with pytest.raises(ValueError, match=r"\(N, 3\).*\(2, 5\)"):
        F.linear_forward(np.zeros((2, 5)), W, b)
    with pytest.raises(ValueError, match=r"\(4,\).*\(3,\)"):
        F.linear_forward(x, W, np.zeros(3))
    _, cache = F.linear_forward(x, W, b)
    with pytest.raises(ValueError, match=r"\(2, 4\).*\(2, 3\)"):
        F.linear_backward(np.zeros((2, 3)), cache)
    _, cache = F.tanh_forward(x)
    with pytest.raises(ValueError, match="shape"):
        F.tanh_backward(np.zeros((3, 2)), cache)
    with pytest.raises(ValueError, match="finite"):
        F.relu_forward(np.array([np.nan]))
