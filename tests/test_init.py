"""nntrain.init: fans, gains and every initialiser against torch.nn.init; Linear's draws; the
variance of the signal through a deep linear network."""
import math

import numpy as np
import pytest
import torch

from nntrain import init
from nntrain.core import Parameter
from nntrain.layers import Linear

pytestmark = pytest.mark.ch6

SHAPES = [(300, 200), (100, 400), (64, 32, 3, 3), (128, 16, 5)]


def moments_match(w, var, dist):
    """Do the n entries of ``w`` look like zero-mean draws of variance ``var``?

    The mean of n draws has standard error sqrt(var/n). The mean square m2 of n
    zero-mean draws has relative standard error sqrt((kurtosis - 1)/n):
    sqrt(2/n) for a normal (kurtosis 3), sqrt(0.8/n) for a uniform (kurtosis 9/5).
    We accept within 5 standard errors (a false alarm about once in 1.7 million
    per check); for n = 10^4 that is 7% (normal) and 4.5% (uniform) of var.
    """
    w = np.asarray(w, dtype=np.float64).ravel()
    n = w.size
    kurtosis = {"normal": 3.0, "uniform": 1.8}[dist]
    mean_ok = abs(w.mean()) <= 5 * math.sqrt(var / n)
    return mean_ok and abs(np.mean(w ** 2) / var - 1) <= 5 * math.sqrt((kurtosis - 1) / n)


# (ours, torch's, keyword arguments, distribution, variance(fan_in, fan_out)), formulas as in
# the papers and torch's documentation, written out here independently of nntrain.init.
CASES = [
    (init.xavier_uniform_, torch.nn.init.xavier_uniform_, {}, "uniform",
     lambda fi, fo: 2 / (fi + fo)),
    (init.xavier_uniform_, torch.nn.init.xavier_uniform_, {"gain": 5 / 3}, "uniform",
     lambda fi, fo: 25 / 9 * 2 / (fi + fo)),
    (init.xavier_normal_, torch.nn.init.xavier_normal_, {}, "normal",
     lambda fi, fo: 2 / (fi + fo)),
    (init.kaiming_uniform_, torch.nn.init.kaiming_uniform_, {}, "uniform",
     lambda fi, fo: 2 / (1 + 0.0 ** 2) / fi),
    (init.kaiming_uniform_, torch.nn.init.kaiming_uniform_, {"a": math.sqrt(5)}, "uniform",
     lambda fi, fo: 1 / (3 * fi)),
    (init.kaiming_uniform_, torch.nn.init.kaiming_uniform_,
     {"mode": "fan_out", "nonlinearity": "relu"}, "uniform", lambda fi, fo: 2 / fo),
    (init.kaiming_normal_, torch.nn.init.kaiming_normal_, {"nonlinearity": "relu"}, "normal",
     lambda fi, fo: 2 / fi),
    (init.kaiming_normal_, torch.nn.init.kaiming_normal_, {"a": 0.2, "mode": "fan_out"},
     "normal", lambda fi, fo: 2 / (1 + 0.2 ** 2) / fo),
    (init.kaiming_normal_, torch.nn.init.kaiming_normal_, {"nonlinearity": "tanh"}, "normal",
     lambda fi, fo: 25 / 9 / fi),
    # LeCun is not in torch; there it is Kaiming with the gain of "linear".
    (init.lecun_uniform_, lambda t, generator: torch.nn.init.kaiming_uniform_(
        t, nonlinearity="linear", generator=generator), {}, "uniform", lambda fi, fo: 1 / fi),
    (init.lecun_normal_, lambda t, generator: torch.nn.init.kaiming_normal_(
        t, nonlinearity="linear", generator=generator), {}, "normal", lambda fi, fo: 1 / fi),
    (init.normal_, torch.nn.init.normal_, {"std": 0.3}, "normal", lambda fi, fo: 0.09),
    (init.uniform_, torch.nn.init.uniform_, {"a": -0.5, "b": 0.5}, "uniform",
     lambda fi, fo: 1 / 12),
]


def case_id(case):
    return case[0].__name__ + "".join(f"-{k}={v:.3g}" if isinstance(v, float) else f"-{v}"
                                      for k, v in case[2].items())


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (1, 1), (7, 3, 4), (8, 4, 3, 3),
                                   (2, 3, 4, 5, 6), (0, 4)])
def test_fans_equal_torch(shape):
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init.fan_in_and_fan_out(shape) == expected
    assert init.fan_in_and_fan_out(np.zeros(shape)) == expected
    assert init.fan_in_and_fan_out(Parameter(np.zeros(shape))) == expected


@pytest.mark.parametrize("nonlinearity, param", [
    ("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
    ("conv_transpose2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 0), ("leaky_relu", 1),
    ("leaky_relu", math.sqrt(5)), ("selu", None), ("relu", 3.0)])
def test_gains_equal_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(
        nonlinearity, param)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_initialisers_match_their_formula_and_torch(case, shape):
    ours, theirs, kwargs, dist, variance = case
    var = variance(*init.fan_in_and_fan_out(shape))
    w = ours(np.zeros(shape), np.random.default_rng(0), **kwargs)
    assert moments_match(w, var, dist)
    t = torch.empty(shape, dtype=torch.float64)
    theirs(t, generator=torch.Generator().manual_seed(0), **kwargs)
    assert moments_match(t.numpy(), var, dist)
    if dist == "uniform":  # symmetric bound sqrt(3 var) for the zero-mean ones
        lo, hi = (kwargs["a"], kwargs["b"]) if ours is init.uniform_ else (-1, 1)
        bound = math.sqrt(3 * var) if ours is not init.uniform_ else 1.0
        for sample in (w, t.numpy()):
            # inside the bounds (one ulp of slack: the bound itself is a rounded number)
            assert sample.min() >= lo * bound * (1 + 1e-15)
            assert sample.max() <= hi * bound * (1 + 1e-15)
            # and nearly reaching them: P(max |w| < (1 - t) bound) = (1 - t)^n ~ e^-20, t = 20/n
            reach = 1 - 20 / sample.size
            assert sample.max() >= hi * bound * reach and sample.min() <= lo * bound * reach


def planted_xavier_fan_in_only(w, rng):
    """Planted bug: Glorot's bound with fan_in in place of the mean of the two fans."""
    fan_in, _ = init.fan_in_and_fan_out(w.shape)
    bound = math.sqrt(6 / (2 * fan_in))
    w[...] = rng.uniform(-bound, bound, size=w.shape)
    return w


def planted_xavier_half_variance(w, rng):
    """Planted bug: bound sqrt(3 / (fan_in + fan_out)) (the 2 of the variance forgotten)."""
    bound = math.sqrt(3 / sum(init.fan_in_and_fan_out(w.shape)))
    w[...] = rng.uniform(-bound, bound, size=w.shape)
    return w


@pytest.mark.parametrize("planted", [planted_xavier_fan_in_only, planted_xavier_half_variance])
@pytest.mark.parametrize("shape", [(300, 200), (100, 400), (128, 16, 5)], ids=str)
def test_the_moment_check_rejects_a_planted_wrong_xavier(planted, shape):
    fi, fo = init.fan_in_and_fan_out(shape)
    assert moments_match(init.xavier_uniform(shape, np.random.default_rng(1)), 2 / (fi + fo),
                         "uniform")
    wrong = planted(np.zeros(shape), np.random.default_rng(1))
    assert not moments_match(wrong, 2 / (fi + fo), "uniform")


def test_init_std_gives_each_schemes_target():
    fi, fo = 300, 200
    assert init.init_std("torch", fi, fo) == pytest.approx(math.sqrt((1 / math.sqrt(fi)) ** 2 / 3),
                                                           rel=1e-14)
    assert init.init_std("xavier", fi, fo) == pytest.approx(math.sqrt(2 / (fi + fo)), rel=1e-14)
    assert init.init_std("xavier", fi, fo, nonlinearity="tanh") == pytest.approx(
        torch.nn.init.calculate_gain("tanh") * math.sqrt(2 / (fi + fo)), rel=1e-14)
    assert init.init_std("he", fi, fo) == pytest.approx(math.sqrt(2) / math.sqrt(fi), rel=1e-14)
    assert init.init_std("kaiming", fi, nonlinearity="leaky_relu", param=0.1) == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", 0.1) / math.sqrt(fi), rel=1e-14)
    assert init.init_std("lecun", fi, fo) == pytest.approx(1 / math.sqrt(fi), rel=1e-14)
    for scheme in ("torch", "xavier", "he", "lecun"):  # Linear's weights have these stds
        W = Linear(fi, fo, rng=np.random.default_rng(2), init=scheme).W.data
        dist = "normal" if scheme in ("he", "lecun") else "uniform"
        assert moments_match(W, init.init_std(scheme, fi, fo) ** 2, dist)


IN_PLACE = [(init.zeros_, init.zeros, ()), (init.constant_, init.constant, (0.25,)),
            (init.normal_, init.normal, ("rng", 1.0, 2.0)),
            (init.uniform_, init.uniform, ("rng", -1.0, 3.0)),
            (init.xavier_uniform_, init.xavier_uniform, ("rng",)),
            (init.xavier_normal_, init.xavier_normal, ("rng", 2.0)),
            (init.kaiming_uniform_, init.kaiming_uniform, ("rng", 0.1, "fan_out")),
            (init.kaiming_normal_, init.kaiming_normal, ("rng", 0.0, "fan_in", "relu")),
            (init.lecun_uniform_, init.lecun_uniform, ("rng",)),
            (init.lecun_normal_, init.lecun_normal, ("rng",))]


@pytest.mark.parametrize("fill_, new, args", IN_PLACE, ids=lambda v: getattr(v, "__name__", ""))
def test_parameter_and_array_filled_in_place_and_new_arrays_agree(fill_, new, args):
    def call(f, target, seed):
        return f(target, *[np.random.default_rng(seed) if a == "rng" else a for a in args])

    p = Parameter(np.full((6, 4), 7.0))
    assert call(fill_, p, 3) is p.data
    a = np.full((6, 4), 7.0)
    assert call(fill_, a, 3) is a
    big = np.full((6, 8), 7.0)
    call(fill_, big[:, ::2], 3)  # a strided view is filled through
    fresh = call(new, (6, 4), 3)
    assert fresh.dtype == np.float64 and fresh.shape == (6, 4)
    for filled in (a, big[:, ::2], fresh):
        np.testing.assert_array_equal(filled, p.data)
    assert np.all(big[:, 1::2] == 7.0) and not np.any(p.data == 7.0)


def test_zeros_and_constant_are_exact():
    np.testing.assert_array_equal(init.zeros_(Parameter(np.ones((2, 3)))), np.zeros((2, 3)))
    np.testing.assert_array_equal(init.constant_(np.ones(5), -0.1), np.full(5, -0.1))
    np.testing.assert_array_equal(init.constant((2, 2, 2), 1.5), np.full((2, 2, 2), 1.5))
    np.testing.assert_array_equal(init.zeros(3), np.zeros(3))


@pytest.mark.parametrize("D, M, seed", [(64, 32, 0), (5, 7, 3), (400, 300, 11), (1, 1, 2)])
def test_linear_draws_the_numbers_it_drew_before(D, M, seed):
    """Chapters 1-5 are committed with their outputs: Linear's draws must not change by a bit.

    The references are the literal formulas of the code before nntrain.init existed."""
    for name in ("torch", "xavier", "he"):
        old, new = np.random.default_rng(seed), np.random.default_rng(seed)
        if name == "torch":
            bound = 1.0 / np.sqrt(D)
            W = old.uniform(-bound, bound, size=(M, D))
            b = old.uniform(-bound, bound, size=M)
        elif name == "xavier":
            bound = np.sqrt(6.0 / (D + M))
            W, b = old.uniform(-bound, bound, size=(M, D)), np.zeros(M)
        else:
            W, b = old.normal(0.0, np.sqrt(2.0 / D), size=(M, D)), np.zeros(M)
        layer = Linear(D, M, rng=new, init=name)
        np.testing.assert_array_equal(layer.W.data, W)
        np.testing.assert_array_equal(layer.b.data, b)
        assert old.random() == new.random()  # and the generator is left in the same state


def test_linear_torch_default_is_kaiming_uniform_with_a_sqrt5_and_new_inits():
    D, M = 50, 20
    layer = Linear(D, M, rng=np.random.default_rng(4))
    W = init.kaiming_uniform((M, D), np.random.default_rng(4), a=math.sqrt(5))
    np.testing.assert_allclose(layer.W.data, W, rtol=1e-14)  # bounds differ in the last bit
    lecun = Linear(D, M, rng=np.random.default_rng(5), init="lecun")
    np.testing.assert_array_equal(lecun.W.data, init.lecun_normal((M, D), np.random.default_rng(5)))
    custom = Linear(D, M, rng=np.random.default_rng(6), init=init.xavier_normal_)
    np.testing.assert_array_equal(custom.W.data,
                                  init.xavier_normal((M, D), np.random.default_rng(6)))
    assert np.all(lecun.b.data == 0) and np.all(custom.b.data == 0)
    with pytest.raises(ValueError, match="init must be one of .*callable"):
        Linear(D, M, rng=np.random.default_rng(7), init="orthogonal")
    # a callable may also return a new array instead of filling W
    fresh = Linear(D, M, rng=np.random.default_rng(6),
                   init=lambda W, rng: init.xavier_normal(W.shape, rng))
    np.testing.assert_array_equal(fresh.W.data, custom.W.data)
    with pytest.raises(ValueError, match="returned shape"):
        Linear(D, M, rng=np.random.default_rng(7), init=lambda W, rng: np.ones(3))


def test_bad_input_raises_clear_errors():
    rng = np.random.default_rng(8)
    w = np.zeros((4, 3))
    with pytest.raises(ValueError, match="nonlinearity must be one of.*'softmax'"):
        init.calculate_gain("softmax")
    with pytest.raises(ValueError):  # torch refuses it too
        torch.nn.init.calculate_gain("softmax")
    for bad in (True, "0.1"):
        with pytest.raises(ValueError, match="negative slope"):
            init.calculate_gain("leaky_relu", bad)
    with pytest.raises(ValueError, match="mode must be one of.*'fan_avg'"):
        init.kaiming_uniform_(w, rng, mode="fan_avg")
    for shape in ((5,), ()):
        with pytest.raises(ValueError, match=r"at least 2 dimensions .*got shape"):
            init.fan_in_and_fan_out(shape)
        with pytest.raises(ValueError):  # as torch
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_normal_(np.zeros(5), rng)
    for bad_rng in (0, np.random.RandomState(0), None):
        with pytest.raises(ValueError, match="np.random.Generator"):
            init.lecun_normal_(w, bad_rng)
    with pytest.raises(ValueError, match="float64.*float32"):
        init.normal_(np.zeros((2, 2), dtype=np.float32), rng)
    with pytest.raises(ValueError, match="float64.*list"):
        init.zeros_([[0.0, 0.0]])
    with pytest.raises(ValueError, match="a <= b"):
        init.uniform_(w, rng, 1.0, -1.0)
    with pytest.raises(ValueError, match="std >= 0"):
        init.normal_(w, rng, std=-1.0)
    with pytest.raises(ValueError, match="non-negative ints"):
        init.xavier_uniform((3, -2), rng)
    with pytest.raises(ValueError, match="scheme must be one of"):
        init.init_std("glorot", 3, 4)
    with pytest.raises(ValueError, match="needs fan_out"):
        init.init_std("xavier", 3)


# ------------------------------------------------------------ deep linear networks
def log_variances(widths, init_, rng, n=1000):
    """log of the mean square of each layer's signal (inputs x ~ N(0, 1) of shape (n, widths[0])).

    Layer k is ``x @ W.T`` with W of shape (widths[k+1], widths[k]) filled by ``init_(W, rng)``.
    Returns shape (L + 1,): the input's, then each layer's output's."""
    x = rng.standard_normal((n, widths[0]))
    out = [np.log(np.mean(x ** 2))]
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        x = x @ init_(np.zeros((n_out, n_in)), rng).T
        out.append(np.log(np.mean(x ** 2)))
    return np.array(out)


def band(widths, n=1000):
    """How far log var may stray from its expectation after each layer (shape (L + 1,)).

    Given a layer's input X (n, N_x) with A = X^T X / n and mean square v = tr(A) / N_x,
    the output's mean square is v' = (1/N_y) sum_i w_i^T A w_i over the N_y rows w_i ~
    N(0, s^2 I). Each term has mean s^2 tr A and variance 2 s^4 tr(A^2) <= 2 s^4 (tr A)^2
    (A is positive semi-definite), so v' / (N_x s^2 v) has mean 1 and relative standard
    deviation at most sqrt(2 / N_y) (the worst case, X of rank 1; for well-spread inputs
    it is nearer sqrt(2 / (N_x N_y))). The layers' weights are independent, so
    log v_l - log v_0 - sum_k log(N_x,k s_k^2) is a random walk with steps of standard
    deviation <= sqrt(2 / N_y,k) and a drift (Jensen: E log(1 + d) ~ -Var(d)/2) of at most
    -1/N_y,k per layer; log v_0 itself has standard deviation sqrt(2 / (n N_0)). Band:
    the drift plus 5 standard deviations. For 30 layers of width 200: 0.15 + 2.74.
    """
    widths = np.asarray(widths, dtype=float)
    var = 2 / (n * widths[0]) + np.concatenate([[0.0], np.cumsum(2 / widths[1:])])
    drift = np.concatenate([[0.0], np.cumsum(1 / widths[1:])])
    return drift + 5 * np.sqrt(var)


SQUARE = [200] * 31                   # 30 layers of width 200
ALTERNATING = [100, 400] * 15 + [100]  # 30 layers, widths 100 and 400 in turn


@pytest.mark.parametrize("widths", [SQUARE, ALTERNATING], ids=["square", "alternating"])
def test_variance_one_over_fan_in_keeps_the_signal_at_unit_variance(widths):
    logv = log_variances(widths, init.lecun_normal_, np.random.default_rng(10))  # 1 / N_x
    assert np.all(np.abs(logv) <= band(widths))


def test_variance_two_over_fan_in_doubles_the_signal_at_every_layer():
    he = lambda W, rng: init.kaiming_normal_(W, rng, nonlinearity="relu")  # 2 / N_x
    logv = log_variances(SQUARE, he, np.random.default_rng(11))
    L = np.arange(len(SQUARE))
    assert np.all(np.abs(logv - L * np.log(2)) <= band(SQUARE))
    assert abs(np.log2(np.exp(logv[-1])) - 30) <= band(SQUARE)[-1] / np.log(2)


def test_the_band_rejects_a_planted_wrong_fan():
    """Planted bug: var w = 1/fan_out where 1/fan_in belongs. On the alternating net the
    variance goes x 1/4, x 4, x 1/4, ...: the last layer's is about right, and only the
    per-layer band sees the error."""
    wrong = lambda W, rng: init.kaiming_normal_(W, rng, mode="fan_out", nonlinearity="linear")
    logv = log_variances(ALTERNATING, wrong, np.random.default_rng(12))
    assert abs(logv[-1]) <= band(ALTERNATING)[-1]
    assert not np.all(np.abs(logv) <= band(ALTERNATING))
    assert np.abs(logv[1] - np.log(1 / 4)) < 0.1
