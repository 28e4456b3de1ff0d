"""Chapter 6's widget: depth, activation and weight scale vs. variance flow.

:func:`flow_result` computes (numpy only, through
:func:`nntrain.variance_flow.signal_flow`); :func:`flow_figure` draws one
setting: the variance of the signal and of the gradient per layer (left) and
histograms of the activations at three layers (right); :func:`flow_widget` is
the ipywidgets version (needs a kernel) and :func:`flow_companion` the static
one for the website (every setting of a small grid precomputed, see
:mod:`nntrain.widgets.companion`). matplotlib and ipywidgets are imported inside the
functions that draw.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..variance_flow import signal_flow

__all__ = ["WIDTH", "N_INPUTS", "SEED", "KEEP", "YLIM", "XRANGE",
           "flow_result", "hist_layers", "flow_figure", "flow_widget",
           "flow_alt", "flow_companion"]

#: Every layer's width: the network is square, N_x = N_y = 100.
WIDTH = 100
#: The batch of standard-normal inputs pushed through.
N_INPUTS = 512
#: The seed of every frame's weights, inputs and output gradients. The
#: weights are drawn as sqrt(Var(w)) times the same standard normals, so two
#: frames that differ only in gain differ only in scale.
SEED = 6
#: Activation values kept per layer for the histograms.
KEEP = 5000
#: The fixed y-range of the variance panel (curves leave it, not bend at it).
YLIM = (1e-12, 1e12)
#: The fixed x-range of the histograms, per activation.
XRANGE = {"linear": (-4.0, 4.0), "tanh": (-1.0, 1.0), "relu": (0.0, 4.0)}


def flow_result(depth: int, activation: str, gain: float) -> dict:
    """:func:`signal_flow` for ``depth`` square layers of width :data:`WIDTH`.

    Var(w) = gain**2 / WIDTH (mode ``fan_in``, which equals ``fan_out``
    here); :data:`N_INPUTS` inputs, seed :data:`SEED`, :data:`KEEP`
    activation samples per layer. Returns :func:`signal_flow`'s dict (arrays
    of length depth + 1, index 0 = the input) plus ``var_w``.
    """
    r = signal_flow([WIDTH] * (int(depth) + 1), activation,
                    np.random.default_rng(SEED), gain=gain, n=N_INPUTS,
                    keep=KEEP)
    r["var_w"] = float(gain) ** 2 / WIDTH
    return r


def hist_layers(depth: int) -> list[int]:
    """The layers whose activations are histogrammed: first, middle, last."""
    return sorted({1, max(1, depth // 2), depth})


def _sd(r: dict, layer: int) -> float:
    return float(np.sqrt(r["activation"][layer]))


def flow_figure(depth: int, activation: str, gain: float,
                result: dict | None = None, width: float = 9.0,
                height: float = 3.4, note: str | None = None):
    """Variance per layer (left, log scale) and activation histograms (right).

    Left: Var(z_l) of the pre-activations (signal) and Var(dL/dh_l) of the
    gradient against the layer l = 0 ... depth, with the linear theory as
    thin dashed lines (not for tanh, which has no closed form).
    Right: histograms of h_l at the first, middle and last layer, each row
    scaled to its own peak, on a fixed x-range per activation. ``note`` adds
    a second line to the title.
    """
    import matplotlib.pyplot as plt

    from ..plotting import LINESTYLES, PALETTE

    r = flow_result(depth, activation, gain) if result is None else result
    L = len(r["forward"]) - 1
    layers = np.arange(L + 1)
    fig, (ax, ax2) = plt.subplots(
        1, 2, figsize=(width, height), layout="constrained",
        gridspec_kw={"width_ratios": [1.25, 1]})

    def positive(v):   # a log axis needs positive numbers; clipped far off
        return np.clip(np.nan_to_num(v, nan=1e300), 1e-300, 1e300)

    sig_c, grad_c = PALETTE[0], PALETTE[3]
    ax.semilogy(layers, positive(r["forward"]), color=sig_c,
                linestyle=LINESTYLES[0], marker="o", markersize=3,
                label=f"signal Var(z_l); at layer {L}: {r['forward'][-1]:.2g}")
    ax.semilogy(layers, positive(r["backward"]), color=grad_c,
                linestyle=LINESTYLES[2], marker="s", markersize=3,
                label=f"gradient Var(∂L/∂h_l); at input: "
                      f"{r['backward'][0]:.2g}")
    if activation != "tanh":    # tanh has no closed form; its bound misleads
        # thin and dark, drawn on top: visible where the measurement matches
        ax.semilogy(layers, positive(r["predicted_forward"]), color="0.15",
                    linestyle="--", linewidth=1.0, zorder=3,
                    label="linear theory, signal")
        ax.semilogy(layers, positive(r["predicted_backward"]), color="0.15",
                    linestyle=":", linewidth=1.2, zorder=3,
                    label="linear theory, gradient")
    ax.set_ylim(*YLIM)
    ax.set_xlim(0, L)
    ax.set_yticks([10.0 ** k for k in range(-12, 13, 4)])
    ax.set_title("Variance per layer", fontsize=11)
    ax.set_xlabel("layer l (0 = input)", fontsize=10)
    ax.set_ylabel("variance (log scale)", fontsize=10)
    ax.tick_params(labelsize=9)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center",
               ncol=2, fontsize=9, frameon=False, handlelength=2.6,
               columnspacing=2.0)

    lo, hi = XRANGE[activation]
    bins = np.linspace(lo, hi, 41)
    rows = hist_layers(L)
    colors = [PALETTE[4], PALETTE[2], PALETTE[5]]
    ticks, ticklabels = [], []
    for k, layer in enumerate(rows):
        base = len(rows) - 1 - k               # first layer on top
        x = r["activation_samples"][layer]
        if activation == "relu":
            x = x[x > 0]                       # the zeros: about half
        inside = x[(x >= lo) & (x <= hi)]
        counts, _ = np.histogram(inside, bins=bins)
        if counts.max() > 0:
            y = base + 0.85 * counts / counts.max()
            ax2.stairs(y, bins, baseline=base, fill=True, alpha=0.55,
                       color=colors[k % len(colors)])
            ax2.stairs(y, bins, baseline=base, color=colors[k % len(colors)],
                       linewidth=1.0)
        share = 1 - inside.size / max(x.size, 1)
        label = f"layer {layer}\nsd {_sd(r, layer):.2g}"
        if share > 0.5:                        # (nearly) an empty row
            ax2.text((lo + hi) / 2, base + 0.4,
                     f"{share:.0%} beyond the x-range", ha="center",
                     va="center", fontsize=9, color="0.3")
        elif share >= 0.01:
            label += f", {share:.0%} out"
        ticks.append(base)
        ticklabels.append(label)
    ax2.set_yticks(ticks, ticklabels, fontsize=9)
    ax2.set_ylim(-0.1, len(rows) - 0.05)
    ax2.set_xlim(lo, hi)
    ax2.set_xticks(np.linspace(lo, hi, 5))
    ax2.tick_params(axis="x", labelsize=9)
    ax2.grid(axis="y", visible=False)
    ax2.set_title("Activations h_l, rows peak-scaled", fontsize=11)
    ax2.set_xlabel("h_l > 0 (zeros not drawn)" if activation == "relu"
                   else "activation h_l", fontsize=10)

    title = (f"{activation}, gain {gain:g}, depth {L}: "
             f"Var(w) = gain²/{WIDTH} = {r['var_w']:.3g}")
    if note:
        title += "\n" + note
    fig.suptitle(title, fontsize=12)
    return fig


def flow_widget(depth: int = 30, activation: str = "tanh", gain: float = 1.0):
    """The interactive figure (needs a running kernel).

    A depth slider (5 ... 50), an activation toggle (linear, tanh, relu)
    and a gain slider (0.5 ... 2.5). Returns an ``ipywidgets.VBox``; the
    figure is drawn into an ``ipywidgets.Image`` (as chapter 5's widget), so
    the saved notebook and nbval see one and the same output.
    ``box.redraw()`` recomputes; ``box.image`` is the image and
    ``box.controls`` maps "depth", "activation", "gain" to their widgets.
    """
    import ipywidgets as W

    from .companion import png_bytes

    wide = {"description_width": "6em"}
    depth_w = W.IntSlider(value=depth, min=5, max=50, step=5,
                          description="depth", style=wide)
    act_w = W.ToggleButtons(options=["linear", "tanh", "relu"],
                            value=activation, description="activation",
                            style={**wide, "button_width": "5em"})
    gain_w = W.FloatSlider(value=gain, min=0.5, max=2.5, step=0.05,
                           description="gain", style=wide,
                           readout_format=".2f")
    image = W.Image(format="png", layout=W.Layout(max_width="900px"))

    def redraw(*_):
        fig = flow_figure(depth_w.value, act_w.value, gain_w.value)
        image.value = png_bytes(fig)

    for w in (depth_w, act_w, gain_w):
        w.observe(redraw, names="value")
    box = W.VBox([W.HBox([depth_w, gain_w]), act_w, image])
    box.redraw, box.image = redraw, image
    box.controls = {"depth": depth_w, "activation": act_w, "gain": gain_w}
    redraw()
    return box


def flow_alt(depth: int, activation: str, gain: float, r: dict) -> str:
    """The alt text of one frame, its numbers read from the result ``r``."""
    L = len(r["forward"]) - 1
    sds = ", ".join(f"{_sd(r, layer):.2g}" for layer in hist_layers(L))
    def theory(key, index):
        if activation == "tanh":
            return ""
        return f" (linear theory {r[key][index]:.2g})"

    return (f"{activation} units, gain {gain:g} (Var(w) = {r['var_w']:.3g}), "
            f"{L} layers of width {WIDTH}. Left, on a log scale: the signal "
            f"variance goes from {r['forward'][0]:.2g} at the input to "
            f"{r['forward'][-1]:.2g} at layer {L}"
            f"{theory('predicted_forward', -1)}; the gradient variance goes "
            f"from {r['backward'][-1]:.2g} at the output to "
            f"{r['backward'][0]:.2g} at the input"
            f"{theory('predicted_backward', 0)}. Right: histograms of the "
            f"activations at layers "
            f"{', '.join(str(x) for x in hist_layers(L))}, "
            f"standard deviations {sds}.")


def flow_companion(activations: Sequence[str] = ("linear", "tanh", "relu"),
                   gains: Sequence[float] = (0.5, 1.0, float(np.sqrt(2)), 5 / 3, 2.0),
                   depth: int = 50):
    """The static companion: one precomputed frame per (activation, gain).

    Depth is fixed (50): the x-axis of every frame shows each layer up to
    it. Returns IPython HTML (15 frames by default) with ``.nbytes``.
    """
    from .companion import slider_figure

    cache: dict = {}

    def result(activation, gain):
        if (activation, gain) not in cache:
            cache[activation, gain] = flow_result(depth, activation, gain)
        return cache[activation, gain]

    note = (f"depth fixed at {depth}: the x-axis shows every layer up to "
            f"{depth}")

    def render(activation, gain):
        # 7.5 x 3.3 inches at 72 dpi: as many pixels as 9 x 3.4 at 60 dpi
        # (the same file size), with text a fifth larger
        return flow_figure(depth, activation, gain, result(activation, gain),
                           note=note, width=7.5, height=3.3)

    def alt(activation, gain):
        return flow_alt(depth, activation, gain, result(activation, gain))

    return slider_figure(render, {"activation": list(activations),
                                  "gain": list(gains)}, alt, dpi=72,
                         title="Depth, activation and weight scale",
                         labels={"activation": "activation",
                                 "gain": "gain (Var(w) = gain²/N)"})
