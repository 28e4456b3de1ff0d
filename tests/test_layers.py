"""nntrain.layers: every layer and a whole MLP against central differences and torch autograd."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nntrain.calculus import gradient, rel_error
from nntrain.core import Parameter
from nntrain.layers import (Identity, LeakyReLU, Linear, ReLU, Sequential, Sigmoid, Tanh, grads_to_vector,
                            parameters_to_vector, vector_to_parameters)

pytestmark = pytest.mark.ch2


def numeric_grad(f, x):
    x = np.asarray(x, dtype=np.float64)
    return gradient(lambda v: f(v.reshape(x.shape)), x.ravel()).reshape(x.shape)


def network_grad_errors(model, x, G):
    """Worst rel. error of model.backward (input and every parameter) against central differences
    of L = sum(model(x) * G)."""
    model.zero_grad()
    model(x)
    dx = model.backward(G)
    errs = [rel_error(dx, numeric_grad(lambda v: float(np.sum(model(v) * G)), x))]
    for p in model.parameters():
        def loss_of(v, p=p):
            saved = p.data
            p.data = v
            try:
                return float(np.sum(model(x) * G))
            finally:
                p.data = saved
        errs.append(rel_error(p.grad, numeric_grad(loss_of, p.data)))
    return max(errs)


def mlp(rng):
    """4 Linear layers, mixed activations."""
    return Sequential(Linear(5, 7, rng=rng), Tanh(), Linear(7, 6, rng=rng), Sigmoid(),
                      Linear(6, 6, rng=rng), LeakyReLU(0.1), Linear(6, 3, rng=rng))


def away_from_kinks(rng, shape):
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < 0.05, 0.05 * np.sign(x) + 0.05 * (x == 0), x)


@pytest.mark.parametrize("layer", [Sigmoid(), Tanh(), ReLU(), LeakyReLU(0.2), Identity()], ids=repr)
def test_activation_layers_match_central_differences(layer):
    rng = np.random.default_rng(0)
    x = away_from_kinks(rng, (4, 3))
    assert network_grad_errors(layer, x, rng.standard_normal((4, 3))) < 1e-6


def test_linear_matches_central_differences():
    rng = np.random.default_rng(1)
    layer = Linear(4, 3, rng=rng)
    assert network_grad_errors(layer, rng.standard_normal((5, 4)), rng.standard_normal((5, 3))) < 1e-6


def test_mlp_matches_central_differences():
    rng = np.random.default_rng(2)
    model = mlp(rng)
    assert network_grad_errors(model, rng.standard_normal((4, 5)), rng.standard_normal((4, 3))) < 1e-6


class TransposedW(Linear):
    """Planted bug: uses W^T where W belongs (shape-compatible only for square layers)."""

    def backward(self, dout):
        x, W = self._take_cache()
        self.W.accumulate(dout.T @ x)
        self.b.accumulate(dout.sum(axis=0))
        return dout @ W.T


class ForgetsBiasSum(Linear):
    """Planted bug: adds the *mean* over the batch into b.grad instead of the sum."""

    def backward(self, dout):
        x, W = self._take_cache()
        self.W.accumulate(dout.T @ x)
        self.b.accumulate(dout.mean(axis=0))
        return dout @ W


@pytest.mark.parametrize("Bad", [TransposedW, ForgetsBiasSum])
def test_planted_bugs_are_caught_by_the_network_check(Bad):
    rng = np.random.default_rng(3)
    model = Sequential(Linear(5, 6, rng=rng), Tanh(), Bad(6, 6, rng=rng), ReLU(), Linear(6, 3, rng=rng))
    x = rng.standard_normal((4, 5))
    assert network_grad_errors(model, x, rng.standard_normal((4, 3))) > 1e-2


def to_torch(model, torch):
    """The same network in torch, with the same parameters (float64)."""
    mods = []
    for layer in model.layers:
        if isinstance(layer, Linear):
            lin = torch.nn.Linear(layer.in_features, layer.out_features, dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(layer.W.data))
                lin.bias.copy_(torch.from_numpy(layer.b.data))
            mods.append(lin)
        elif isinstance(layer, LeakyReLU):
            mods.append(torch.nn.LeakyReLU(layer.negative_slope))
        else:
            mods.append({Sigmoid: torch.nn.Sigmoid, Tanh: torch.nn.Tanh, ReLU: torch.nn.ReLU,
                         Identity: torch.nn.Identity}[type(layer)]())
    return torch.nn.Sequential(*mods)


def test_mlp_matches_torch_autograd():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    model = Sequential(Linear(6, 8, rng=rng), ReLU(), Linear(8, 8, rng=rng), Tanh(),
                       Linear(8, 5, rng=rng), Sigmoid(), Linear(5, 5, rng=rng), LeakyReLU(),
                       Linear(5, 3, rng=rng), Identity())
    x = rng.standard_normal((7, 6))
    G = rng.standard_normal((7, 3))
    tmodel = to_torch(model, torch)
    xt = torch.tensor(x, requires_grad=True)
    yt = tmodel(xt)
    (yt * torch.from_numpy(G)).sum().backward()
    model.zero_grad()
    out = model(x)
    dx = model.backward(G)
    np.testing.assert_allclose(out, yt.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-14)
    tparams = list(tmodel.parameters())
    assert len(tparams) == len(model.parameters()) == 10
    for p, tp in zip(model.parameters(), tparams):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-10, atol=1e-14)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 5), d=st.integers(1, 5), m=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_linear_layer_property_torch(n, d, m, seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    layer = Linear(d, m, rng=rng)
    x, G = rng.standard_normal((n, d)), rng.standard_normal((n, m))
    tl = to_torch(Sequential(layer), torch)[0]
    xt = torch.tensor(x, requires_grad=True)
    (tl(xt) * torch.from_numpy(G)).sum().backward()
    layer(x)
    dx = layer.backward(G)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(layer.W.grad, tl.weight.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(layer.b.grad, tl.bias.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_gradients_accumulate_until_zero_grad():
    rng = np.random.default_rng(5)
    model = mlp(rng)
    x, G = rng.standard_normal((3, 5)), rng.standard_normal((3, 3))
    model(x)
    model.backward(G)
    first = [p.grad.copy() for p in model.parameters()]
    model(x)
    model.backward(G)
    for p, g in zip(model.parameters(), first):
        np.testing.assert_allclose(p.grad, 2 * g, rtol=1e-14)
    model.zero_grad()
    assert all(np.all(p.grad == 0) for p in model.parameters())


def test_linear_shapes_inits_and_parameters():
    rng = np.random.default_rng(6)
    layer = Linear(64, 32, rng=rng)
    assert layer.W.shape == (32, 64) and layer.b.shape == (32,)
    assert isinstance(layer.W, Parameter) and layer.parameters() == [layer.W, layer.b]
    assert np.abs(layer.W.data).max() <= 1 / 8 and np.abs(layer.b.data).max() <= 1 / 8
    he = Linear(400, 300, rng=rng, init="he")
    assert abs(he.W.data.std() - np.sqrt(2 / 400)) < 0.005 and np.all(he.b.data == 0)
    xav = Linear(400, 300, rng=rng, init="xavier")
    assert abs(xav.W.data.var() - 2 / 700) < 2e-4
    same = [Linear(3, 2, rng=np.random.default_rng(7)).W.data for _ in range(2)]
    np.testing.assert_array_equal(*same)
    fixed = Linear.from_arrays([[1.0, 2.0]], [0.5])
    np.testing.assert_array_equal(fixed(np.array([[1.0, 1.0]])), [[3.5]])
    model = Sequential(layer, ReLU(), Linear(32, 10, rng=rng))
    assert len(model.parameters()) == 4 and len(model) == 3 and model[1].__class__ is ReLU


def test_bad_input_raises_clear_errors():
    rng = np.random.default_rng(8)
    layer = Linear(4, 3, rng=rng)
    with pytest.raises(ValueError, match=r"\(N, 4\).*\(2, 5\)"):
        layer(np.zeros((2, 5)))
    layer(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        layer.backward(np.zeros((2, 4)))
    with pytest.raises(RuntimeError, match="before forward"):
        Tanh().backward(np.zeros((1, 1)))
    with pytest.raises(ValueError, match="Generator"):
        Linear(4, 3, rng=0)
    with pytest.raises(ValueError, match="init"):
        Linear(4, 3, rng=rng, init="zeros")
    with pytest.raises(ValueError, match="positive int"):
        Linear(0, 3, rng=rng)
    with pytest.raises(ValueError, match="Modules"):
        Sequential(layer, np.tanh)


def test_flat_parameter_vectors_round_trip():
    rng = np.random.default_rng(9)
    model = mlp(rng)
    params = model.parameters()
    theta = parameters_to_vector(params)
    assert theta.shape == (sum(p.data.size for p in params),)
    vector_to_parameters(2 * theta, params)
    np.testing.assert_array_equal(parameters_to_vector(params), 2 * theta)
    assert np.all(grads_to_vector(params) == 0)
    with pytest.raises(ValueError, match=rf"\({theta.size},\).*\(3,\)"):
        vector_to_parameters(np.zeros(3), params)
