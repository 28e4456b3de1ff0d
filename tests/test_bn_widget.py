"""nntrain.widgets.batch_norm: chapter 7's widget and its static companion."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from nntrain.widgets import batch_norm as bw
from nntrain.batch_norm import BatchNorm1d
from nntrain.data import digits
from nntrain.layers import Linear
from nntrain.losses import softmax_cross_entropy

pytestmark = pytest.mark.ch7


@pytest.fixture(autouse=True)
def agg():
    import matplotlib
    matplotlib.use("Agg")


def linears(model):
    return [layer for layer in model.layers if isinstance(layer, Linear)]


def test_experiment_is_deterministic():
    a = bw.bn_experiment(True, 0.1, epochs=2)
    b = bw.bn_experiment(True, 0.1, epochs=2)
    for key in ("epoch_loss", "val_loss", "val_accuracy"):
        np.testing.assert_array_equal(a[key], b[key])
    assert a["epoch_loss"].shape == (2,) and np.all(np.isfinite(a["epoch_loss"]))
    assert not a["diverged"] and a["diverged_epoch"] is None
    assert a["final_accuracy"] == a["val_accuracy"][-1]


def test_with_and_without_batch_norm_start_alike_and_see_the_same_batches(monkeypatch):
    # lr = 0: the weights stay at their initial values
    plain = bw.bn_experiment(False, 0.0, epochs=1)["model"]
    normed = bw.bn_experiment(True, 0.0, epochs=1)["model"]
    assert sum(isinstance(m, BatchNorm1d) for m in normed.layers) == 6
    assert not any(isinstance(m, BatchNorm1d) for m in plain.layers)
    first = Linear(64, 64, np.random.default_rng(0), init="he")
    np.testing.assert_array_equal(linears(plain)[0].W.data, first.W.data)
    for p, q in zip(linears(plain), linears(normed), strict=True):
        np.testing.assert_array_equal(p.W.data, q.W.data)
        np.testing.assert_array_equal(p.b.data, q.b.data)

    seen = {}
    original = bw.minibatches

    def recording(X, y, batch_size, rng):
        batches = list(original(X, y, batch_size, rng))
        seen.setdefault(key, []).append([yb.tolist() for _, yb in batches])
        return iter(batches)

    monkeypatch.setattr(bw, "minibatches", recording)
    for key in (False, True):
        bw.bn_experiment(key, 0.05, epochs=2)
    assert len(seen[False]) == 2 and seen[False] == seen[True]
    assert seen[False][0] != seen[False][1]        # each epoch reshuffled


def test_evaluation_uses_the_running_statistics():
    r = bw.bn_experiment(True, 0.1, epochs=2)
    model = r["model"]
    assert model.training and all(m.training for m in model.layers)
    _, _, X_test, y_test = digits()
    model.eval()
    logits = model(X_test)
    model.train()
    loss, _ = softmax_cross_entropy(logits, y_test)
    assert r["val_loss"][-1] == pytest.approx(loss, rel=1e-12)
    assert r["val_accuracy"][-1] == np.mean(logits.argmax(axis=1) == y_test)
    # the check can fail: in train mode (test-batch statistics) the loss differs
    train_mode_loss, _ = softmax_cross_entropy(model(X_test), y_test)
    assert abs(train_mode_loss - r["val_loss"][-1]) > 1e-6 * loss


def test_evaluate_restores_the_mode():
    model = bw.build_mlp(True, 2, 8, np.random.default_rng(0))
    X = np.random.default_rng(1).normal(size=(5, 64))
    y = np.arange(5)
    for mode in (True, False):
        model.train(mode)
        bw.evaluate(model, X, y)
        assert model.training is mode
        assert all(m.training is mode for m in model.layers)


def test_a_large_rate_diverges_without_batch_norm_only():
    plain = bw.bn_experiment(False, 3.0, epochs=3)
    assert plain["diverged"] and plain["diverged_epoch"] == 1
    assert np.all(np.isnan(plain["epoch_loss"]))
    assert np.isnan(plain["final_loss"]) and np.isnan(plain["final_accuracy"])
    normed = bw.bn_experiment(True, 3.0, epochs=3)
    assert not normed["diverged"] and normed["final_accuracy"] > 0.8


def test_a_finite_loss_above_the_limit_is_divergence_too():
    r = bw.bn_experiment(True, 30.0, epochs=3)
    assert r["diverged"] and r["diverged_epoch"] == 1
    assert bw.LIMIT < r["epoch_loss"][0] < np.inf
    assert np.all(np.isnan(r["epoch_loss"][1:]))


def test_figure_draws_both_nets_on_fixed_axes():
    import matplotlib.pyplot as plt

    rs = bw.bn_results(1.0, epochs=3)
    fig = bw.bn_figure(1.0, rs)
    try:
        ax, ax2 = fig.axes
        assert ax.get_yscale() == "log" and ax.get_ylim() == bw.LOSS_YLIM
        assert ax2.get_ylim() == (0, 1)
        labels = [t.get_text() for t in fig.legends[0].get_texts()]
        assert labels[0] == "without batch norm (diverged in epoch 1)"
        assert labels[1].startswith("with batch norm: loss ")
        assert any(line.get_marker() == "x" for line in ax.lines)
        assert "diverged" in [t.get_text() for t in ax.texts]
        bn_line = next(line for line in ax.lines if line.get_label() == labels[1])
        np.testing.assert_allclose(bn_line.get_ydata(), rs[True]["epoch_loss"])
        assert "learning rate 1:" in fig.get_suptitle()
    finally:
        plt.close(fig)
    # one net only: one loss curve, no cross
    fig = bw.bn_figure(1.0, rs, show=(True,))
    assert not any(line.get_marker() == "x" for line in fig.axes[0].lines)
    assert len(fig.legends[0].get_texts()) == 2    # the net and chance
    plt.close(fig)


def test_widget_draws_and_redraws_when_a_control_moves():
    pytest.importorskip("ipywidgets")
    box = bw.bn_widget(lr=1.0)
    png = box.image.value
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    c = box.controls
    assert (c["lr"].min, c["lr"].max, c["lr"].base) == (-3, 1.5, 10)
    assert list(c["batch_norm"].options) == ["off", "on", "both"]
    seen = [png]
    for name, value in (("batch_norm", "off"), ("lr", 0.1),
                        ("batch_norm", "on")):
        c[name].value = value
        assert box.image.value not in seen, f"moving {name} did not redraw"
        seen.append(box.image.value)


@pytest.mark.slow
def test_companion_has_every_frame_with_its_own_numbers():
    c = bw.bn_companion()
    n = len(bw.COMPANION_LRS)
    assert c.data.count("data:image/png;base64") == n + 1  # + the first shown
    assert c.data.count('type="range"') == 1
    assert "Batch normalization and the learning rate" in c.data
    assert c.nbytes < 1_000_000
    frames = r'<script type="application/json" class="nntrain-frames">(.*?)</script>'
    data = json.loads(re.search(frames, c.data, re.S).group(1))
    assert data["values"] == [[f"{lr:g}" for lr in bw.COMPANION_LRS]]
    assert len(set(data["uris"])) == n and len(set(data["alts"])) == n
    regimes = []
    for lr, alt in zip(bw.COMPANION_LRS, data["alts"]):
        rs = bw.bn_results(lr)
        assert alt == bw.bn_alt(lr, rs)
        assert alt.startswith(f"Plain SGD at learning rate {lr:g} ")
        for r in rs.values():
            if r["diverged"]:
                assert f"diverges in epoch {r['diverged_epoch']}" in alt
            else:
                assert f"test accuracy {r['final_accuracy']:.0%}" in alt
                assert f"training loss {r['final_loss']:.2g}" in alt
        regimes.append((rs[False]["diverged"], rs[True]["diverged"]))
    # the grid spans: both train, only batch norm trains, both diverge
    assert {(False, False), (True, False), (True, True)} <= set(regimes)
