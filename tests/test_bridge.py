"""nntrain.bridge: models to torch and back, compared with torch in float64.

Tolerance: rtol 1e-10 against torch (float64), as in test_optim_torch and
test_batch_norm. Each family of checks proves once that it can fail (planted
mistakes), and a subprocess proves that only the bridge needs torch.
"""
import json
import os
import pkgutil
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import nntrain  # noqa: E402
from nntrain.batch_norm import BatchNorm1d  # noqa: E402
from nntrain.bridge import (adam_agreement, compare, from_torch,  # noqa: E402
                            max_rel_diff, to_torch)
from nntrain.core import Module  # noqa: E402
from nntrain.data import digits  # noqa: E402
from nntrain.layers import (Identity, LeakyReLU, Linear, ReLU,  # noqa: E402
                            Sequential, Sigmoid, Tanh)
from nntrain.losses import softmax_cross_entropy  # noqa: E402

nn = torch.nn
pytestmark = pytest.mark.ch8

TOL = 1e-10
MODES = ["train", "eval"]


def bn_with_stats(rng, C, **kw):
    """A BatchNorm1d whose weight, bias and running statistics are not the defaults."""
    bn = BatchNorm1d(C, **kw)
    if bn.affine:
        bn.weight.data[...] = rng.uniform(0.5, 2.0, C)
        bn.bias.data[...] = rng.standard_normal(C)
    if bn.track_running_stats:
        bn.running_mean[...] = rng.standard_normal(C)
        bn.running_var[...] = rng.uniform(0.2, 3.0, C)
        bn.num_batches_tracked = 7
    return bn


def every_layer(rng):
    """Every supported layer type, BatchNorm1d in four settings, one nested Sequential."""
    return Sequential(
        Linear(5, 8, rng), bn_with_stats(rng, 8, eps=1e-3, momentum=0.3), ReLU(),
        Linear(8, 6, rng), LeakyReLU(0.2), bn_with_stats(rng, 6, momentum=None), Tanh(),
        Linear(6, 6, rng), bn_with_stats(rng, 6, affine=False), Sigmoid(),
        bn_with_stats(rng, 6, track_running_stats=False), Identity(),
        Sequential(Linear(6, 4, rng), ReLU()), Linear(4, 3, rng))


def mlp(rng, sizes=(5, 8, 6, 3), bn_first=True):
    """Linear-BatchNorm1d-ReLU-Linear-Tanh-Linear (or Linear-ReLU-BatchNorm1d-...),
    with non-default weight, bias and running statistics."""
    D, H1, H2, K = sizes
    first = [bn_with_stats(rng, H1), ReLU()]
    return Sequential(Linear(D, H1, rng), *(first if bn_first else first[::-1]),
                      Linear(H1, H2, rng), Tanh(), Linear(H2, K, rng))


def random_batch(rng, N=16, D=5, K=3):
    return rng.standard_normal((N, D)) * 2.0, rng.integers(0, K, N)


def state(model):
    """Every layer's type, mode, settings and arrays, in order (nested ones flattened)."""
    out = []
    for layer in model.layers:
        if isinstance(layer, Sequential):
            out += [("Sequential", layer.training)] + state(layer)
            continue
        d = {k: v for k, v in vars(layer).items() if not k.startswith("_")}
        d = {k: (v.data if hasattr(v, "data") else v) for k, v in d.items()}
        out.append((type(layer).__name__, layer.training, d))
    return out


def assert_same_state(a, b):
    sa, sb = state(a), state(b)
    assert [s[:2] for s in sa] == [s[:2] for s in sb]
    for x, y in zip(sa, sb):
        if len(x) == 3:
            assert x[2].keys() == y[2].keys(), x[0]
            for k in x[2]:
                if isinstance(x[2][k], np.ndarray):
                    assert np.array_equal(x[2][k], y[2][k]), (x[0], k)
                else:
                    assert x[2][k] == y[2][k], (x[0], k)


# ------------------------------------------------------------ conversion
@pytest.mark.parametrize("mode", MODES)
def test_round_trip_every_layer_type(mode):
    rng = np.random.default_rng(0)
    model = every_layer(rng).train(mode == "train")
    t = to_torch(model)
    back = from_torch(t)
    assert_same_state(model, back)
    assert all(m.training == (mode == "train") for m in t.modules())
    bn = t[1]
    assert (bn.eps, bn.momentum, int(bn.num_batches_tracked)) == (1e-3, 0.3, 7)
    assert np.array_equal(bn.running_var.numpy(), model[1].running_var)
    assert t[5].momentum is None and t[8].weight is None and t[10].running_mean is None
    assert t[4].negative_slope == 0.2 and t[0].weight.dtype == torch.float64
    assert np.array_equal(t[12][0].weight.detach().numpy(), model[12][0].W.data)
    # copies, not views: changing one model leaves the others alone
    W0 = model[0].W.data.copy()
    with torch.no_grad():
        t[0].weight.add_(1.0)
        t[1].running_mean.add_(1.0)
    model[3].W.data += 1.0
    assert np.array_equal(model[0].W.data, W0) and np.array_equal(back[0].W.data, W0)
    assert not np.array_equal(back[3].W.data, model[3].W.data)
    assert not np.array_equal(back[1].running_mean, t[1].running_mean.numpy())


@pytest.mark.parametrize("mode", MODES)
def test_every_layer_type_computes_the_same(mode):
    rng = np.random.default_rng(1)
    model = every_layer(rng).train(mode == "train")
    X, y = random_batch(rng)
    assert compare(model, to_torch(model), X, y)["max"] < TOL


def test_single_layers_and_float32():
    rng = np.random.default_rng(2)
    t = to_torch(LeakyReLU(0.3))
    assert isinstance(t, nn.Sequential) and t[0].negative_slope == 0.3
    lin = from_torch(nn.Linear(3, 2).to(torch.float32))
    assert isinstance(lin[0], Linear) and lin[0].W.data.dtype == np.float64
    t32 = to_torch(mlp(rng), dtype=torch.float32)
    assert t32[0].weight.dtype == torch.float32
    assert t32[1].num_batches_tracked.dtype == torch.int64


# ------------------------------------------------------------ one forward/backward pass
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_compare_random_batch(mode, loss):
    rng = np.random.default_rng(3)
    model = mlp(rng).train(mode == "train")
    X, y = random_batch(rng)
    if loss == "mse":
        y = rng.standard_normal((16, 3))
    res = compare(model, to_torch(model), X, y, loss=loss)
    assert res["max"] < TOL, res
    assert set(res["grads"]) == {f"{i}.{n}" for i in (0, 1, 3, 5) for n in ("weight", "bias")}
    assert abs(res["loss_nntrain"] - res["loss_torch"]) <= TOL * res["loss_torch"]


@pytest.mark.parametrize("mode", MODES)
def test_compare_digits(mode):
    X, y, _, _ = digits()
    rng = np.random.default_rng(4)
    model = mlp(rng, sizes=(64, 32, 16, 10)).train(mode == "train")
    res = compare(model, to_torch(model), X, y)
    assert res["max"] < TOL, res
    assert 1.0 < res["loss_torch"] < 5.0


def test_compare_changes_neither_model():
    rng = np.random.default_rng(5)
    model = mlp(rng)
    t = to_torch(model)
    X, y = random_batch(rng)
    before = [p.data.copy() for p in model.parameters()] + [model[1].running_mean.copy()]
    tbefore = {k: v.clone() for k, v in t.state_dict().items()}
    compare(model, t, X, y)
    compare(model, t, X, y)
    assert all(np.array_equal(a, b) for a, b in
               zip(before, [p.data for p in model.parameters()] + [model[1].running_mean]))
    assert all(not np.any(p.grad) for p in model.parameters())
    assert model[1].num_batches_tracked == 7
    assert all(p.grad is None for p in t.parameters())
    assert all(torch.equal(v, tbefore[k]) for k, v in t.state_dict().items())


def test_bias_before_batch_norm_has_a_rounding_noise_gradient():
    """Why compare floors each gradient's scale: this gradient is 0 up to rounding,
    and the two libraries' noise differs by O(1) relative to itself."""
    rng = np.random.default_rng(6)
    model = mlp(rng)
    X, y = random_batch(rng)
    assert compare(model, to_torch(model), X, y)["grads"]["0.bias"] < TOL
    t = to_torch(model)
    model.backward(softmax_cross_entropy(model(X), y)[1])
    torch.nn.functional.cross_entropy(t(torch.tensor(X)), torch.tensor(y)).backward()
    assert np.abs(model[0].b.grad).max() < 1e-15 * np.abs(model[0].W.grad).max()
    assert max_rel_diff(model[0].b.grad, t[0].bias.grad) > 1e-3


# ------------------------------------------------------------ planted mistakes
def test_planted_transposed_weight_is_caught():
    rng = np.random.default_rng(7)
    model = mlp(rng)
    X, y = random_batch(rng)
    t = to_torch(model)
    with torch.no_grad():  # W.T reshaped to W's shape: right shape, wrong layout
        t[3].weight.copy_(t[3].weight.T.reshape(t[3].weight.shape))
    res = compare(model, t, X, y)
    assert res["loss"] > 1e-3 and res["grads"]["3.weight"] > 1e-2 and res["max"] > 1e-2


def test_planted_missing_running_stats_is_caught_in_eval_mode_only():
    rng = np.random.default_rng(8)
    model = mlp(rng)
    X, y = random_batch(rng)
    t = to_torch(model)
    t[1].reset_running_stats()  # as if a conversion forgot the buffers
    assert compare(model, t, X, y)["max"] < TOL  # training mode uses batch statistics
    res = compare(model.eval(), t.eval(), X, y)
    assert res["loss"] > 1e-3 and res["input_grad"] > 1e-2


# ------------------------------------------------------------ Adam, 20 steps
@pytest.mark.parametrize("decoupled, kwargs", [
    (False, {}), (False, {"weight_decay": 0.05, "amsgrad": True}),
    (True, {"weight_decay": 0.1, "betas": (0.8, 0.99)})])
def test_adam_agreement(decoupled, kwargs):
    """Linear-ReLU-BatchNorm1d-...: every gradient is far from rounding noise."""
    X, y, _, _ = digits()
    model = mlp(np.random.default_rng(9), sizes=(64, 32, 16, 10), bn_first=False)
    res = adam_agreement(model, X[:400], y[:400], decoupled=decoupled, **kwargs)
    assert res["max"] < TOL, res
    assert max_rel_diff(res["losses_nntrain"], res["losses_torch"]) < TOL
    assert res["losses_torch"][-1] < 0.5 * res["losses_torch"][0]
    assert len(res["losses_torch"]) == 20 and "2.running_var" in res["buffers"]


def test_adam_amplifies_the_rounding_noise_of_a_bias_before_batch_norm():
    """Adam's step lr m/(sqrt(v) + eps) turns a ~1e-17 noise gradient into ~1e-11
    per step: that bias (and the running mean it feeds) agrees only to ~1e-9."""
    X, y, _, _ = digits()
    model = mlp(np.random.default_rng(10), sizes=(64, 32, 16, 10))
    res = adam_agreement(model, X[:400], y[:400], decoupled=True, weight_decay=0.01)
    noisy = {"0.bias", "1.running_mean"}
    found = {**res["weights"], **res["buffers"]}
    assert all(v < TOL for k, v in found.items() if k not in noisy), found
    assert all(v < 1e-7 for k, v in found.items() if k in noisy), found


# ------------------------------------------------------------ only the bridge imports torch
def test_only_the_bridge_needs_torch():
    names = [m.name for m in pkgutil.walk_packages(nntrain.__path__, "nntrain.")]
    others = [n for n in names if not n.startswith("nntrain.bridge")]
    assert "nntrain.layers" in others and "nntrain.bridge.convert" in names
    code = f"""
import importlib, json, sys
class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("torch is blocked in this test")
sys.meta_path.insert(0, NoTorch())
failed = {{}}
for name in ["nntrain"] + {others!r}:
    try:
        importlib.import_module(name)
    except Exception as e:
        failed[name] = repr(e)
try:
    import nntrain.bridge
    bridge = "imported"
except ImportError as e:
    bridge = str(e)
print(json.dumps({{"failed": failed, "bridge": bridge, "torch": "torch" in sys.modules}}))
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "MPLBACKEND": "Agg"})
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["failed"] == {} and out["torch"] is False, out
    assert "torch is blocked" in out["bridge"]  # the check can fail


# ------------------------------------------------------------ errors
class Dropout(Module):
    def forward(self, x):
        return x


def test_clear_errors():
    rng = np.random.default_rng(11)
    model = mlp(rng)
    t = to_torch(model)
    X, y = random_batch(rng)
    with pytest.raises(ValueError, match="cannot convert a Dropout; supported.*Linear"):
        to_torch(Sequential(Linear(2, 2, rng), Dropout()))
    with pytest.raises(ValueError, match="cannot convert a Conv1d; supported"):
        from_torch(nn.Sequential(nn.Conv1d(1, 1, 3)))
    with pytest.raises(ValueError, match="bias=False"):
        from_torch(nn.Linear(3, 2, bias=False))
    with pytest.raises(ValueError, match=r"X must have shape \(N, 5\).*\(16, 4\)"):
        compare(model, t, X[:, :4], y)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 5\)"):
        compare(model, t, X[0], y)
    with pytest.raises(ValueError, match="one entry .* per row of X"):
        compare(model, t, X, y[:-1])
    with pytest.raises(ValueError, match="loss must be one of"):
        compare(model, t, X, y, loss="hinge")
    with pytest.raises(ValueError, match="differ at 1: nntrain BatchNorm1d, torch ReLU"):
        compare(model, to_torch(mlp(rng, bn_first=False)), X, y)
    with pytest.raises(ValueError, match="architectures differ at the top level: 6 nntrain"):
        compare(model, t[:4], X, y)
    with pytest.raises(ValueError, match=r"3.weight: nntrain shape \(6, 8\), torch \(7, 8\)"):
        compare(model, to_torch(mlp(rng, sizes=(5, 8, 7, 3))), X, y)
    with pytest.raises(ValueError, match="unknown Adam arguments.*eps_inside_sqrt"):
        adam_agreement(model, X, y, eps_inside_sqrt=True)
    with pytest.raises(ValueError, match="steps must be a positive int"):
        adam_agreement(model, X, y, steps=0)
