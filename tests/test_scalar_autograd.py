"""nntrain.scalar_autograd: the scalar Value against torch autograd (float64),
against the layer-wise numpy backprop of nntrain.functional, and on bad input.
"""
import json
import math
import pathlib

import numpy as np
import pytest

from nntrain import functional as F
from nntrain import scalar_autograd
from nntrain.losses import softmax_cross_entropy
from nntrain.scalar_autograd import Value

pytestmark = pytest.mark.ch2

CHAPTER = (pathlib.Path(__file__).parents[1] / "chapters"
           / "02_backprop.ipynb")
RTOL = 1e-12


def close(a, b):
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=1e-15)


def expression(a, b, c, exp, tanh, log):
    """A small expression in which a and b fan out; works on Values and
    on torch tensors alike."""
    d = a * b + c
    e = tanh(d) * a - b / (c + 3.0) + (a - 1.5) ** 3
    return exp(e / 2) + log(a * a + 1.0) * b + 2 * d - 1 / (a + 4)


def test_expression_matches_torch():
    torch = pytest.importorskip("torch")
    inputs = [0.7, -1.3, 0.4]
    vs = [Value(v) for v in inputs]
    out = expression(*vs, Value.exp, Value.tanh, Value.log)
    out.backward()
    ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True)
          for v in inputs]
    tout = expression(*ts, torch.exp, torch.tanh, torch.log)
    tout.backward()
    assert close(out.data, tout.item())
    for v, t in zip(vs, ts):
        assert close(v.grad, t.grad.item()), (v.grad, t.grad.item())


def neuron(w, x, b, target, tanh):
    """One tanh neuron and a squared error."""
    z = b
    for wi, xi in zip(w, x):
        z = z + wi * xi
    return (tanh(z) - target) ** 2


def test_one_neuron_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w0, x0 = rng.standard_normal(3), rng.standard_normal(3)
    w, x, b = [Value(v) for v in w0], [Value(v) for v in x0], Value(0.2)
    loss = neuron(w, x, b, 0.5, Value.tanh)
    loss.backward()
    tw = torch.tensor(w0, requires_grad=True)
    tx = torch.tensor(x0, requires_grad=True)
    tb = torch.tensor(0.2, dtype=torch.float64, requires_grad=True)
    tloss = neuron(tw, tx, tb, 0.5, torch.tanh)
    tloss.backward()
    assert close(loss.data, tloss.item())
    for ours, theirs in [(w, tw), (x, tx)]:
        for v, g in zip(ours, theirs.grad.tolist()):
            assert close(v.grad, g), (v.grad, g)
    assert close(b.grad, tb.grad.item())


@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b,
    lambda a, b: a / b, lambda a, b: 2.5 + a, lambda a, b: 2.5 * a,
    lambda a, b: 2.5 - a, lambda a, b: 2.5 / a, lambda a, b: -a,
    lambda a, b: a ** 3, lambda a, b: a ** -0.5, lambda a, b: a * a,
    lambda a, b: a.exp(), lambda a, b: a.log(), lambda a, b: a.tanh(),
])
def test_each_operation_matches_torch(op):
    torch = pytest.importorskip("torch")
    a, b = Value(1.7), Value(-0.6)
    out = op(a, b)
    out.backward()
    ta = torch.tensor(1.7, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-0.6, dtype=torch.float64, requires_grad=True)
    tout = op(ta, tb)
    tout.backward()
    assert close(out.data, tout.item())
    for v, t in [(a, ta), (b, tb)]:
        expected = 0.0 if t.grad is None else t.grad.item()
        assert close(v.grad, expected), (v.grad, expected)


def test_fan_out_gradients_add():
    # a diamond: a feeds b and c, both feed d; d = a^2 * 3a = 3 a^3
    a = Value(1.5)
    b, c = a * a, 3 * a
    d = b * c
    d.backward()
    assert close(d.data, 3 * 1.5 ** 3)
    assert close(a.grad, 9 * 1.5 ** 2)
    assert close(b.grad, c.data) and close(c.grad, b.data)


def test_fan_out_into_unary_operations():
    torch = pytest.importorskip("torch")
    a = Value(0.8)
    out = a.exp() * a.tanh() + a.log() - a ** 3
    out.backward()
    ta = torch.tensor(0.8, dtype=torch.float64, requires_grad=True)
    tout = ta.exp() * ta.tanh() + ta.log() - ta ** 3
    tout.backward()
    assert close(a.grad, ta.grad.item())


def test_order_matters_on_a_long_diamond_chain():
    # every node feeds the next two, so a node's gradient is complete only
    # after both consumers have run; the result is a Fibonacci-like number
    x = Value(1.0)
    prev, cur = x, x * 1.0
    for _ in range(30):
        prev, cur = cur, cur + prev
    cur.backward()
    # cur = F(k) x with F the Fibonacci-like coefficient; dcur/dx = cur/x
    assert close(x.grad, cur.data)


def test_deep_graph_needs_no_recursion():
    x = Value(0.5)
    y = x
    for _ in range(20_000):  # far beyond Python's recursion limit
        y = y * 1.0001
    y.backward()
    assert close(x.grad, 1.0001 ** 20_000)


def test_gradients_accumulate_like_torch():
    torch = pytest.importorskip("torch")
    a = Value(0.3)
    out = (a * a).tanh() * a
    out.backward()
    out.backward()  # leaves add, intermediates are recomputed
    ta = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    tout = (ta * ta).tanh() * ta
    tout.backward(retain_graph=True)
    tout.backward()
    assert close(a.grad, ta.grad.item())
    a.grad = 0.0  # the caller zeroes, as with zero_grad()
    out.backward()
    assert close(2 * a.grad, ta.grad.item())


def test_two_layer_net_matches_layerwise_backprop_summed_over_batch():
    # the scalar graph, example by example, gives the batched gradients of
    # nntrain.functional: a batch's gradient is the sum over its examples
    rng = np.random.default_rng(1)
    B, D, H, K = 4, 3, 5, 3
    X = rng.standard_normal((B, D))
    y = rng.integers(0, K, size=B)
    W1, b1 = rng.standard_normal((H, D)), rng.standard_normal(H)
    W2, b2 = rng.standard_normal((K, H)), rng.standard_normal(K)
    z1, c1 = F.linear_forward(X, W1, b1)
    a1, c2 = F.tanh_forward(z1)
    z2, c3 = F.linear_forward(a1, W2, b2)
    loss, dz2 = softmax_cross_entropy(z2, y)
    da1, dW2, db2 = F.linear_backward(dz2, c3)
    _, dW1, db1 = F.linear_backward(F.tanh_backward(da1, c2), c1)

    params = [np.vectorize(Value, otypes=[object])(p)
              for p in (W1, b1, W2, b2)]
    total = Value(0.0)
    for n in range(B):
        hidden = [sum((params[0][j, d] * X[n, d] for d in range(D)),
                      params[1][j]).tanh() for j in range(H)]
        logits = [sum((params[2][k, j] * hidden[j] for j in range(H)),
                      params[3][k]) for k in range(K)]
        lse = sum(z.exp() for z in logits).log()
        total = total + (lse - logits[y[n]]) / B
    total.backward()
    assert close(total.data, loss)
    for vals, grad in zip(params, (dW1, db1, dW2, db2)):
        ours = np.vectorize(lambda v: v.grad)(vals)
        np.testing.assert_allclose(ours, grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("bad, expected", [
    (lambda: Value("a"), "real number"),
    (lambda: Value(None), "real number"),
    (lambda: Value([1.0]), "real number"),
    (lambda: Value(1) * "x", "a Value or a real number"),
    (lambda: "x" * Value(1), "a Value or a real number"),
    (lambda: Value(1) + [2], "a Value or a real number"),
    (lambda: Value(2) ** Value(3), "exponent must be a real number"),
    (lambda: Value(0.0).log(), "positive"),
])
def test_bad_input_says_what_was_expected(bad, expected):
    with pytest.raises(ValueError, match=expected):
        bad()


def test_chapter_shows_the_package_source():
    # chapter 2 prints inspect.getsource(scalar_autograd); the saved output
    # must be this file, so the book and the package cannot drift apart
    source = pathlib.Path(scalar_autograd.__file__).read_text()
    nb = json.loads(CHAPTER.read_text())
    shown = ["".join(out.get("text", ""))
             for cell in nb["cells"] if cell["cell_type"] == "code"
             and "getsource(scalar_autograd)" in "".join(cell["source"])
             for out in cell.get("outputs", [])]
    assert shown, "chapter 2 no longer prints the source of scalar_autograd"
    assert shown[0].rstrip("\n") == source.rstrip("\n")
