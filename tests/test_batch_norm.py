"""nntrain.batch_norm against torch.nn.BatchNorm1d (float64), central differences, planted bugs.

Tolerances: rtol 1e-10 against torch, relative error 1e-6 against central differences
(nntrain.calculus). Upstream gradients are random: an all-ones one makes dx exactly zero.
"""
import numpy as np
import pytest

from nntrain.batch_norm import (BatchNorm1d, batchnorm_backward, batchnorm_backward_steps,
                                batchnorm_forward, batchnorm_jacobian, mit_appendix_backward,
                                mit_appendix_forward)
from nntrain.calculus import gradient, jacobian, rel_error
from nntrain.core import Parameter

pytestmark = pytest.mark.ch7

TORCH_TOL, FD_TOL = 1e-10, 1e-6


def numeric_grad(f, x, h=1e-5):
    x = np.asarray(x, dtype=np.float64)
    return gradient(lambda v: f(v.reshape(x.shape)), x.ravel(), h=h).reshape(x.shape)


def torch_rel(a, b):
    """rel_error with a floor, so entries near zero compare at ~1e-18 absolute."""
    return rel_error(a, b, floor=1e-8)


def batch(rng, N=8, D=5):
    """Features on different scales and offsets, as a hidden layer's would be."""
    return rng.standard_normal((N, D)) * rng.uniform(0.1, 3.0, D) + rng.uniform(-2, 2, D)


# ------------------------------------------------------------ check functions (one per family)
def torch_grad_error(backward, x, gamma, beta, G, eps=1e-5):
    """Worst rel. error of backward(G, cache) = (dx, dgamma, dbeta) against torch autograd."""
    torch = pytest.importorskip("torch")
    xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    out_t = torch.nn.functional.batch_norm(xt, None, None, gt, bt, True, 0.1, eps)
    (out_t * torch.from_numpy(G)).sum().backward()
    out, cache = batchnorm_forward(x, gamma, beta, eps)
    grads = backward(G, cache)
    pairs = [(out, out_t.detach().numpy())] + list(zip(grads, (xt.grad, gt.grad, bt.grad)))
    return max(torch_rel(a, np.asarray(b)) for a, b in pairs)


def central_difference_error(backward, x, gamma, beta, G, eps=1e-5):
    """Worst rel. error of backward against central differences of L = sum(out * G)."""
    def L(x_, g_, b_):
        return float(np.sum(batchnorm_forward(x_, g_, b_, eps)[0] * G))
    dx, dgamma, dbeta = backward(G, batchnorm_forward(x, gamma, beta, eps)[1])
    return max(rel_error(dx, numeric_grad(lambda v: L(v, gamma, beta), x)),
               rel_error(dgamma, numeric_grad(lambda v: L(x, v, beta), gamma)),
               rel_error(dbeta, numeric_grad(lambda v: L(x, gamma, v), beta)))


def torch_layer_errors(layer, rng, steps=5, eval_steps=2):
    """Run ``layer`` and torch.nn.BatchNorm1d (same settings and weights) over ``steps``
    training batches of different sizes, then ``eval_steps`` in eval mode; return the worst
    rel. error of each compared quantity."""
    torch = pytest.importorskip("torch")
    t = torch.nn.BatchNorm1d(layer.num_features, eps=layer.eps, momentum=layer.momentum,
                             affine=layer.affine,
                             track_running_stats=layer.track_running_stats).double()
    if layer.affine:
        with torch.no_grad():
            t.weight.copy_(torch.from_numpy(layer.weight.data))
            t.bias.copy_(torch.from_numpy(layer.bias.data))
    errs = {}

    def note(key, a, b):
        errs[key] = max(errs.get(key, 0.0), torch_rel(a, b.detach().numpy()))

    for step in range(steps + eval_steps):
        if step == steps:
            layer.eval()
            t.eval()
        x = batch(rng, N=[8, 5, 12, 3, 9, 6, 7][step % 7], D=layer.num_features)
        G = rng.standard_normal(x.shape)
        layer.zero_grad()
        t.zero_grad()
        xt = torch.tensor(x, requires_grad=True)
        out_t = t(xt)
        (out_t * torch.from_numpy(G)).sum().backward()
        note("out", layer(x), out_t)
        note("dx", layer.backward(G), xt.grad)
        if layer.affine:
            note("dweight", layer.weight.grad, t.weight.grad)
            note("dbias", layer.bias.grad, t.bias.grad)
        if layer.track_running_stats:
            note("running_mean", layer.running_mean, t.running_mean)
            note("running_var", layer.running_var, t.running_var)
            assert layer.num_batches_tracked == int(t.num_batches_tracked)
        else:
            assert layer.running_mean is None and t.running_mean is None
    return errs


# ------------------------------------------------------------ against torch
CONFIGS = [dict(), dict(momentum=None), dict(affine=False), dict(track_running_stats=False),
           dict(momentum=0.3, eps=1e-3), dict(momentum=None, affine=False)]


@pytest.mark.parametrize("kwargs", CONFIGS, ids=lambda k: ",".join(f"{a}={v}" for a, v in
                                                                     k.items()) or "default")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_layer_matches_torch_over_training_and_eval_steps(kwargs, seed):
    rng = np.random.default_rng(seed)
    layer = BatchNorm1d(4, **kwargs)
    if layer.affine:  # random gamma, beta (copied into torch's layer)
        layer.weight.data[...] = rng.normal(1.0, 0.5, 4)
        layer.bias.data[...] = rng.standard_normal(4)
    errs = torch_layer_errors(layer, rng)
    assert max(errs.values()) < TORCH_TOL, errs


@pytest.mark.parametrize("seed", range(4))
def test_functional_backward_matches_torch_and_central_differences(seed):
    rng = np.random.default_rng(10 + seed)
    x = batch(rng, N=6, D=3)
    gamma, beta, G = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal((6, 3))
    assert torch_grad_error(batchnorm_backward, x, gamma, beta, G) < TORCH_TOL
    assert central_difference_error(batchnorm_backward, x, gamma, beta, G) < FD_TOL


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_layer_gradients_match_central_differences(mode):
    rng = np.random.default_rng(20)
    layer = BatchNorm1d(3, momentum=0.5)
    layer.weight.data[...], layer.bias.data[...] = rng.standard_normal(3), rng.standard_normal(3)
    layer(batch(rng, D=3))  # running statistics away from (0, 1)
    if mode == "eval":
        layer.eval()
    x, G = batch(rng, N=5, D=3), rng.standard_normal((5, 3))
    layer.zero_grad()
    layer(x)
    dx = layer.backward(G)

    def loss(v, p=None):
        if p is not None:
            saved, p.data = p.data, v
        try:
            return float(np.sum(layer(v if p is None else x) * G))
        finally:
            if p is not None:
                p.data = saved
    assert rel_error(dx, numeric_grad(loss, x)) < FD_TOL
    for p in layer.parameters():
        assert rel_error(p.grad, numeric_grad(lambda v, p=p: loss(v, p), p.data)) < FD_TOL


# ------------------------------------------------------------ what the layer does
def test_train_output_is_standardised_up_to_eps():
    """Per feature: mean 0, and variance var/(var + eps), not exactly 1, because eps sits in
    the root. A feature on scale 0.01 (var ~ 1e-4) shows it: var/(var + 1e-5) ~ 0.91."""
    rng = np.random.default_rng(30)
    x = rng.standard_normal((50, 3)) * np.array([0.01, 1.0, 5.0]) + 3.0
    out, _ = batchnorm_forward(x, np.ones(3), np.zeros(3), eps=1e-5)
    var = x.var(axis=0)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), var / (var + 1e-5), rtol=1e-12)
    assert out.var(axis=0)[0] < 0.95  # visibly below 1 for the small-scale feature


def test_eval_uses_running_stats_and_leaves_them_alone():
    rng = np.random.default_rng(31)
    layer = BatchNorm1d(3)
    for _ in range(3):
        layer(batch(rng, D=3))
    x = batch(rng, N=6, D=3)
    train_out = layer(x)
    mean, var, n = layer.running_mean.copy(), layer.running_var.copy(), layer.num_batches_tracked
    eval_out = layer.eval()(x)
    layer(batch(rng, D=3))
    np.testing.assert_array_equal(layer.running_mean, mean)
    np.testing.assert_array_equal(layer.running_var, var)
    assert layer.num_batches_tracked == n == 4
    assert not np.allclose(train_out, eval_out)
    np.testing.assert_allclose(eval_out, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-12)


def test_examples_in_a_batch_are_coupled():
    """d out[i, d] / d x[j, d] = -(1/N) (gamma/sigma) (1 + xhat_i xhat_j) for i != j,
    sigma = sqrt(var + eps); features do not mix."""
    rng = np.random.default_rng(32)
    N, D = 5, 3
    x, gamma = batch(rng, N, D), rng.standard_normal(D)
    _, cache = batchnorm_forward(x, gamma, np.zeros(D))
    J = jacobian(lambda v: batchnorm_forward(v.reshape(N, D), gamma, np.zeros(D))[0].ravel(),
                 x.ravel()).reshape(N, D, N, D)
    xhat, var = cache[1], cache[3]
    for d in range(D):
        block = J[:, d, :, d]
        formula = -(gamma[d] / np.sqrt(var[d] + 1e-5)) / N * (1 + np.outer(xhat[:, d],
                                                                           xhat[:, d]))
        off = ~np.eye(N, dtype=bool)
        assert np.all(np.abs(block[off]) > 1e-6)
        assert rel_error(block[off], formula[off]) < FD_TOL
        assert rel_error(block, batchnorm_jacobian(cache, d)) < FD_TOL
        for e in set(range(D)) - {d}:
            np.testing.assert_allclose(J[:, d, :, e], 0.0, atol=1e-9)


def test_step_by_step_derivation_equals_the_compact_formula():
    rng = np.random.default_rng(33)
    N, D = 7, 3
    x, gamma, G = batch(rng, N, D), rng.standard_normal(D), rng.standard_normal((N, D))
    _, cache = batchnorm_forward(x, gamma, np.zeros(D))
    dx, dgamma, dbeta = batchnorm_backward(G, cache)
    st = batchnorm_backward_steps(G, cache)
    xhat, mu, var = cache[1], cache[2], cache[3]
    s = 1 / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(st.dx, dx, rtol=1e-12, atol=1e-14)
    # each path is one term of the compact formula
    np.testing.assert_allclose(st.direct, s * gamma * G, rtol=1e-13)
    np.testing.assert_allclose(st.via_mu, np.broadcast_to(-s * gamma * dbeta / N, (N, D)),
                               rtol=1e-12)
    np.testing.assert_allclose(st.via_var, -s * gamma * xhat * dgamma / N, rtol=1e-12)
    np.testing.assert_allclose(st.dxhat, G * gamma, rtol=1e-15)

    # dvar and dmu are derivatives of L along the graph: var a free node; mu feeding var
    def L_var(v):
        return float(np.sum(G * (gamma * (x - mu) / np.sqrt(v + 1e-5))))

    def L_mu(m):
        return float(np.sum(G * (gamma * (x - m) / np.sqrt(((x - m) ** 2).mean(0) + 1e-5))))
    assert rel_error(st.dvar, numeric_grad(L_var, var)) < FD_TOL
    assert rel_error(st.dmu, numeric_grad(L_mu, mu)) < FD_TOL


# ------------------------------------------------------------ the MIT 6.036-style appendix
def test_mit_appendix_backward_is_exact_only_at_eps_zero():
    rng = np.random.default_rng(34)
    N, D = 8, 3
    x, gamma, G = batch(rng, N, D), rng.standard_normal(D), rng.standard_normal((N, D))
    beta = rng.standard_normal(D)
    # eps = 0: the appendix's formula is the exact gradient
    cache0 = batchnorm_forward(x, gamma, beta, eps=0.0)[1]
    for a, b in zip(mit_appendix_backward(G, cache0), batchnorm_backward(G, cache0)):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    # eps > 0: with r = sqrt(var + eps)/sigma, the appendix's dx = r (direct + via_mu) +
    # r^3 via_var, where torch's (the true gradient) is direct + via_mu + via_var
    for eps in (1e-5, 1e-2):
        cache = batchnorm_forward(x, gamma, beta, eps)[1]
        st = batchnorm_backward_steps(G, cache)
        r = np.sqrt(1 + eps / cache[3])
        dx_mit = mit_appendix_backward(G, cache)[0]
        np.testing.assert_allclose(dx_mit, r * (st.direct + st.via_mu) + r ** 3 * st.via_var,
                                   rtol=1e-10, atol=1e-14)
        assert rel_error(dx_mit, st.dx) > 0.1 * eps / cache[3].max()
    # at eps = 1e-5 and var ~ 1 the slip is ~1e-6 relative: it would fail the 1e-6 check
    x1 = rng.standard_normal((N, D))
    x1 = (x1 - x1.mean(0)) / x1.std(0)  # var exactly 1: r - 1 = 5e-6
    err = central_difference_error(mit_appendix_backward, x1, gamma, beta, G)
    assert 1e-6 < err < 1e-4


def test_mit_appendix_far_off_at_a_feature_with_tiny_variance():
    rng = np.random.default_rng(35)
    N = 8
    x = batch(rng, N, 2)
    x[:, 0] = 1.0 + 1e-5 * rng.standard_normal(N)  # var ~ 1e-10, far below eps = 1e-5
    gamma, beta, G = np.ones(2), np.zeros(2), rng.standard_normal((N, 2))
    cache = batchnorm_forward(x, gamma, beta)[1]
    dx_true = batchnorm_backward(G, cache)[0]
    dx_mit = mit_appendix_backward(G, cache)[0]
    ratio = np.abs(dx_mit[:, 0]).max() / np.abs(dx_true[:, 0]).max()
    r = np.sqrt(1 + 1e-5 / cache[3][0])  # ~ 300: how much 1/sigma exceeds 1/sqrt(var + eps)
    assert ratio > r / 10 > 10
    assert central_difference_error(mit_appendix_backward, x, gamma, beta, G) > 0.5
    # against its own forward (eps outside the root) it is off too, by ~eps/sigma ~ 1 here:
    # 1/sigma where the forward has 1/(sigma + eps). Steps h << sigma for this feature.
    h, col = 1e-10, lambda a: a[:, :1]

    def dx_numeric(forward):
        return numeric_grad(lambda v: float(np.sum(forward(np.hstack([v, x[:, 1:]]), gamma,
                                                           beta)[0] * G)), col(x), h=h)
    dx_own = dx_numeric(mit_appendix_forward)
    assert rel_error(col(dx_true), dx_numeric(batchnorm_forward)) < 1e-5  # the steps are fine
    dx_mit_own = col(mit_appendix_backward(G, mit_appendix_forward(x, gamma, beta)[1])[0])
    gap = np.linalg.norm(dx_mit_own - dx_own) / np.linalg.norm(dx_own)
    sigma = np.sqrt(cache[3][0])
    assert gap > 0.5 * 1e-5 / sigma > 0.1, gap


# ------------------------------------------------------------ planted bugs: the checks can fail
def backward_without_mean_term(dout, cache):
    """Planted bug: dx drops the -sum(dout) term (the path through the batch mean)."""
    x, xhat, mu, var, gamma, eps = cache
    N = x.shape[0]
    dgamma = (dout * xhat).sum(axis=0)
    dx = (1.0 / N) / np.sqrt(var + eps) * gamma * (N * dout - xhat * dgamma)
    return dx, dgamma, dout.sum(axis=0)


@pytest.mark.parametrize("backward, ok", [(batchnorm_backward, True),
                                          (backward_without_mean_term, False)],
                         ids=["correct", "no-mean-term"])
def test_gradient_checks_reject_a_planted_bug(backward, ok):
    rng = np.random.default_rng(40)
    x, G = batch(rng, N=6, D=3), rng.standard_normal((6, 3))
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    assert (torch_grad_error(backward, x, gamma, beta, G) < TORCH_TOL) is ok
    assert (central_difference_error(backward, x, gamma, beta, G) < FD_TOL) is ok


class NoMeanTerm(BatchNorm1d):
    def backward(self, dout):
        kind, cache = self._cache
        if kind != "batch":  # eval mode has no batch mean to forget
            return super().backward(dout)
        dx, dgamma, dbeta = backward_without_mean_term(dout, cache)
        self.weight.accumulate(dgamma)
        self.bias.accumulate(dbeta)
        return dx


class BiasedRunningVar(BatchNorm1d):
    """Planted bug: the running variance averages the biased batch variance (the Aalto
    slides' formula); torch uses the unbiased var N/(N-1)."""

    def _update_running_stats(self, cache):
        x, _, mu, var, _, _ = cache
        self.num_batches_tracked += 1
        m = self.momentum
        self.running_mean[...] = (1 - m) * self.running_mean + m * mu
        self.running_var[...] = (1 - m) * self.running_var + m * var


@pytest.mark.parametrize("Bad, caught, clean", [
    (NoMeanTerm, {"dx"}, {"out", "dweight", "dbias", "running_mean", "running_var"}),
    (BiasedRunningVar, {"running_var", "out"}, {"running_mean", "dbias"})])
def test_layer_comparison_rejects_planted_bugs(Bad, caught, clean):
    """The comparison that passes for BatchNorm1d flags exactly the broken quantities
    (a wrong running variance shows in eval-mode outputs too)."""
    errs = torch_layer_errors(Bad(4), np.random.default_rng(41))
    assert all(errs[k] > 1e-3 for k in caught), errs
    assert all(errs[k] < TORCH_TOL for k in clean), errs


# ------------------------------------------------------------ edge cases and errors
def test_constant_feature_gives_beta_and_finite_gradients():
    rng = np.random.default_rng(50)
    x = batch(rng, N=6, D=3)
    x[:, 1] = 2.5
    gamma, beta, G = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal((6, 3))
    out, cache = batchnorm_forward(x, gamma, beta)
    np.testing.assert_array_equal(out[:, 1], beta[1])
    grads = batchnorm_backward(G, cache)
    assert all(np.all(np.isfinite(g)) for g in grads)
    assert torch_grad_error(batchnorm_backward, x, gamma, beta, G) < TORCH_TOL
    with pytest.raises(ValueError, match="constant across the batch and eps = 0"):
        batchnorm_forward(x, gamma, beta, eps=0.0)


def test_batch_of_one():
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, 2.0, 3.0]])
    layer = BatchNorm1d(3)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        layer(x)
    with pytest.raises(ValueError, match="divides by N-1 = 0"):
        batchnorm_forward(x, np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        torch.nn.BatchNorm1d(3).double()(torch.from_numpy(x))
    assert layer.num_batches_tracked == 0  # torch counts the failed batch; we do not
    np.testing.assert_allclose(layer.eval()(x), x / np.sqrt(1 + 1e-5), rtol=1e-14)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        BatchNorm1d(3, track_running_stats=False).eval()(x)  # batch statistics, as torch


def test_bad_input_raises_clear_errors():
    layer = BatchNorm1d(64)
    with pytest.raises(ValueError, match=r"expected \(N, 64\).*\(8, 32\)"):
        layer(np.zeros((8, 32)))
    with pytest.raises(ValueError, match=r"expected \(N, 64\).*\(64,\)"):
        layer(np.zeros(64))
    with pytest.raises(ValueError, match=r"\(N, C, L\).*reshape"):
        layer(np.zeros((8, 64, 10)))
    bad = np.ones((4, 64))
    bad[2, 3] = np.nan
    with pytest.raises(ValueError, match="x must be finite"):
        layer(bad)
    with pytest.raises(RuntimeError, match=r"BatchNorm1d.backward\(\) called before forward"):
        BatchNorm1d(3).backward(np.zeros((2, 3)))
    layer(np.arange(4 * 64.0).reshape(4, 64))
    with pytest.raises(ValueError, match=r"dout must have the shape .*\(4, 64\)"):
        layer.backward(np.zeros((4, 63)))
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\)"):
        batchnorm_forward(np.zeros((4, 3)), np.ones(2), np.zeros(3))
    with pytest.raises(ValueError, match="num_features must be a positive int"):
        BatchNorm1d(0)
    with pytest.raises(ValueError, match="momentum must be in"):
        BatchNorm1d(3, momentum=1.5)
    with pytest.raises(ValueError, match="eps must be"):
        BatchNorm1d(3, eps=-1.0)


def test_parameters_buffers_names_and_repr():
    torch = pytest.importorskip("torch")
    layer = BatchNorm1d(5)
    assert layer.parameters() == [layer.weight, layer.bias]
    assert (layer.weight.name, layer.bias.name) == ("weight", "bias")
    assert layer.gamma is layer.weight and layer.beta is layer.bias
    with pytest.raises(AttributeError):
        layer.gamma = Parameter(np.ones(5))
    np.testing.assert_array_equal(layer.weight.data, np.ones(5))
    np.testing.assert_array_equal(layer.bias.data, np.zeros(5))
    for buf in (layer.running_mean, layer.running_var):
        assert type(buf) is np.ndarray and buf.dtype == np.float64 and buf.shape == (5,)
    assert layer.num_batches_tracked == 0
    assert BatchNorm1d(5, affine=False).parameters() == []
    off = BatchNorm1d(5, track_running_stats=False)
    assert off.running_mean is None and off.running_var is None and off.num_batches_tracked is None
    for kwargs in CONFIGS:
        ours = repr(BatchNorm1d(64, **kwargs))
        theirs = repr(torch.nn.BatchNorm1d(64, **kwargs))
        # torch >= 2.10 also prints its keyword-only ``bias=``, which this layer does not take
        assert ours == theirs.replace(", bias=True", "").replace(", bias=False", "")


def test_optimizer_step_leaves_running_stats_alone():
    from nntrain.optim import SGD
    rng = np.random.default_rng(51)
    layer = BatchNorm1d(3)
    opt = SGD(layer.parameters(), lr=0.1)
    layer(batch(rng, D=3))
    layer.backward(rng.standard_normal((8, 3)))
    mean, var = layer.running_mean.copy(), layer.running_var.copy()
    opt.step()
    np.testing.assert_array_equal(layer.running_mean, mean)
    np.testing.assert_array_equal(layer.running_var, var)
    assert not np.allclose(layer.weight.data, 1.0)
