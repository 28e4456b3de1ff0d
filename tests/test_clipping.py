"""nntrain.clipping against torch.nn.utils, and the cliff it is for."""
import numpy as np
import pytest

from nntrain.clipping import clip_grad_norm_, clip_grad_value_, global_grad_norm
from nntrain.core import Parameter

pytestmark = pytest.mark.ch3


def _params(rng, scale):
    shapes = [(3, 4), (4,), (2, 2, 2)]
    ps = [Parameter(rng.standard_normal(s)) for s in shapes]
    for p in ps:
        p.grad[...] = scale * rng.standard_normal(p.shape)
    return ps


@pytest.mark.parametrize("scale, max_norm, norm_type", [(10.0, 1.0, 2.0), (0.01, 1.0, 2.0), (5.0, 0.5, 1.0), (5.0, 0.5, np.inf), (3.0, 2.0, 3.0)])
def test_clip_grad_norm_matches_torch(scale, max_norm, norm_type):
    torch = pytest.importorskip("torch")
    ps = _params(np.random.default_rng(0), scale)
    tps = [torch.zeros(p.shape, dtype=torch.float64, requires_grad=True) for p in ps]
    for p, tp in zip(ps, tps):
        tp.grad = torch.tensor(p.grad.copy())
    total = clip_grad_norm_(ps, max_norm, norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type=norm_type)
    assert total == pytest.approx(float(t_total), rel=1e-12)
    for p, tp in zip(ps, tps):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-12, atol=0)


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch")
    ps = _params(np.random.default_rng(1), 3.0)
    tps = [torch.zeros(p.shape, dtype=torch.float64, requires_grad=True) for p in ps]
    for p, tp in zip(ps, tps):
        tp.grad = torch.tensor(p.grad.copy())
    clip_grad_value_(ps, 0.7)
    torch.nn.utils.clip_grad_value_(tps, 0.7)
    for p, tp in zip(ps, tps):
        np.testing.assert_array_equal(p.grad, tp.grad.numpy())


def test_norm_clipping_keeps_the_direction_and_caps_the_length():
    ps = _params(np.random.default_rng(2), 10.0)
    before = np.concatenate([p.grad.ravel() for p in ps])
    clip_grad_norm_(ps, 1.0)
    after = np.concatenate([p.grad.ravel() for p in ps])
    assert np.linalg.norm(after) == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(after / np.linalg.norm(after), before / np.linalg.norm(before), rtol=1e-12)
    assert global_grad_norm(ps) == pytest.approx(1.0, rel=1e-5)


def test_a_per_tensor_clip_is_not_global_clipping():
    """Planted bug: clipping each tensor to max_norm separately changes the direction, and the test sees it."""
    ps = _params(np.random.default_rng(3), 10.0)
    wrong = [p.grad.copy() for p in ps]
    for g in wrong:
        n = np.linalg.norm(g)
        g *= min(1.0, 1.0 / (n + 1e-6))
    clip_grad_norm_(ps, 1.0)
    assert not all(np.allclose(p.grad, g) for p, g in zip(ps, wrong))


@pytest.mark.parametrize("call, message", [
    (lambda ps: clip_grad_norm_(ps, 0.0), "max_norm must be a positive"),
    (lambda ps: clip_grad_norm_(ps, 1.0, norm_type=-2), "norm_type"),
    (lambda ps: clip_grad_value_(ps, -1.0), "clip_value must be a positive"),
    (lambda ps: clip_grad_norm_([np.zeros(3)], 1.0), "Parameter"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call(_params(np.random.default_rng(4), 1.0))


def test_nan_gradient_is_reported():
    p = Parameter(np.zeros(2))
    p.grad[0] = np.nan
    with pytest.raises(ValueError, match="nan or inf"):
        clip_grad_norm_([p], 1.0)
