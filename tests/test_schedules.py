"""nntrain.schedules against torch.optim.lr_scheduler sequences (float64, rtol 1e-10)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from nntrain import optim, schedules
from nntrain.core import Parameter

pytestmark = pytest.mark.ch4
N = 120


def torch_sequence(make_scheduler, lr0: float, n: int = N, metrics=None) -> np.ndarray:
    torch = pytest.importorskip("torch")
    p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr0)
    sched = make_scheduler(opt)
    lrs = []
    for t in range(n):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step() if metrics is None else sched.step(metrics[t])
    return np.array(lrs)


CASES = {
    "step": (schedules.StepDecay(0.1, step_size=30, gamma=0.5),
             lambda L: (lambda o: L.StepLR(o, step_size=30, gamma=0.5))),
    "exponential": (schedules.ExponentialDecay(0.3, k=0.02),
                    lambda L: (lambda o: L.ExponentialLR(o, gamma=math.exp(-0.02)))),
    "inverse-time": (schedules.InverseTimeDecay(0.3, k=0.1),
                     lambda L: (lambda o: L.LambdaLR(o, lr_lambda=lambda t: 1 / (1 + 0.1 * t)))),
    "linear": (schedules.LinearDecay(0.2, lr_tau=0.002, tau=80),
               lambda L: (lambda o: L.LinearLR(o, start_factor=1.0, end_factor=0.01, total_iters=80))),
    "cosine": (schedules.CosineDecay(0.1, T=50, lr_min=0.001),
               lambda L: (lambda o: L.CosineAnnealingLR(o, T_max=50, eta_min=0.001))),
    "warmup": (schedules.Warmup(0.003, total_iters=49, start_factor=1 / 50),
               lambda L: (lambda o: L.LinearLR(o, start_factor=1 / 50, end_factor=1.0, total_iters=49))),
    "warmup+cosine": (schedules.Warmup(schedules.CosineDecay(0.1, T=100, lr_min=0.001), total_iters=10,
                                       start_factor=0.1),
                      lambda L: (lambda o: L.LambdaLR(o, lr_lambda=lambda t: (0.1 + 0.9 * min(t, 10) / 10) * (
                          0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * t / 100)) / 2) / 0.1))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_schedule_matches_torch(name):
    torch = pytest.importorskip("torch")
    schedule, make = CASES[name]
    expected = torch_sequence(make(torch.optim.lr_scheduler), schedule.lr0)
    np.testing.assert_allclose(schedule.sequence(N), expected, rtol=1e-10)
    # the same through a Scheduler attached to an nntrain optimizer
    opt = optim.SGD([Parameter(np.zeros(2))], lr=123.0)
    sched = schedules.Scheduler(opt, schedule)
    ours = []
    for _ in range(N):
        ours.append(opt.lr)
        opt.step()
        sched.step()
    np.testing.assert_allclose(ours, expected, rtol=1e-10)


def test_planted_bug_off_by_one_schedule_is_rejected():
    torch = pytest.importorskip("torch")
    expected = torch_sequence(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=30, gamma=0.5), 0.1)
    shifted = schedules.StepDecay(0.1, step_size=30, gamma=0.5)(np.arange(1, N + 1))
    assert not np.allclose(shifted, expected, rtol=1e-10)


def test_closed_forms():
    assert schedules.ExponentialDecay(2.0, k=0.5)(4) == pytest.approx(2.0 * math.exp(-2.0), rel=1e-14)
    assert schedules.InverseTimeDecay(2.0, k=0.5)(4) == pytest.approx(2.0 / 3.0, rel=1e-14)
    lin = schedules.LinearDecay(1.0, lr_tau=0.01, tau=100)
    assert lin(50) == pytest.approx(0.505, rel=1e-14)
    np.testing.assert_allclose(lin(np.array([100, 150, 1000])), 0.01, rtol=1e-14)
    assert schedules.CosineDecay(1.0, T=10)(10) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("kwargs", [dict(), dict(mode="max", threshold_mode="abs", threshold=0.05),
                                    dict(patience=3, cooldown=2, factor=0.5, min_lr=0.004)])
def test_reduce_on_plateau_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    # a noisy curve that improves, then plateaus
    metrics = np.concatenate([np.linspace(1.0, 0.3, 30), 0.3 + 0.02 * rng.standard_normal(N - 30)])
    if kwargs.get("mode") == "max":
        metrics = -metrics
    expected = torch_sequence(lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, **kwargs), 0.1,
                              metrics=metrics)
    rp = schedules.ReduceOnPlateau(0.1, **kwargs)
    ours = []
    for m in metrics:
        ours.append(rp.lr)
        rp.step(m)
    np.testing.assert_allclose(ours, expected, rtol=1e-10)
    assert ours[-1] < ours[0]


def test_bad_input():
    with pytest.raises(ValueError, match="step_size"):
        schedules.StepDecay(0.1, step_size=0)
    with pytest.raises(ValueError, match="lr0"):
        schedules.ExponentialDecay(-0.1, k=0.1)
    with pytest.raises(ValueError, match="t must"):
        schedules.InverseTimeDecay(0.1, k=0.1)(-1)
    with pytest.raises(ValueError, match="factor"):
        schedules.ReduceOnPlateau(0.1, factor=2.0)
    with pytest.raises(ValueError, match="schedule"):
        schedules.Scheduler(optim.SGD([Parameter(np.zeros(1))], lr=0.1), lambda t: 0.1)


def test_warmup_closed_form_and_bad_input():
    w = schedules.Warmup(0.003, total_iters=49, start_factor=1 / 50)
    t = np.arange(100)
    np.testing.assert_allclose(w(t), 0.003 * np.minimum(1, (t + 1) / 50), rtol=1e-12)
    assert w(0) == pytest.approx(0.003 / 50, rel=1e-12, abs=0)
    for kwargs in (dict(total_iters=0), dict(total_iters=2.5), dict(total_iters=5, start_factor=0),
                   dict(total_iters=5, start_factor=1.5)):
        with pytest.raises(ValueError):
            schedules.Warmup(0.1, **kwargs)
