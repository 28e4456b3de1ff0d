"""nntrain.optim without torch: input checks, the three momentum forms, Rprop with
backtracking, QuickProp against Fahlman's rule, a property test on random convex
quadratics, and the optimal heavy-ball rate."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nntrain import optim
from nntrain.core import Parameter
from nntrain.optim.errata import AdamCS231n, AdadeltaMIT, rprop_aalto_direction

pytestmark = pytest.mark.ch4

ALL = [optim.SGD, optim.MomentumVelocity, optim.MomentumAverage, optim.Rprop, optim.RpropBacktrack,
       optim.QuickProp, optim.Adagrad, optim.RMSprop, optim.Adadelta, optim.Adam, optim.AdamW]


def run(opt_factory, A, b, w0, steps, lr_schedule=None):
    """Minimise 1/2 w^T A w - b^T w from w0; return iterates of shape (steps + 1, D)."""
    p = Parameter(w0)
    opt = opt_factory([p])
    ws = [p.data.copy()]
    for t in range(steps):
        if lr_schedule is not None:
            opt.param_groups[0]["lr"] = lr_schedule(t)
        opt.zero_grad()
        p.accumulate(A @ p.data - b)
        opt.step()
        ws.append(p.data.copy())
    return np.array(ws)


# -- bad input ----------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL)
def test_negative_lr_is_rejected(cls):
    with pytest.raises(ValueError, match="lr"):
        cls([Parameter(np.zeros(2))], lr=-0.1)


@pytest.mark.parametrize("cls", ALL)
def test_empty_or_duplicate_params_are_rejected(cls):
    with pytest.raises(ValueError, match="at least one"):
        cls([], lr=0.1)
    p = Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="twice"):
        cls([p, p], lr=0.1)
    with pytest.raises(ValueError, match="Parameter"):
        cls([np.zeros(2)], lr=0.1)


@pytest.mark.parametrize("betas", [(1.0, 0.999), (0.9, 1.0), (-0.1, 0.9), (0.9, 1.5)])
def test_betas_outside_unit_interval_are_rejected(betas):
    for cls in (optim.Adam, optim.AdamW, AdamCS231n):
        with pytest.raises(ValueError, match="betas"):
            cls([Parameter(np.zeros(2))], lr=0.1, betas=betas)


def test_other_bad_hyperparameters():
    p = [Parameter(np.zeros(2))]
    with pytest.raises(ValueError, match="alpha"):
        optim.RMSprop(p, alpha=1.0)
    with pytest.raises(ValueError, match="rho"):
        optim.Adadelta(p, rho=1.2)
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="etas"):
        optim.Rprop(p, etas=(1.2, 0.5))
    opt = optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        opt.lr = -1.0


def test_lr_property_and_param_groups_are_the_same_setting():
    p = Parameter(np.ones(3))
    opt = optim.SGD([p], lr=0.5)
    opt.lr = 0.25
    assert opt.param_groups[0]["lr"] == 0.25
    p.accumulate(np.array([1.0, -2.0, 4.0]))
    opt.step()
    np.testing.assert_allclose(p.data, [0.75, 1.5, 0.0])
    opt.zero_grad()
    assert np.all(p.grad == 0)


# -- the three forms of momentum ------------------------------------------------
def _valley():
    A = np.array([[1.0, 0.0], [0.0, 20.0]])
    return A, np.array([1.0, -2.0]), np.array([-3.0, 1.5])


def test_momentum_forms_agree_with_constant_lr():
    A, b, w0 = _valley()
    eta, mu = 0.04, 0.8
    torch_form = run(lambda p: optim.SGD(p, lr=eta, momentum=mu), A, b, w0, 60)
    velocity = run(lambda p: optim.MomentumVelocity(p, lr=eta, momentum=mu), A, b, w0, 60)
    average = run(lambda p: optim.MomentumAverage(p, lr=eta / (1 - mu), gamma=mu), A, b, w0, 60)
    np.testing.assert_allclose(velocity, torch_form, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(average, torch_form, rtol=1e-10, atol=1e-12)


def test_momentum_forms_part_ways_when_lr_changes():
    A, b, w0 = _valley()
    mu = 0.8
    sched = lambda t: 0.04 if t < 10 else 0.01  # noqa: E731
    torch_form = run(lambda p: optim.SGD(p, lr=0.04, momentum=mu), A, b, w0, 20, sched)
    velocity = run(lambda p: optim.MomentumVelocity(p, lr=0.04, momentum=mu), A, b, w0, 20, sched)
    np.testing.assert_allclose(velocity[:11], torch_form[:11], rtol=1e-10)
    assert np.abs(velocity[12] - torch_form[12]).max() > 1e-3


def test_dampened_torch_buffer_is_not_the_mit_average_at_the_start():
    """torch's buffer starts at g (undampened), the MIT appendix's average at (1 - gamma) g."""
    A, b, w0 = _valley()
    damp = run(lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.9), A, b, w0, 5)
    avg = run(lambda p: optim.MomentumAverage(p, lr=0.1, gamma=0.9), A, b, w0, 5)
    assert np.abs(damp[1] - avg[1]).max() > 0.1


# -- Rprop with weight backtracking -------------------------------------------
def test_rprop_backtrack_reverts_the_step_after_a_sign_change():
    p = Parameter(np.array([0.0]))
    opt = optim.RpropBacktrack([p], lr=1.0, etas=(0.5, 1.2))
    history = []
    for g in [1.0, 1.0, -1.0, 1.0]:
        opt.zero_grad()
        p.accumulate(np.array([g]))
        opt.step()
        history.append((p.data[0], opt.state[p]["step_size"][0]))
    # steps: -1 (size 1), -1.2 (size 1.2), sign change: undo -> back to -1, size 0.6; then -0.6
    np.testing.assert_allclose(history, [(-1.0, 1.0), (-2.2, 1.2), (-1.0, 0.6), (-1.6, 0.6)])


def test_torch_rprop_skips_instead_of_reverting():
    p = Parameter(np.array([0.0]))
    opt = optim.Rprop([p], lr=1.0, etas=(0.5, 1.2))
    xs = []
    for g in [1.0, 1.0, -1.0, 1.0]:
        opt.zero_grad()
        p.accumulate(np.array([g]))
        opt.step()
        xs.append(p.data[0])
    np.testing.assert_allclose(xs, [-1.0, -2.2, -2.2, -2.8])


def test_aalto_rprop_direction_is_the_sign():
    g = np.array([-3.0, -1e-2, 2e-3, 5.0])
    np.testing.assert_allclose(rprop_aalto_direction(g, eps=1e-12), np.sign(g), rtol=1e-6)


# -- QuickProp ------------------------------------------------------------------
def quickprop_transcription(d, s, p, eps, mu):
    """Fahlman's (1988) rule for one weight, written as in his published code (s: slope, p: previous slope)."""
    shrink = mu / (1.0 + mu)
    step = 0.0
    if d < 0:
        if s > 0:
            step -= eps * s
        if s >= shrink * p:
            step += mu * d
        else:
            step += d * s / (p - s)
    elif d > 0:
        if s < 0:
            step -= eps * s
        if s <= shrink * p:
            step += mu * d
        else:
            step += d * s / (p - s)
    else:
        step -= eps * s
    return step


def test_quickprop_matches_fahlmans_rule():
    rng = np.random.default_rng(3)
    D = 6
    A = np.diag(rng.uniform(0.5, 3.0, D))
    b = rng.standard_normal(D)
    w = rng.standard_normal(D)
    p = Parameter(w)
    opt = optim.QuickProp([p], lr=0.2, mu=1.75)
    d, prev = np.zeros(D), np.zeros(D)
    for _ in range(15):
        s = A @ w - b
        step = np.array([quickprop_transcription(d[i], s[i], prev[i], 0.2, 1.75) for i in range(D)])
        w, d, prev = w + step, step, s
        opt.zero_grad()
        p.accumulate(A @ p.data - b)
        opt.step()
        np.testing.assert_allclose(p.data, w, rtol=1e-12, atol=1e-14)


def test_quickprop_solves_a_1d_quadratic_in_one_secant_step():
    a, w_star = 4.0, 0.7
    p = Parameter(np.array([3.0]))
    opt = optim.QuickProp([p], lr=0.4)  # a * lr = 1.6 > 1: the first step overshoots
    for _ in range(2):
        opt.zero_grad()
        p.accumulate(a * (p.data - w_star))
        opt.step()
    np.testing.assert_allclose(p.data, [w_star], rtol=1e-14)


# -- errata ---------------------------------------------------------------------
def test_cs231n_adam_feeds_corrected_average_back():
    """For a constant gradient, Adam's mhat is exactly g; the CS231n-style notes' v grows beyond g."""
    p, q = Parameter(np.zeros(1)), Parameter(np.zeros(1))
    adam, bad = optim.Adam([p], lr=0.0), AdamCS231n([q], lr=0.0)
    for _ in range(3):
        for opt, par in ((adam, p), (bad, q)):
            opt.zero_grad()
            par.accumulate(np.array([2.0]))
            opt.step()
    t = adam.state[p]["step"]
    np.testing.assert_allclose(adam.state[p]["exp_avg"] / (1 - 0.9**t), [2.0])
    assert bad.state[q]["exp_avg"][0] > 2.5


def test_mit_adadelta_equals_rmsprop_exactly():
    A, b, w0 = _valley()
    x = run(lambda p: AdadeltaMIT(p, lr=0.05, gamma=0.9, eps=1e-8), A, b, w0, 30)
    y = run(lambda p: optim.RMSprop(p, lr=0.05, alpha=0.9, eps=1e-8), A, b, w0, 30)
    np.testing.assert_allclose(x, y, rtol=1e-12)


# -- property: a sensible setting lowers a random convex quadratic ---------------
SENSIBLE = {
    "SGD": lambda p: optim.SGD(p, lr=0.1),
    "SGD momentum": lambda p: optim.SGD(p, lr=0.05, momentum=0.5),
    "SGD Nesterov": lambda p: optim.SGD(p, lr=0.05, momentum=0.5, nesterov=True),
    "velocity": lambda p: optim.MomentumVelocity(p, lr=0.05, momentum=0.5),
    "average": lambda p: optim.MomentumAverage(p, lr=0.1, gamma=0.5),
    "Rprop": lambda p: optim.Rprop(p, lr=0.01),
    "Rprop backtrack": lambda p: optim.RpropBacktrack(p, lr=0.01),
    "QuickProp": lambda p: optim.QuickProp(p, lr=0.05),
    "Adagrad": lambda p: optim.Adagrad(p, lr=0.1),
    "RMSprop": lambda p: optim.RMSprop(p, lr=0.01),
    "RMSprop centered": lambda p: optim.RMSprop(p, lr=0.01, centered=True, momentum=0.5),
    "Adadelta": lambda p: optim.Adadelta(p),
    "Adam": lambda p: optim.Adam(p, lr=0.05),
    "Adam amsgrad": lambda p: optim.Adam(p, lr=0.05, amsgrad=True),
    "AdamW": lambda p: optim.AdamW(p, lr=0.05, weight_decay=0.0),
}


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), dim=st.integers(1, 5), radius=st.floats(0.5, 3.0))
def test_every_optimizer_lowers_a_random_convex_quadratic(seed, dim, radius):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    A = (Q * rng.uniform(0.5, 4.0, dim)) @ Q.T
    A = (A + A.T) / 2
    w_star = rng.standard_normal(dim)
    u = rng.standard_normal(dim)
    w0 = w_star + radius * u / np.linalg.norm(u)

    def loss(w):
        return 0.5 * (w - w_star) @ A @ (w - w_star)

    for name, make in SENSIBLE.items():
        ws = run(make, A, A @ w_star, w0, 20)
        assert loss(ws[-1]) < loss(ws[0]), name


# -- the optimal heavy ball -----------------------------------------------------
@pytest.mark.parametrize("kappa", [10.0, 100.0])
def test_optimal_momentum_contracts_at_the_predicted_rate(kappa):
    lo, hi = 1.0, kappa
    eta = 4 / (np.sqrt(lo) + np.sqrt(hi)) ** 2
    beta = ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2
    A = np.diag([lo, 3.0, hi])
    ws = run(lambda p: optim.SGD(p, lr=eta, momentum=beta), A, np.zeros(3), np.array([1.0, 1.0, 1.0]), 400)
    d = np.linalg.norm(ws, axis=1)
    measured = (d[400] / d[200]) ** (1 / 200)
    predicted = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    assert abs(measured / predicted - 1) < 0.01


# --------------------------------------------------- no temporaries per step
@pytest.mark.parametrize("kwargs", [dict(momentum=0.9), dict(momentum=0.9, nesterov=True),
                                    dict(momentum=0.9, dampening=0.5), dict()])
def test_sgd_step_allocates_no_parameter_sized_temporaries(kwargs):
    """After the first step (which creates the buffer and the work array),
    a step allocates nothing the size of a parameter: `p -= lr * g` would
    (a fresh 8 MB array here), and so would `buf += (1 - dampening) * g`.
    The finiteness check's boolean array is an eighth of that."""
    import tracemalloc

    from nntrain.optim import SGD, MomentumAverage, MomentumVelocity
    n = 1_000_000
    for make in (lambda ps: SGD(ps, lr=1e-3, **kwargs),
                 lambda ps: MomentumVelocity(ps, lr=1e-3),
                 lambda ps: MomentumAverage(ps, lr=1e-3)):
        p = Parameter(np.ones(n))
        p.grad[...] = 0.5
        opt = make([p])
        opt.step()
        tracemalloc.start()
        try:
            opt.step()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 8 * n / 4, (type(opt).__name__, kwargs, peak)


# ------------------------------------------------------- updates in blocks
def test_blocks_are_views_that_cover_the_arrays_once():
    from nntrain.optim.base import BLOCK, blocks
    a = np.arange(2 * BLOCK + 5, dtype=float).reshape(-1, 1)
    b = np.zeros_like(a)
    pieces = list(blocks(a, b))
    assert [len(x) for x, _ in pieces] == [BLOCK, BLOCK, 5]
    for x, y in pieces:
        y += x                                # writing through the views
    assert np.array_equal(b, a)
    t = np.ones((3, 4)).T                     # not C-contiguous: one whole block
    (whole, ), = [tuple(blk) for blk in blocks(t)]
    assert whole is t


@pytest.mark.parametrize("kwargs", [dict(momentum=0.9), dict(momentum=0.9, nesterov=True),
                                    dict(momentum=0.9, dampening=0.3, weight_decay=0.01), dict()])
def test_sgd_in_blocks_is_bit_identical_to_whole_arrays(kwargs, monkeypatch):
    """The blocks change where the arithmetic happens, not what it computes:
    several blocks, one block, and a non-contiguous parameter give the same bits."""
    from nntrain.optim import SGD, base
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(1000)
    grads = [rng.standard_normal(1000) for _ in range(5)]

    def run(block, transpose=False):
        monkeypatch.setattr(base, "BLOCK", block)
        p = Parameter(w0.reshape(25, 40))
        if transpose:
            p.data = np.ascontiguousarray(p.data.T).T   # same values, Fortran order
        opt = SGD([p], lr=0.1, **kwargs)
        for g in grads:
            p.grad[...] = g.reshape(25, 40)
            opt.step()
        return p.data.copy()

    whole = run(1 << 30)
    assert np.array_equal(run(64), whole)
    assert np.array_equal(run(7), whole)
    assert np.array_equal(run(64, transpose=True), whole)
