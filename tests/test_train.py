"""nntrain.train.fit: determinism, agreement with the loop written by hand, and what it records.

The checks that fit trains on a fresh shuffle of every example each epoch look
at what the model actually receives (a spy module records the rows of every
forward pass). Planted bugs show the checks can fail: a ``batches`` that
reuses the first epoch's order, one that draws from an unseeded generator, and
one that hands out a single exhausted generator.
"""
from __future__ import annotations

import numpy as np
import pytest

from nntrain.averaging import AveragedModel
from nntrain.clipping import clip_grad_norm_
from nntrain.core import Module
from nntrain.data import minibatches
from nntrain.layers import Linear, ReLU, Sequential
from nntrain.losses import mse_loss, softmax_cross_entropy
from nntrain.optim import SGD, Adam
from nntrain.schedules import ReduceOnPlateau, Scheduler, StepDecay
from nntrain.synthetic import linear_regression, two_moons
from nntrain.train import History, fit, interactive

pytestmark = pytest.mark.ch5


def accuracy(logits, y):
    return float(np.mean(logits.argmax(1) == y))


def moons_run(seed=0, batches=None, epochs=4, averager=True):
    """A 2-16-2 ReLU net on two moons with Adam, a step schedule, norm clipping, an EMA and validation."""
    X, y = two_moons(200, np.random.default_rng(seed))
    Xv, yv = two_moons(100, np.random.default_rng(seed + 1))
    rng = np.random.default_rng(seed + 2)
    model = Sequential(Linear(2, 16, rng=rng), ReLU(), Linear(16, 2, rng=rng))
    opt = Adam(model.parameters(), lr=0.05)
    ema = AveragedModel(model, decay=0.9) if averager else None
    if batches is None:
        batches = lambda epoch: minibatches(X, y, 32, rng)  # noqa: E731
    history = fit(model, softmax_cross_entropy, opt, batches, epochs, schedule=Scheduler(opt, StepDecay(0.05, 2, 0.5)),
                  clip=("norm", 1.0), averager=ema, validation=(Xv, yv, accuracy), progress=False)
    return history, model, ema, (X, y, Xv, yv)


def same_history(a: History, b: History) -> bool:
    fields = ("loss", "epoch_loss", "val_metric", "lr", "batches_per_epoch")
    return all(getattr(a, f) == getattr(b, f) for f in fields)


def test_deterministic_given_seeds():
    h1, m1, _, _ = moons_run(seed=0)
    h2, m2, _, _ = moons_run(seed=0)
    assert same_history(h1, h2)
    for p, q in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    h3, _, _, _ = moons_run(seed=1)
    assert not same_history(h1, h3)


def test_planted_bug_unseeded_shuffling_breaks_determinism():
    """The determinism check can fail: batches drawn from np.random.default_rng() (no seed) differ run to run."""
    X, y = two_moons(200, np.random.default_rng(0))
    unseeded = lambda epoch: minibatches(X, y, 32, np.random.default_rng())  # noqa: E731
    h1, _, _, _ = moons_run(batches=unseeded)
    h2, _, _, _ = moons_run(batches=unseeded)
    assert not same_history(h1, h2)


def test_history_is_consistent():
    h, model, ema, (X, y, Xv, yv) = moons_run(epochs=5)
    assert h.batches_per_epoch == [7] * 5 and len(h.loss) == 35  # 200 = 6 * 32 + 8
    sizes = np.array([32] * 6 + [8])
    for e in range(5):
        np.testing.assert_allclose(h.epoch_loss[e], np.dot(h.loss[7 * e:7 * e + 7], sizes) / 200, rtol=1e-12)
    assert h.lr == [0.05, 0.05, 0.025, 0.025, 0.0125]
    assert len(h.val_metric) == 5 and len(h.time) == 5 and all(t >= 0 for t in h.time)
    assert h.val_metric[-1] == accuracy(ema(Xv), yv)  # validation uses the averaged model
    assert not all(np.array_equal(p.data, q.data) for p, q in zip(model.parameters(), ema.parameters()))
    assert set(h.as_arrays()) == {"loss", "epoch_loss", "val_metric", "lr", "time", "batches_per_epoch"}


def test_matches_the_loop_written_by_hand():
    X, y, _ = linear_regression(90, 3, np.random.default_rng(0), noise=0.5)
    Y = y[:, None]

    def setup():
        model = Sequential(Linear(3, 1, rng=np.random.default_rng(1)))
        opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
        return model, opt, AveragedModel(model), np.random.default_rng(2)

    model, opt, avg, rng = setup()
    h = fit(model, mse_loss, opt, lambda e: minibatches(X, Y, 16, rng), 3, clip=("norm", 0.5), averager=avg,
            progress=False)
    model2, opt2, avg2, rng2 = setup()
    losses = []
    for _ in range(3):
        for Xb, Yb in minibatches(X, Y, 16, rng2):
            model2.zero_grad()
            loss, dpred = mse_loss(model2(Xb), Yb)
            model2.backward(dpred)
            clip_grad_norm_(model2.parameters(), 0.5)
            opt2.step()
            avg2.update_parameters(model2)
            losses.append(loss)
    assert h.loss == losses
    for p, q in zip(model.parameters() + avg.parameters(), model2.parameters() + avg2.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


# ------------------------------------------------ what the model receives: a fresh shuffle each epoch
class Spy(Module):
    """Wraps a model and records which training examples (by row) each training forward pass received."""

    def __init__(self, inner: Module, X: np.ndarray):
        self.inner = inner
        self.row_of = {row.tobytes(): i for i, row in enumerate(X)}
        self.seen: list[list[int]] = []

    def forward(self, x):
        if self.training:
            self.seen.append([self.row_of[row.tobytes()] for row in x])
        return self.inner.forward(x)

    def backward(self, dout):
        return self.inner.backward(dout)


def shuffle_problems(spy: Spy, history: History, N: int) -> list[str]:
    """Epochs in which the model did not see each example once, or saw them in the previous epoch's order."""
    orders, start = [], 0
    for n in history.batches_per_epoch:
        orders.append(np.concatenate([np.array(b) for b in spy.seen[start:start + n]]))
        start += n
    problems = [f"epoch {e}: not every example exactly once" for e, o in enumerate(orders)
                if sorted(o.tolist()) != list(range(N))]
    problems += [f"epoch {e}: same order as epoch {e - 1}" for e in range(1, len(orders))
                 if np.array_equal(orders[e], orders[e - 1])]
    return problems


def spy_run(make_batches, epochs=3):
    X, y = two_moons(60, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    spy = Spy(Sequential(Linear(2, 2, rng=rng)), X)
    h = fit(spy, softmax_cross_entropy, SGD(spy.parameters(), lr=0.1), make_batches(X, y, rng), epochs,
            progress=False)
    return spy, h, len(X)


def test_every_epoch_is_a_fresh_shuffle_of_every_example():
    spy, h, N = spy_run(lambda X, y, rng: (lambda epoch: minibatches(X, y, 16, rng)))
    assert shuffle_problems(spy, h, N) == []


def test_planted_bug_reusing_the_first_epochs_order_is_caught():
    def frozen(X, y, rng):
        first = list(minibatches(X, y, 16, rng))
        return lambda epoch: first
    spy, h, N = spy_run(frozen)
    assert shuffle_problems(spy, h, N) == ["epoch 1: same order as epoch 0", "epoch 2: same order as epoch 1"]


def test_planted_bug_one_generator_for_all_epochs_raises():
    """A single generator is exhausted after epoch 0: fit refuses an empty epoch instead of silently skipping it."""
    def once(X, y, rng):
        gen = minibatches(X, y, 16, rng)
        return lambda epoch: gen
    with pytest.raises(ValueError, match=r"batches\(1\) yielded no batch"):
        spy_run(once)


# ----------------------------------------------------------------------- schedules, progress, errors
def test_reduce_on_plateau_steps_on_the_validation_metric():
    X, y, _ = linear_regression(64, 2, np.random.default_rng(0), noise=0.1)
    model = Sequential(Linear(2, 1, rng=np.random.default_rng(1)))
    opt = SGD(model.parameters(), lr=0.01)
    constant = (X, y, lambda pred, target: 1.0)  # never improves after the first epoch
    h = fit(model, mse_loss, opt, lambda e: [(X, y[:, None])], 4, schedule=ReduceOnPlateau(opt, patience=1),
            validation=constant, progress=False)
    assert h.lr == [0.01, 0.01, 0.01, 0.001]


def test_progress_is_quiet_under_pytest_and_shown_on_request(capsys,
                                                           monkeypatch):
    # make test exports TQDM_DISABLE=1, which tqdm itself honours
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    assert interactive() is False
    X, y, _ = linear_regression(32, 2, np.random.default_rng(0))
    model = Sequential(Linear(2, 1, rng=np.random.default_rng(1)))
    fit(model, mse_loss, SGD(model.parameters(), lr=0.01), lambda e: [(X, y[:, None])], 2)
    assert capsys.readouterr().err == ""
    fit(model, mse_loss, SGD(model.parameters(), lr=0.01), lambda e: [(X, y[:, None])], 2, progress=True)
    assert "epochs" in capsys.readouterr().err


def test_bad_arguments_raise_before_any_update():
    X, y, _ = linear_regression(32, 2, np.random.default_rng(0))
    model = Sequential(Linear(2, 1, rng=np.random.default_rng(1)))
    before = model.parameters()[0].data.copy()
    opt = SGD(model.parameters(), lr=0.1)
    good = dict(model=model, loss_fn=mse_loss, optimizer=opt, batches=lambda e: [(X, y[:, None])], epochs=2)
    bad = [(dict(model=object()), "model"), (dict(loss_fn=3), "loss_fn"), (dict(optimizer=None), "optimizer"),
           (dict(batches=[(X, y)]), "batches"), (dict(epochs=0), "epochs"), (dict(epochs=1.5), "epochs"),
           (dict(clip=("norm", -1.0)), "clip"), (dict(clip=("max", 1.0)), "clip"), (dict(clip=1.0), "clip"),
           (dict(validation=(X, y)), "validation"), (dict(validation=(X, y[:3], mse_loss)), "X_val"),
           (dict(schedule=0.1), "schedule"), (dict(averager=model), "averager")]
    for change, match in bad:
        with pytest.raises(ValueError, match=match):
            fit(**{**good, **change}, progress=False)
    np.testing.assert_array_equal(model.parameters()[0].data, before)
