"""nntrain models to ``torch.nn`` and back; checks that both compute the same.

Layer by layer (torch's names and shapes are already nntrain's)::

    Linear(W (M, D), b (M,))        <->  nn.Linear(weight (M, D), bias (M,))
    BatchNorm1d(weight, bias, running_mean, running_var, num_batches_tracked,
                eps, momentum, affine, track_running_stats)
                                    <->  nn.BatchNorm1d (the same names)
    ReLU, Tanh, Sigmoid, Identity   <->  the nn classes of the same names
    LeakyReLU(negative_slope)       <->  nn.LeakyReLU(negative_slope)
    Sequential (nested too)         <->  nn.Sequential

Every array is copied (no shared memory) and each layer keeps its train/eval
mode. nntrain's ``Linear`` always has a bias, so ``from_torch`` rejects an
``nn.Linear(..., bias=False)`` rather than invent a trainable zero bias that
torch's model does not have (the two would then train differently).

Losses: ``softmax_cross_entropy`` is ``F.cross_entropy`` with its default
mean over the N examples (labels of shape (N,) or probability rows (N, K));
``mse_loss`` is ``F.mse_loss``, the mean over all N*K entries. Same
conventions, so the losses and gradients agree to rounding.
"""
from __future__ import annotations

import copy

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import losses
from .. import optim as nn_optim
from ..batch_norm import BatchNorm1d
from ..core import Module, Parameter
from ..layers import (Identity, LeakyReLU, Linear, ReLU, Sequential, Sigmoid,
                      Tanh)

__all__ = ["to_torch", "from_torch", "compare", "adam_agreement",
           "max_rel_diff", "SUPPORTED"]

_TORCH_OF = {ReLU: nn.ReLU, Tanh: nn.Tanh, Sigmoid: nn.Sigmoid,
             Identity: nn.Identity, Linear: nn.Linear, LeakyReLU: nn.LeakyReLU,
             BatchNorm1d: nn.BatchNorm1d, Sequential: nn.Sequential}
_OURS_OF = {t: o for o, t in _TORCH_OF.items()}
SUPPORTED = tuple(cls.__name__ for cls in _TORCH_OF)
_LOSSES = ("cross_entropy", "mse")
_ADAM_KWARGS = ("betas", "eps", "weight_decay", "amsgrad")
GRAD_FLOOR = 1e-3


def max_rel_diff(a, b, floor: float = 0.0) -> float:
    """``max |a - b| / max(max |a|, max |b|, floor)`` (0.0 when all are 0).

    Relative to the largest entry, not entry by entry, so that entries that
    are exactly zero (a dead ReLU's gradient) do not blow up. ``a``, ``b``:
    arrays, tensors or scalars of the same shape; ``floor`` >= 0 a smallest
    scale, for arrays that are zero up to rounding.
    """
    a, b = (np.asarray(_np(v), dtype=np.float64) for v in (a, b))
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} and {b.shape}.")
    scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0), floor)
    return 0.0 if scale == 0 else float(np.abs(a - b).max() / scale)


def _np(t):
    """A float64 numpy copy of a tensor (any device); other values unchanged."""
    if isinstance(t, torch.Tensor):
        return t.detach().to("cpu", torch.float64).numpy().copy()
    return t


def _arrays(layer) -> list[tuple[str, str]]:
    """(nntrain name, torch name) of each float array a layer holds.

    ``layer`` either library's; nntrain and torch share BatchNorm's names.
    """
    if type(layer) in (Linear, nn.Linear):
        return [("W", "weight"), ("b", "bias")]
    if type(layer) not in (BatchNorm1d, nn.BatchNorm1d):
        return []
    names = ["weight", "bias"] if layer.affine else []
    names += ["running_mean", "running_var"] * layer.track_running_stats
    return [(name, name) for name in names]


def _data(value):
    return value.data if isinstance(value, Parameter) else value


def _unsupported(obj) -> ValueError:
    return ValueError(f"cannot convert a {type(obj).__name__}; supported "
                      f"layers: {', '.join(SUPPORTED)}.")


def _bn_like(bn, cls, **kw):
    """A ``cls`` (either library's BatchNorm1d) with the settings of ``bn``."""
    return cls(bn.num_features, eps=bn.eps, momentum=bn.momentum,
               affine=bn.affine, track_running_stats=bn.track_running_stats,
               **kw)


# ---------------------------------------------------------------- conversion
def to_torch(model: Module, dtype=torch.float64,
             device="cpu") -> nn.Sequential:
    """The same network as a ``torch.nn.Sequential``, with copied values.

    ``model``: an nntrain ``Sequential`` (nested ones allowed) or one layer
    (then wrapped). ``dtype``, ``device``: of every floating tensor
    (``num_batches_tracked`` stays int64). Each module gets the train/eval
    mode of its nntrain layer. Raises ValueError for any other layer type.
    """
    kw = dict(dtype=dtype, device=device)

    def convert(layer: Module) -> nn.Module:
        kind = type(layer)
        if kind is Sequential:
            m = nn.Sequential(*(convert(child) for child in layer.layers))
        elif kind is Linear:  # skip_init: no random draw, then overwritten
            m = nn.utils.skip_init(nn.Linear, layer.in_features,
                                   layer.out_features, **kw)
        elif kind is BatchNorm1d:
            m = _bn_like(layer, nn.BatchNorm1d, **kw)
            if layer.track_running_stats:
                m.num_batches_tracked.fill_(int(layer.num_batches_tracked))
        elif kind is LeakyReLU:
            m = nn.LeakyReLU(layer.negative_slope)
        elif kind in _TORCH_OF:
            m = _TORCH_OF[kind]()
        else:
            raise _unsupported(layer)
        with torch.no_grad():
            for ours, theirs in _arrays(layer):
                getattr(m, theirs).copy_(
                    torch.as_tensor(_data(getattr(layer, ours)), **kw))
        m.training = bool(layer.training)  # not .train(): keep children's
        return m

    return convert(_as_sequential(model))


def from_torch(module: nn.Module) -> Sequential:
    """The same network as an nntrain ``Sequential`` of float64 copies.

    ``module``: an ``nn.Sequential`` (nested ones allowed) or one supported
    layer (then wrapped). Raises ValueError for other module types and for
    ``nn.Linear(..., bias=False)`` (nntrain's Linear always has a bias).
    """
    def convert(m: nn.Module) -> Module:
        kind = type(m)
        if kind is nn.Sequential:
            layer = Sequential(*(convert(child) for child in m.children()))
        elif kind is nn.Linear:
            if m.bias is None:
                raise ValueError(
                    "cannot convert nn.Linear(bias=False): nntrain's Linear "
                    "always has a trainable bias b, which would train "
                    "differently; build the torch layer with bias=True.")
            layer = Linear.from_arrays(_np(m.weight), _np(m.bias))
        elif kind is nn.BatchNorm1d:
            layer = _bn_like(m, BatchNorm1d)
            for ours, theirs in _arrays(m):
                _data(getattr(layer, ours))[...] = _np(getattr(m, theirs))
            if m.track_running_stats:
                layer.num_batches_tracked = int(m.num_batches_tracked)
        elif kind is nn.LeakyReLU:
            layer = LeakyReLU(m.negative_slope)
        elif kind in _OURS_OF:
            layer = _OURS_OF[kind]()
        else:
            raise _unsupported(m)
        layer.training = bool(m.training)
        return layer

    if type(module) is not nn.Sequential:
        module = nn.Sequential(module).train(module.training)
    return convert(module)


# ---------------------------------------------------------------- checks
def _pairs(ours: Sequential, theirs: nn.Sequential):
    """Walk two models position by position; raise where they differ.

    Returns ``params``, a list of ``(name, Parameter, tensor)``, and
    ``buffers``, of ``(name, nntrain layer, attribute, tensor)``; names are
    torch's state_dict keys (``"0.weight"``).
    """
    params, buffers = [], []

    def walk(a: Module, b: nn.Module, prefix: str) -> None:
        where = prefix.rstrip(".") or "the top level"
        if _TORCH_OF.get(type(a)) is not type(b):
            raise ValueError(f"architectures differ at {where}: nntrain "
                             f"{type(a).__name__}, torch {type(b).__name__}.")
        kids = list(b.named_children()) if type(a) is Sequential else []
        if type(a) is Sequential and len(kids) != len(a.layers):
            raise ValueError(f"architectures differ at {where}: "
                             f"{len(a.layers)} nntrain layers, "
                             f"{len(kids)} torch modules.")
        for child, (name, tchild) in zip(getattr(a, "layers", []), kids):
            walk(child, tchild, f"{prefix}{name}.")
        for ours_name, name in _arrays(a):
            p, t = getattr(a, ours_name), getattr(b, name)
            shape = None if t is None else tuple(t.shape)
            if _data(p).shape != shape:
                raise ValueError(f"{prefix}{name}: nntrain shape "
                                 f"{_data(p).shape}, torch {shape}.")
            if isinstance(p, Parameter):
                params.append((prefix + name, p, t))
            else:
                buffers.append((prefix + name, a, name, t))
        if type(a) is BatchNorm1d and a.track_running_stats:
            name = "num_batches_tracked"
            buffers.append((prefix + name, a, name, getattr(b, name)))

    walk(ours, theirs, "")
    return params, buffers


def _as_sequential(model: Module) -> Sequential:
    """``model`` itself if a Sequential, else wrapped in one (same mode)."""
    if isinstance(model, Sequential):
        return model
    wrapped = Sequential(model)
    wrapped.training = model.training
    return wrapped


def _torch_copy(module: nn.Module) -> nn.Sequential:
    """A deep copy of a torch model in float64, as an nn.Sequential."""
    theirs = copy.deepcopy(module).to(torch.float64)
    if type(theirs) is nn.Sequential:
        return theirs
    return nn.Sequential(theirs).train(theirs.training)


def _check_batch(ours: Sequential, X, y, loss: str):
    if loss not in _LOSSES:
        raise ValueError(f"loss must be one of {_LOSSES}; got {loss!r}.")
    X = np.asarray(X, dtype=np.float64)
    first = next((layer for layer in _leaves(ours)
                  if type(layer) in (Linear, BatchNorm1d)), None)
    D = (None if first is None else first.in_features
         if type(first) is Linear else first.num_features)
    if X.ndim != 2 or (D is not None and X.shape[1] != D):
        raise ValueError(f"X must have shape (N, {D or 'D'}), one row per "
                         f"example; got {X.shape}.")
    y = np.asarray(y)
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have one entry (or row) per row of X, "
                         f"{X.shape[0]}; got shape {y.shape}.")
    return X, y


def _leaves(model: Module):
    for layer in model.layers if type(model) is Sequential else [model]:
        yield from (_leaves(layer) if type(layer) is Sequential else [layer])


def _step(ours: Sequential, theirs: nn.Sequential, X, y, Xt, loss: str):
    """Forward and backward through both models.

    Returns ``(out, out_t, L, L_t, dx)``: the outputs (N, K), the losses
    (floats) and nntrain's input gradient (N, D); torch's is ``Xt.grad``.
    """
    out, out_t = ours.forward(X), theirs(Xt)
    if loss == "cross_entropy":
        L, dout = losses.softmax_cross_entropy(out, y)
        integer = np.issubdtype(y.dtype, np.integer)
        yt = torch.as_tensor(y, dtype=torch.int64 if integer else
                             torch.float64, device=Xt.device)
        Lt = F.cross_entropy(out_t, yt)
    else:
        L, dout = losses.mse_loss(out, y)
        Lt = F.mse_loss(out_t, torch.as_tensor(y, dtype=torch.float64,
                                               device=Xt.device))
    dx = ours.backward(dout)
    Lt.backward()
    return out, out_t, L, Lt.item(), dx


def _device(module: nn.Module):
    return next((t.device for t in module.state_dict().values()),
                torch.device("cpu"))


def compare(model: Module, torch_model: nn.Module, X, y,
            loss: str = "cross_entropy") -> dict:
    """One forward and backward pass of both models on ``(X, y)``, in float64.

    ``X`` of shape (N, D); ``y``: labels (N,) (or probability rows (N, K))
    for ``loss="cross_entropy"``, targets of the output's shape for
    ``"mse"``. Both run on deep copies (torch's in float64 on its device),
    so neither model changes: no gradients accumulate in either, BatchNorm's
    running statistics stay as they were. Each layer runs in its own
    train/eval mode.

    Returns a dict: ``loss_nntrain``, ``loss_torch`` (floats) and the
    :func:`max_rel_diff` of the losses (``loss``), the outputs (``output``),
    the input gradients (``input_grad``), each parameter's gradient
    (``grads``: a dict by torch's names) and the largest of them (``max``).
    A gradient's scale is at least ``GRAD_FLOOR`` (1e-3) times the model's
    largest gradient entry: the bias of a Linear just before a training-mode
    BatchNorm has gradient exactly 0 (the batch mean cancels it), so both
    libraries return rounding noise (~1e-17), O(1) apart relative to itself.
    """
    ours = _as_sequential(copy.deepcopy(model))
    theirs = _torch_copy(torch_model)
    params, _ = _pairs(ours, theirs)
    X, y = _check_batch(ours, X, y, loss)
    ours.zero_grad()
    theirs.zero_grad(set_to_none=True)
    Xt = torch.tensor(X, device=_device(theirs), requires_grad=True)
    out, out_t, L, Lt, dx = _step(ours, theirs, X, y, Xt, loss)
    pairs = [(name, p.grad, _np(torch.zeros_like(t) if t.grad is None
                                else t.grad)) for name, p, t in params]
    floor = GRAD_FLOOR * max([0.0, *(np.abs(g).max() for _, *gs in pairs
                                     for g in gs)])
    grads = {name: max_rel_diff(g, gt, floor) for name, g, gt in pairs}
    diffs = {"loss": max_rel_diff(L, Lt), "output": max_rel_diff(out, out_t),
             "input_grad": max_rel_diff(dx, Xt.grad)}
    return {"loss_nntrain": L, "loss_torch": Lt, **diffs, "grads": grads,
            "max": max([*diffs.values(), *grads.values()])}


def adam_agreement(model: Module, X, y, steps: int = 20, lr: float = 1e-2,
                   loss: str = "cross_entropy", decoupled: bool = False,
                   **adam_kwargs) -> dict:
    """Train a copy with nntrain's Adam and its conversion with torch's.

    Full-batch steps on ``X`` (N, D), ``y`` (as in :func:`compare`), float64
    on the CPU; ``torch.optim.Adam(foreach=False)``, or ``AdamW`` and
    nntrain's ``AdamW`` when ``decoupled``. ``adam_kwargs``: ``betas``,
    ``eps``, ``weight_decay``, ``amsgrad`` (given to both). ``model`` is not
    changed. Returns a dict: ``weights`` (:func:`max_rel_diff` per parameter,
    torch's names), ``buffers`` (BatchNorm's running statistics), ``max``
    (largest over both), ``losses_nntrain`` and ``losses_torch`` (lists of
    ``steps`` floats: the loss before each step). Adam divides by
    ``sqrt(vhat) + eps``, so a gradient that is rounding noise (see
    :func:`compare`) moves its parameter by up to ``lr * noise / eps`` per
    step, differently in each library: expect 1e-10 to 1e-9 there (and in
    the running mean it feeds), against ~1e-15 elsewhere.
    """
    bad = sorted(set(adam_kwargs) - set(_ADAM_KWARGS))
    if bad:
        raise ValueError(f"unknown Adam arguments {bad}; allowed: "
                         f"{', '.join(_ADAM_KWARGS)} (both libraries).")
    if not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive int; got {steps!r}.")
    ours = _as_sequential(copy.deepcopy(model))
    theirs = to_torch(ours)
    params, buffers = _pairs(ours, theirs)
    X, y = _check_batch(ours, X, y, loss)
    Ours = nn_optim.AdamW if decoupled else nn_optim.Adam
    Theirs = torch.optim.AdamW if decoupled else torch.optim.Adam
    opt = Ours(ours.parameters(), lr=lr, **adam_kwargs)
    topt = Theirs(theirs.parameters(), lr=lr, foreach=False, **adam_kwargs)
    Xt = torch.tensor(X)
    history = {"losses_nntrain": [], "losses_torch": []}
    for _ in range(steps):
        opt.zero_grad()
        topt.zero_grad()
        L, Lt = _step(ours, theirs, X, y, Xt, loss)[2:4]
        opt.step()
        topt.step()
        history["losses_nntrain"].append(L)
        history["losses_torch"].append(Lt)
    weights = {name: max_rel_diff(p.data, t) for name, p, t in params}
    stats = {name: max_rel_diff(getattr(layer, attr), t)
             for name, layer, attr, t in buffers}
    return {"weights": weights, "buffers": stats,
            "max": max([*weights.values(), *stats.values()]), **history}
