"""nntrain.optim against torch.optim, step for step, in float64.

Every algorithm torch has runs 50 steps on a random convex quadratic whose
parameters are split over three tensors of different shapes; the learning rate
changes after step 25. Parameters and every state entry must agree at rtol 1e-10.
A planted bug (Adam without bias correction, Adam with eps inside the root)
must be rejected by the same comparison.
"""
from __future__ import annotations

import numpy as np
import pytest

from nntrain.core import Parameter
from nntrain import optim

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.ch4

SHAPES = [(3, 2), (4,), (2, 2)]
RTOL, ATOL = 1e-10, 1e-13


def random_problem(seed: int):
    """A random SPD matrix A (D, D), b (D,), and starting tensors of SHAPES."""
    rng = np.random.default_rng(seed)
    D = sum(int(np.prod(s)) for s in SHAPES)
    Q, _ = np.linalg.qr(rng.standard_normal((D, D)))
    A = (Q * rng.uniform(0.1, 5.0, D)) @ Q.T
    A = (A + A.T) / 2
    b = rng.standard_normal(D)
    starts = [rng.standard_normal(s) for s in SHAPES]
    return A, b, starts


def _split(theta, like):
    out, i = [], 0
    for s in like:
        n = int(np.prod(s))
        out.append(theta[i:i + n].reshape(s))
        i += n
    return out


def mismatches(make_ours, make_torch, seed: int = 0, steps: int = 50, lr_change_at: int = 25,
               lr_factor: float = 0.3, compare_state: bool = True) -> list[str]:
    """Run both optimizers on the same problem; return every disagreement (empty list if none).

    The run stops at the first step with a disagreement. ``compare_state=False``
    compares parameters only (for the notes' variants, whose state differs).
    """
    A, b, starts = random_problem(seed)
    ours = [Parameter(s) for s in starts]
    theirs = [torch.tensor(s, dtype=torch.float64, requires_grad=True) for s in starts]
    opt, topt = make_ours(ours), make_torch(theirs)
    At, bt = torch.tensor(A), torch.tensor(b)
    problems = []
    for t in range(steps):
        if t == lr_change_at:
            opt.param_groups[0]["lr"] *= lr_factor
            topt.param_groups[0]["lr"] *= lr_factor
        opt.zero_grad()
        theta = np.concatenate([p.data.ravel() for p in ours])
        for p, g in zip(ours, _split(A @ theta - b, SHAPES)):
            p.accumulate(g)
        opt.step()
        topt.zero_grad()
        tt = torch.cat([p.reshape(-1) for p in theirs])
        loss = 0.5 * tt @ At @ tt - bt @ tt
        loss.backward()
        topt.step()
        for k, (p, tp) in enumerate(zip(ours, theirs)):
            if not np.allclose(p.data, tp.detach().numpy(), rtol=RTOL, atol=ATOL):
                problems.append(f"step {t + 1}: parameter {k} differs")
            ts = topt.state[tp]
            if not compare_state:
                continue
            if set(opt.state[p]) != set(ts):
                problems.append(f"step {t + 1}: state keys {sorted(opt.state[p])} != torch's {sorted(ts)}")
                continue
            for key, val in ts.items():
                val = val.detach().numpy() if torch.is_tensor(val) else np.asarray(val)
                if not np.allclose(np.asarray(opt.state[p][key], dtype=float), val, rtol=RTOL, atol=ATOL):
                    problems.append(f"step {t + 1}: state[{key!r}] of parameter {k} differs")
        if problems:
            break
    return problems


CASES = {
    "sgd": (lambda p: optim.SGD(p, lr=0.05), lambda p: torch.optim.SGD(p, lr=0.05, foreach=False)),
    "sgd-momentum": (lambda p: optim.SGD(p, lr=0.03, momentum=0.9),
                     lambda p: torch.optim.SGD(p, lr=0.03, momentum=0.9, foreach=False)),
    "sgd-dampening": (lambda p: optim.SGD(p, lr=0.05, momentum=0.8, dampening=0.3),
                      lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, dampening=0.3, foreach=False)),
    "sgd-nesterov": (lambda p: optim.SGD(p, lr=0.03, momentum=0.9, nesterov=True),
                     lambda p: torch.optim.SGD(p, lr=0.03, momentum=0.9, nesterov=True, foreach=False)),
    "sgd-weight-decay": (lambda p: optim.SGD(p, lr=0.04, momentum=0.5, weight_decay=0.1),
                         lambda p: torch.optim.SGD(p, lr=0.04, momentum=0.5, weight_decay=0.1, foreach=False)),
    "rprop": (lambda p: optim.Rprop(p, lr=0.02), lambda p: torch.optim.Rprop(p, lr=0.02, foreach=False)),
    "rprop-etas": (lambda p: optim.Rprop(p, lr=0.1, etas=(0.3, 1.5), step_sizes=(1e-4, 0.5)),
                   lambda p: torch.optim.Rprop(p, lr=0.1, etas=(0.3, 1.5), step_sizes=(1e-4, 0.5), foreach=False)),
    "adagrad": (lambda p: optim.Adagrad(p, lr=0.3), lambda p: torch.optim.Adagrad(p, lr=0.3, foreach=False)),
    "adagrad-options": (lambda p: optim.Adagrad(p, lr=0.3, lr_decay=0.01, weight_decay=0.05,
                                                initial_accumulator_value=0.1, eps=1e-6),
                        lambda p: torch.optim.Adagrad(p, lr=0.3, lr_decay=0.01, weight_decay=0.05,
                                                      initial_accumulator_value=0.1, eps=1e-6, foreach=False)),
    "rmsprop": (lambda p: optim.RMSprop(p, lr=0.01), lambda p: torch.optim.RMSprop(p, lr=0.01, foreach=False)),
    "rmsprop-centered": (lambda p: optim.RMSprop(p, lr=0.01, alpha=0.9, centered=True),
                         lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, centered=True, foreach=False)),
    "rmsprop-momentum": (lambda p: optim.RMSprop(p, lr=0.005, momentum=0.8, weight_decay=0.01),
                         lambda p: torch.optim.RMSprop(p, lr=0.005, momentum=0.8, weight_decay=0.01,
                                                       foreach=False)),
    "rmsprop-centered-momentum": (lambda p: optim.RMSprop(p, lr=0.005, momentum=0.5, centered=True),
                                  lambda p: torch.optim.RMSprop(p, lr=0.005, momentum=0.5, centered=True,
                                                                foreach=False)),
    "adadelta": (lambda p: optim.Adadelta(p), lambda p: torch.optim.Adadelta(p, foreach=False)),
    "adadelta-options": (lambda p: optim.Adadelta(p, lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.02),
                         lambda p: torch.optim.Adadelta(p, lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.02,
                                                        foreach=False)),
    "adam": (lambda p: optim.Adam(p, lr=0.05), lambda p: torch.optim.Adam(p, lr=0.05, foreach=False)),
    "adam-weight-decay": (lambda p: optim.Adam(p, lr=0.05, betas=(0.8, 0.99), weight_decay=0.1),
                          lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.99), weight_decay=0.1,
                                                     foreach=False)),
    "adam-amsgrad": (lambda p: optim.Adam(p, lr=0.05, amsgrad=True),
                     lambda p: torch.optim.Adam(p, lr=0.05, amsgrad=True, foreach=False)),
    "adamw": (lambda p: optim.AdamW(p, lr=0.05, weight_decay=0.1),
              lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.1, foreach=False)),
    "adamw-amsgrad": (lambda p: optim.AdamW(p, lr=0.05, amsgrad=True),
                      lambda p: torch.optim.AdamW(p, lr=0.05, amsgrad=True, foreach=False)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    make_ours, make_torch = CASES[name]
    assert mismatches(make_ours, make_torch, seed=hash(name) % 1000) == []


@pytest.mark.parametrize("variant", [dict(bias_correction=False), dict(eps_inside_sqrt=True)])
def test_planted_bug_adam_variants_are_rejected(variant):
    """The comparison can fail: Adam without bias correction, or with eps inside the root, is not torch's Adam."""
    problems = mismatches(lambda p: optim.Adam(p, lr=0.05, **variant),
                          lambda p: torch.optim.Adam(p, lr=0.05, foreach=False))
    assert problems and "parameter" in problems[0]


def test_planted_bug_notes_adam_is_rejected():
    """The CS231n-style notes' Adam (corrected averages fed back) agrees with torch at step 1 only."""
    from nntrain.optim.errata import AdamCS231n
    problems = mismatches(lambda p: AdamCS231n(p, lr=0.05, eps=0.0), lambda p: torch.optim.Adam(p, lr=0.05, eps=0.0,
                                                                                              foreach=False),
                          compare_state=False)
    assert problems and problems[0].startswith("step 2:")


def test_mit_adadelta_is_rmsprop_not_adadelta():
    from nntrain.optim.errata import AdadeltaMIT
    assert mismatches(lambda p: AdadeltaMIT(p, lr=0.01, gamma=0.9, eps=1e-8),
                      lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8, foreach=False),
                      compare_state=False) == []
    assert mismatches(lambda p: AdadeltaMIT(p, lr=1.0, gamma=0.9, eps=1e-6),
                      lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.9, eps=1e-6, foreach=False),
                      compare_state=False) != []
