"""nntrain.averaging against torch.optim.swa_utils.AveragedModel, in float64.

The same small network is built in nntrain and torch (weights copied); the
nntrain one is trained with SGD and after every step its weights are copied
into the torch one, so both averagers see the same weight trajectory. The
averaged parameters must agree at rtol 1e-10 after every update, for the
equal-weight mean and for the EMA. Planted bugs (an EMA that does not copy at
the first update, an EMA with gamma and 1 - gamma swapped, a mean dividing by k
instead of k + 1) must be rejected by the same comparison.
"""
from __future__ import annotations

import numpy as np
import pytest

from nntrain.averaging import AveragedModel
from nntrain.layers import Linear, Sequential, Tanh
from nntrain.losses import mse_loss
from nntrain.optim import SGD

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.ch5

RTOL, ATOL = 1e-10, 1e-13


def pair(seed: int):
    """The same 4-5-3 tanh network in nntrain and in torch (float64)."""
    model = Sequential(Linear(4, 5, rng=np.random.default_rng(seed)), Tanh(),
                       Linear(5, 3, rng=np.random.default_rng(seed + 1)))
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3)).double()
    copy_into(model, tmodel)
    return model, tmodel


def copy_into(model, tmodel) -> None:
    with torch.no_grad():
        for p, tp in zip(model.parameters(), tmodel.parameters(), strict=True):
            tp.copy_(torch.from_numpy(p.data))


def mismatches(make_ours, make_torch, seed: int = 0, updates: int = 12) -> list[str]:
    """Train 12 SGD steps, updating both averagers after each; return every disagreement (empty if none)."""
    model, tmodel = pair(seed)
    ours, theirs = make_ours(model), make_torch(tmodel)
    rng = np.random.default_rng(seed + 100)
    opt = SGD(model.parameters(), lr=0.3)
    problems = []
    for k in range(updates):
        X, Y = rng.standard_normal((8, 4)), rng.standard_normal((8, 3))
        model.zero_grad()
        _, dpred = mse_loss(model(X), Y)
        model.backward(dpred)
        opt.step()
        copy_into(model, tmodel)
        ours.update_parameters(model)
        theirs.update_parameters(tmodel)
        if ours.n_averaged != int(theirs.n_averaged):
            problems.append(f"update {k + 1}: n_averaged {ours.n_averaged} != torch's {int(theirs.n_averaged)}")
        for i, (p, tp) in enumerate(zip(ours.parameters(), theirs.module.parameters(), strict=True)):
            if not np.allclose(p.data, tp.detach().numpy(), rtol=RTOL, atol=ATOL):
                problems.append(f"update {k + 1}: averaged parameter {i} differs")
        X = rng.standard_normal((6, 4))
        if not np.allclose(ours(X), theirs(torch.from_numpy(X)).detach().numpy(), rtol=RTOL, atol=ATOL):
            problems.append(f"update {k + 1}: the averaged model's output differs")
        if problems:
            break
    return problems


def torch_mean(m):
    return torch.optim.swa_utils.AveragedModel(m)


def torch_ema(decay):
    return lambda m: torch.optim.swa_utils.AveragedModel(
        m, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(decay))


def test_equal_weight_mean_matches_torch():
    assert mismatches(lambda m: AveragedModel(m), torch_mean) == []


@pytest.mark.parametrize("decay", [0.0, 0.5, 0.9, 0.999, 1.0])
def test_ema_matches_torch(decay):
    assert mismatches(lambda m: AveragedModel(m, decay=decay), torch_ema(decay), seed=int(decay * 1000)) == []


class EmaFromInitialization(AveragedModel):
    """Planted bug: applies the EMA rule at the first update too (starting from the copy's initial weights)."""

    def update_parameters(self, model):
        for avg, p in zip(self.module.parameters(), model.parameters()):
            avg.data[...] = self.decay * avg.data + (1 - self.decay) * p.data
        self.n_averaged += 1


class EmaSwapped(AveragedModel):
    """Planted bug: theta' <- (1 - gamma) theta' + gamma theta."""

    def update_parameters(self, model):
        for avg, p in zip(self.module.parameters(), model.parameters()):
            avg.data[...] = p.data if self.n_averaged == 0 else (1 - self.decay) * avg.data + self.decay * p.data
        self.n_averaged += 1


class MeanOffByOne(AveragedModel):
    """Planted bug: theta' <- theta' + (theta - theta') / k, k = n_averaged."""

    def update_parameters(self, model):
        for avg, p in zip(self.module.parameters(), model.parameters()):
            avg.data[...] = p.data if self.n_averaged == 0 else avg.data + (p.data - avg.data) / self.n_averaged
        self.n_averaged += 1


@pytest.mark.parametrize("bug, torch_side, first_bad", [
    (lambda m: EmaFromInitialization(m, decay=0.9), torch_ema(0.9), 1),
    (lambda m: EmaSwapped(m, decay=0.9), torch_ema(0.9), 2),
    (lambda m: MeanOffByOne(m), torch_mean, 2),
])
def test_planted_bugs_are_rejected(bug, torch_side, first_bad):
    problems = mismatches(bug, torch_side)
    assert problems and problems[0].startswith(f"update {first_bad}:")


def test_closed_forms_and_the_copy_is_independent():
    model, _ = pair(3)
    before = [p.data.copy() for p in model.parameters()]
    mean, ema = AveragedModel(model), AveragedModel(model, decay=0.8)
    seen = []
    rng = np.random.default_rng(0)
    for _ in range(5):
        for p in model.parameters():
            p.data += rng.standard_normal(p.shape)
        seen.append([p.data.copy() for p in model.parameters()])
        mean.update_parameters(model)
        ema.update_parameters(model)
    weights = 0.8 ** np.arange(4, -1, -1) * np.r_[1.0, [0.2] * 4]  # gamma^(k-1), then (1 - gamma) gamma^(k-i)
    for i, (pm, pe) in enumerate(zip(mean.parameters(), ema.parameters())):
        stack = np.stack([s[i] for s in seen])
        np.testing.assert_allclose(pm.data, stack.mean(0), rtol=1e-12)
        np.testing.assert_allclose(pe.data, np.tensordot(weights, stack, axes=1), rtol=1e-12)
        assert not np.shares_memory(pm.data, model.parameters()[i].data)
    assert mean.n_averaged == ema.n_averaged == 5
    mean.update_parameters(model)  # the model's own weights were never overwritten by the averagers
    np.testing.assert_array_equal(model.parameters()[0].data, seen[-1][0])
    assert not np.array_equal(before[0], seen[-1][0])


def test_bad_arguments_raise():
    model, _ = pair(0)
    for decay in (-0.1, 1.5, np.nan, "0.9", True):
        with pytest.raises(ValueError, match="decay"):
            AveragedModel(model, decay=decay)
    with pytest.raises(ValueError, match="Module"):
        AveragedModel(object())
    other = Sequential(Linear(4, 6, rng=np.random.default_rng(0)))
    with pytest.raises(ValueError, match="shapes"):
        AveragedModel(model).update_parameters(other)
    with pytest.raises(RuntimeError, match="evaluation"):
        AveragedModel(model).backward(np.zeros((1, 3)))
