"""nntrain.widgets.init: chapter 6's widget and its static companion."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from nntrain.widgets import init as iw
from nntrain.variance_flow import signal_flow

pytestmark = pytest.mark.ch6


@pytest.fixture(autouse=True)
def agg():
    import matplotlib
    matplotlib.use("Agg")


def reference(depth, activation, gain):
    """The frame's numbers, recomputed from signal_flow itself."""
    return signal_flow([iw.WIDTH] * (depth + 1), activation,
                       np.random.default_rng(iw.SEED), gain=gain,
                       n=iw.N_INPUTS)


def alt_matches(alt: str, r: dict, depth: int) -> bool:
    """Does the alt text quote this result's end points?"""
    return (f"to {r['forward'][-1]:.2g} at layer {depth}" in alt
            and f"to {r['backward'][0]:.2g} at the input" in alt)


def test_result_is_signal_flow_on_a_square_net():
    r = iw.flow_result(10, "tanh", 1.41)
    ref = reference(10, "tanh", 1.41)
    for key in ("forward", "backward", "activation", "predicted_forward"):
        np.testing.assert_allclose(r[key], ref[key], rtol=1e-12)
    assert r["activation_samples"].shape == (11, iw.KEEP)
    assert r["var_w"] == pytest.approx(1.41 ** 2 / 100)
    # reproducible: same seed, same frame
    np.testing.assert_array_equal(iw.flow_result(10, "tanh", 1.41)["forward"],
                                  r["forward"])


@pytest.mark.parametrize("activation", ["linear", "tanh", "relu"])
def test_figure_draws_each_activation(activation):
    import matplotlib.pyplot as plt

    fig = iw.flow_figure(10, activation, 1.0)
    try:
        ax, ax2 = fig.axes
        assert ax.get_yscale() == "log" and ax.get_ylim() == iw.YLIM
        assert ax2.get_xlim() == iw.XRANGE[activation]
        ref = reference(10, activation, 1.0)
        np.testing.assert_allclose(ax.lines[0].get_ydata(), ref["forward"])
        np.testing.assert_allclose(ax.lines[1].get_ydata(), ref["backward"])
        title = fig.get_suptitle()
        assert activation in title and "depth 10" in title
        assert "Var(w) = gain²/100 = 0.01" in title
        labels = [t.get_text() for t in fig.legends[0].get_texts()]
        # linear theory drawn where it holds; no closed form for tanh
        assert sum("linear theory" in t for t in labels) == (0 if activation == "tanh" else 2)
        ticks = [t.get_text() for t in ax2.get_yticklabels()]
        assert [t.split("\n")[0] for t in ticks] == ["layer 1", "layer 5", "layer 10"]
    finally:
        plt.close(fig)


@pytest.mark.parametrize("activation, gain", [("linear", 2.5), ("relu", 0.5), ("tanh", 2.5)])
def test_extreme_settings_draw_without_warnings(activation, gain):
    """Variances of 1e40 and 1e-45 leave the fixed y-range without a RuntimeWarning."""
    import matplotlib.pyplot as plt

    fig = iw.flow_figure(50, activation, gain)
    assert fig.axes[0].get_ylim() == iw.YLIM
    plt.close(fig)


def test_alt_text_quotes_its_own_result():
    r = iw.flow_result(20, "relu", 1.0)
    alt = iw.flow_alt(20, "relu", 1.0, r)
    assert alt_matches(alt, reference(20, "relu", 1.0), 20)
    assert "gain 1 " in alt and "Var(w) = 0.01" in alt
    # the check can fail: the alt text of another gain does not match
    other = iw.flow_alt(20, "relu", 1.41, iw.flow_result(20, "relu", 1.41))
    assert not alt_matches(other, reference(20, "relu", 1.0), 20)


def test_widget_draws_and_redraws_when_a_control_moves():
    pytest.importorskip("ipywidgets")
    box = iw.flow_widget(depth=10)
    png = box.image.value
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    c = box.controls
    assert (c["depth"].min, c["depth"].max, c["depth"].step) == (5, 50, 5)
    assert (c["gain"].min, c["gain"].max, c["gain"].value) == (0.5, 2.5, 1.0)
    assert list(c["activation"].options) == ["linear", "tanh", "relu"]
    seen = [png]
    for name, value in (("gain", 1.5), ("activation", "relu"), ("depth", 15)):
        c[name].value = value
        assert box.image.value not in seen, f"moving {name} did not redraw"
        seen.append(box.image.value)


@pytest.mark.slow
def test_companion_has_every_frame_with_matching_alt_text():
    c = iw.flow_companion()
    assert c.data.count("data:image/png;base64") == 15 + 1  # + the one shown first
    assert c.data.count('type="range"') == 2
    assert "Depth, activation and weight scale" in c.data
    assert "gain (Var(w) = gain²/N)" in c.data
    assert c.nbytes < 1_000_000
    frames = r'<script type="application/json" class="nntrain-frames">(.*?)</script>'
    data = json.loads(re.search(frames, c.data, re.S).group(1))
    assert data["values"] == [["linear", "tanh", "relu"], ["0.5", "1", "1.41421", "1.66667", "2"]]
    settings = [(a, g) for a in ("linear", "tanh", "relu") for g in (0.5, 1.0, np.sqrt(2), 5 / 3, 2.0)]
    refs = [reference(50, a, g) for a, g in settings]
    assert len(set(data["uris"])) == 15
    for i, ((a, g), alt) in enumerate(zip(settings, data["alts"])):
        assert alt.startswith(f"{a} units, gain {g:g} ")
        # each alt quotes its own frame's numbers and no other frame's
        assert [alt_matches(alt, r, 50) for r in refs] == [j == i for j in range(15)], (a, g)
