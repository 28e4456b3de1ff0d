"""Momentum and Nesterov on a 2-D quadratic, computed in the page: sliders for ηλ_max, β and κ.

The quadratic f(w) = (w1^2 + κ w2^2) / 2 has the eigenvalues 1 and κ, so the
step enters as ηλ_max = ηκ and the shallow axis sees ηλ_min = ηλ_max / κ. Per
axis, heavy ball and Nesterov are 2 x 2 linear iterations
(:mod:`nntrain.momentum_theory`): their spectral radius is the rate, the sign
of the discriminant names the regime, and the stable region ends at
ηλ = 2 + 2β (heavy ball) or (2 + 2β)/(1 + 2β) (Nesterov). The explorer shows

(a) the iterates of torch's ``SGD(lr=η, momentum=β, nesterov=...)`` on the contours;
(b) the distance to the minimum along each axis against t (log scale), with
    the predicted rate ρ^t dashed and a dotted line at 1, the start, above
    which the steep axis's error rises at the heavy ball's best setting;
(c) the (ηλ, β) plane of the chosen method: the underdamped band between the
    critical-damping curves, the unstable region beyond the stability edge,
    the two axes of the problem (ηλ_min, ηλ_max at the current β) and, for the
    heavy ball, its best setting (η*, β*), where both axes are critically damped;

and prints each axis's ηλ, rate and regime, the overall rate, the steps to
shrink the error 10^6-fold, the stability edge, and the heavy ball's best
(η*, β*) with its rate √β* = (√κ − 1)/(√κ + 1) next to gradient descent's best
(κ − 1)/(κ + 1), with a button that sets it. :func:`momentum_numbers` computes
every number in Python; the page's script computes the same ones, operation for
operation, and writes them into ``data-*`` attributes of the ``<figure>`` (``data-rates``,
``data-regimes``, ``data-bounds``, ..., ``data-path``: the first 41 iterates), where
tests/test_live_momentum.py compares them with momentum_theory and with SGD runs.
Shared machinery (formatting, ids, the script's head): :mod:`nntrain.widgets.live_page`.
"""
from __future__ import annotations

import html
import math

import numpy as np

from nntrain import momentum_theory as mt  # absolute, so this file can move into a subpackage unchanged
from nntrain import rates
from .live_page import (BLUE, GREEN, GREY, ORANGE, ROW, SKY, STYLE, TARGET, VERMILLION, button,
                               compact_json, data_attrs, display, fix, is_real, log_ticks, new_uid, num, pts,
                               script, slider, steps_attr, visible, JS_HEAD, JS_STEPS, JS_VISIBLE)

__all__ = ["momentum_numbers", "momentum_html", "momentum_explorer", "METHODS", "S_MAX", "BETA_MAX",
           "KAPPA_MAX", "W0", "GEOM"]

METHODS = ("heavy ball", "nesterov")      # the keys of momentum_theory.rate_plane
S_MAX, BETA_MAX, KAPPA_MAX = 4.0, 0.99, 1000.0
W0 = (-2.5, 1.5)                          # the start; the minimiser is the origin
PATH_SHOWN = 41                           # data-path holds the first 41 iterates (the SVG draws them all)

# SVG viewBox 0 0 760 290: L the contours (w in [-3, 3]^2), M the errors against t, R the (ηλ, β) plane
# (R starts at 562, leaving room for its β label left of its tick labels).
GEOM = {"L": [40, 250, 30, 240], "M": [305, 505, 30, 240], "R": [562, 750, 30, 240], "box": 3.0,
        "levels": [0.375 * k for k in range(1, 9)], "logmin": -12, "logmax": 3, "xmax": S_MAX,
        "betas": [(k / 40) ** 2 for k in range(40)] + [0.999]}   # denser near β = 0, where √β is steep


# -- the numbers (Python; the page's script computes the same) ----------------------------------

def _check(eta_lmax, beta, kappa, method, steps):
    if not (is_real(eta_lmax) and math.isfinite(eta_lmax) and 0 < eta_lmax <= S_MAX):
        raise ValueError(f"eta_lmax (eta * lambda_max) must be a number in (0, {S_MAX:g}]; got {eta_lmax!r}.")
    if not (is_real(beta) and 0 <= beta <= BETA_MAX):
        raise ValueError(f"beta (the momentum) must be a number in [0, {BETA_MAX}]; got {beta!r}.")
    if not (is_real(kappa) and 1 <= kappa <= KAPPA_MAX):
        raise ValueError(f"kappa must be a number in [1, {KAPPA_MAX:g}]; got {kappa!r}.")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}.")
    if not (isinstance(steps, int) and not isinstance(steps, bool) and 1 <= steps <= 300):
        raise ValueError(f"steps must be an integer in [1, 300]; got {steps!r}.")
    return float(eta_lmax), float(beta), float(kappa), method == "nesterov"


def _bounds(beta: float, nesterov: bool) -> dict:
    """The method's curves at this β: stability edge and the underdamped band [critical low, critical high]."""
    b = {k: float(v) for k, v in mt.boundaries(beta).items()}
    if nesterov:
        return {"stable": b["nesterov stable"], "critical low": b["nesterov critical"], "critical high": 1.0}
    return {"stable": b["heavy ball stable"], "critical low": b["heavy ball critical low"],
            "critical high": b["heavy ball critical high"]}


def _run(eta: float, beta: float, lam, nesterov: bool, steps: int) -> list:
    """torch's SGD(lr=eta, momentum=beta, nesterov=...) on diag(lam) from W0, as the script runs it."""
    w, buf, path = list(W0), [0.0, 0.0], [list(W0)]
    for t in range(steps):
        for i in (0, 1):
            g = lam[i] * w[i]
            buf[i] = g if t == 0 else beta * buf[i] + g
            w[i] = w[i] - (beta * buf[i] + g if nesterov else buf[i]) * eta
        path.append(list(w))
    return path


def momentum_numbers(eta_lmax: float = 1.6, beta: float = 0.5, kappa: float = 10.0, method: str = "heavy ball",
                     steps: int = 100) -> dict:
    """Momentum on f(w) = (w1^2 + κ w2^2) / 2 from (-2.5, 1.5) with η = eta_lmax / κ.

    Inputs: ``eta_lmax`` = ηλ_max in (0, 4]; ``beta`` in [0, 0.99]; ``kappa`` in
    [1, 1000]; ``method`` "heavy ball" or "nesterov" (torch's forms); ``steps``
    in [1, 300]. Returns a dict: eta_lmax, beta, kappa, method, eta,
    eta_lambdas [η·1, η·κ], rates and regimes per axis (momentum_theory), rate
    (their max), steps (to shrink the error 10^6-fold at that rate), bounds (the
    method's curves at β: "stable", "critical low", "critical high"), eta_star,
    beta_star (optimal_heavy_ball(1, κ)), rate_star (√β*), gd_rate_star
    ((κ-1)/(κ+1)) and path (T + 1 points [w1, w2] of torch's iteration).
    Raises ValueError for bad input.
    """
    s, beta, kappa, nag = _check(eta_lmax, beta, kappa, method, steps)
    eta, lam = s / kappa, [1.0, kappa]
    el = [eta * x for x in lam]
    rate, regime = (mt.nesterov_rate, mt.nesterov_regime) if nag else (mt.heavy_ball_rate, mt.heavy_ball_regime)
    rs = [float(rate(x, beta)) for x in el]
    eta_star, beta_star = mt.optimal_heavy_ball(1.0, kappa)
    return {"eta_lmax": s, "beta": beta, "kappa": kappa, "method": method, "eta": eta, "eta_lambdas": el,
            "rates": rs, "regimes": [regime(x, beta) for x in el], "rate": max(rs),
            "steps": rates.steps_to_reduce(max(rs), TARGET), "bounds": _bounds(beta, nag),
            "eta_star": eta_star, "beta_star": beta_star, "rate_star": mt.optimal_rate(kappa),
            "gd_rate_star": rates.rate_star(kappa), "path": _run(eta, beta, lam, nag, steps)}


# -- the drawing (the script's draw() computes the same attributes) -------------------------------------

def _log_y(e: float) -> float:
    lo, hi, M = GEOM["logmin"], GEOM["logmax"], GEOM["M"]
    v = lo if e == 0 else min(hi, max(lo, math.log10(e)))
    return M[3] - (v - lo) / (hi - lo) * (M[3] - M[2])


def _guide(rho: float, T: int) -> list:
    """The line log10(rho^t) from t = 0 until it leaves the panel or t = T, in (t, log10) coordinates."""
    lo, hi = GEOM["logmin"], GEOM["logmax"]
    if rho == 0:
        return [[0, 0], [0, lo]]
    lr = math.log10(rho)
    end = T * lr
    if end < lo:
        return [[0, 0], [lo / lr, lo]]
    return [[0, 0], [hi / lr, hi]] if end > hi else [[0, 0], [T, end]]


def _geom(n: dict) -> dict:
    x0, x1, y0, y1 = GEOM["L"]
    M, R, b, xmax = GEOM["M"], GEOM["R"], GEOM["box"], GEOM["xmax"]
    k, beta, path = n["kappa"], n["beta"], n["path"]
    T = len(path) - 1

    def px(p):
        return (x0 + (p[0] + b) / (2 * b) * (x1 - x0), y1 - (p[1] + b) / (2 * b) * (y1 - y0))

    def ex(t, v):
        return (M[0] + t / T * (M[1] - M[0]), M[3] - (v - GEOM["logmin"]) / (GEOM["logmax"] - GEOM["logmin"])
                * (M[3] - M[2]))

    def X(e):
        return R[0] + min(e, xmax) / xmax * (R[1] - R[0])

    def Y(beta):
        return R[3] - beta * (R[3] - R[2])

    shown = visible(path, lambda p: max(abs(p[0]), abs(p[1])) <= 10 * b)   # clipped to the panel
    errs = [pts((M[0] + t / T * (M[1] - M[0]), _log_y(abs(p[i]) / abs(W0[i]))) for t, p in enumerate(path))
            for i in (0, 1)]
    guides = [pts(ex(t, v) for t, v in _guide(r, T)) for r in n["rates"]]
    betas = np.array(GEOM["betas"])
    c = mt.boundaries(betas)
    pre = "nesterov" if n["method"] == "nesterov" else "heavy ball"
    stable = c[pre + " stable"]
    low = c["nesterov critical"] if pre == "nesterov" else c["heavy ball critical low"]
    high = np.ones_like(betas) if pre == "nesterov" else c["heavy ball critical high"]
    edge = [(X(float(e)), Y(float(bb))) for e, bb in zip(stable, betas)]
    band = [(X(float(e)), Y(float(bb))) for e, bb in zip(low, betas)]
    band += [(X(float(e)), Y(float(bb))) for e, bb in zip(high[::-1], betas[::-1])]
    el, es, bs = n["eta_lambdas"], n["eta_star"], n["beta_star"]
    return {"path": pts(px(p) for p in shown), "e0": errs[0], "e1": errs[1], "g0": guides[0], "g1": guides[1],
            "ry": [fix(a / math.sqrt(k) / (2 * b) * (y1 - y0), 2) for a in GEOM["levels"]],
            "edge": pts(edge), "unstable": pts(edge + [(X(xmax), Y(betas[-1])), (X(xmax), Y(0))]),
            "band": pts(band), "by": fix(Y(beta), 1), "m0": fix(X(el[0]), 1), "m1": fix(X(el[1]), 1),
            "o0": fix(X(es * 1.0), 1), "o1": fix(X(es * k), 1), "oy": fix(Y(bs), 1),
            "ovis": "hidden" if pre == "nesterov" else "visible"}


def _name(method: str) -> str:
    return "Nesterov" if method == "nesterov" else "heavy ball"


def _formula(method: str) -> str:
    return "(2 + 2β)/(1 + 2β)" if method == "nesterov" else "2 + 2β"


def _steps(n: float) -> str:
    return "2 at most (the rate is 0)" if n == 0 else ("never" if math.isinf(n) else fix(n, 1))


def _aria(n: dict) -> str:
    return (f"{_name(n['method'])} on a 2-D quadratic with condition number {fix(n['kappa'], 1)}, eta times "
            f"lambda max = {fix(n['eta_lmax'], 3)} and beta = {fix(n['beta'], 3)}: rate {fix(n['rates'][0], 4)} "
            f"({n['regimes'][0]}) along the shallow axis and {fix(n['rates'][1], 4)} ({n['regimes'][1]}) along "
            f"the steep axis; overall rate {fix(n['rate'], 4)}.")


def momentum_html(eta_lmax: float = 1.6, beta: float = 0.5, kappa: float = 10.0, method: str = "heavy ball",
                  steps: int = 100, uid: str | None = None) -> str:
    """The momentum explorer as an HTML string; see :func:`momentum_explorer`."""
    n = momentum_numbers(eta_lmax, beta, kappa, method, steps)
    uid = new_uid(uid, "momentum")
    cfg = {"uid": uid, "w0": list(W0), "steps": steps, "target": TARGET, "crtol": mt.CRITICAL_RTOL,
           "regimes": list(mt.REGIMES), "shown": PATH_SHOWN, "smax": S_MAX, "kmax": KAPPA_MAX, "geom": GEOM}
    g = _geom(n)
    x0, x1, y0, y1 = GEOM["L"]
    M0, M1, M2, M3 = GEOM["M"]
    R0, R1, R2, R3 = GEOM["R"]
    b, cx, cy = GEOM["box"], (x0 + x1) / 2, (y0 + y1) / 2
    unit = (x1 - x0) / (2 * b)
    ell = "".join(f'<ellipse class="nl-level" cx="{cx}" cy="{cy}" rx="{fix(a * unit, 2)}" ry="{ry}"/>'
                  for a, ry in zip(GEOM["levels"], g["ry"]))
    lo, hi = GEOM["logmin"], GEOM["logmax"]
    one = fix(_log_y(1.0), 1)      # the starting error, |w_i| / |w_i(0)| = 1: the transient's reference
    yt = log_ticks(M0, M1, lambda v: M3 - (v - lo) / (hi - lo) * (M3 - M2), (3, 0, -3, -6, -9, -12))
    tt = "".join(f'<text x="{fix(M0 + t / steps * (M1 - M0), 1)}" y="{M3 + 14}" text-anchor="middle">{t}</text>'
                 for t in range(0, steps + 1, max(1, steps // 4)))
    xt = "".join(f'<text x="{fix(R0 + e / S_MAX * (R1 - R0), 1)}" y="{R3 + 14}" text-anchor="middle">{e}</text>'
                 for e in range(5))
    bt = "".join(f'<line x1="{R0}" x2="{R1}" y1="{fix(R3 - v * (R3 - R2), 1)}" y2="{fix(R3 - v * (R3 - R2), 1)}" '
                 f'stroke="#e4e4e4"/><text x="{R0 - 5}" y="{fix(R3 - v * (R3 - R2) + 4, 1)}" text-anchor="end">'
                 f'{v:g}</text>' for v in (0, 0.25, 0.5, 0.75, 1))
    dot = f"{uid}-dot"
    nag = n["method"] == "nesterov"
    data = {"eta-lmax": num(n["eta_lmax"]), "beta": num(n["beta"]), "kappa": num(n["kappa"]),
            "method": n["method"], "eta": num(n["eta"]), "eta-lambdas": compact_json(n["eta_lambdas"]),
            "rates": compact_json(n["rates"]), "regimes": compact_json(n["regimes"]), "rate": num(n["rate"]),
            "steps": steps_attr(n["steps"]), "bounds": compact_json(n["bounds"]), "eta-star": num(n["eta_star"]),
            "beta-star": num(n["beta_star"]), "rate-star": num(n["rate_star"]),
            "gd-rate-star": num(n["gd_rate_star"]), "path": compact_json(n["path"][:PATH_SHOWN])}
    el, rs, regs = n["eta_lambdas"], n["rates"], n["regimes"]
    w0x, w0y = x0 + (W0[0] + b) * unit, y1 - (W0[1] + b) * unit
    radio = ('<label style="margin-right:0.6em"><input type="radio" id="{u}-{c}" class="nl-{c}" name="{u}-method" '
             'value="{v}"{chk}> {t}</label>')
    return f"""<figure id="{uid}" class="nntrain-live nntrain-live-momentum" {data_attrs(data)} style="{STYLE}">
<div style="font-weight:600;margin-bottom:0.2em">Momentum on a 2-D quadratic (computed in the page)</div>
{slider(uid, "s", "ηλ<sub>max</sub>", 0.01, S_MAX, "any", n["eta_lmax"], "eta times lambda max",
        f"{fix(n['eta_lmax'], 3)} (η = {fix(n['eta'], 5)})")}
{slider(uid, "b", "β", 0, BETA_MAX, "any", n["beta"], "momentum beta", fix(n["beta"], 3))}
{slider(uid, "k", "κ", 0, f"{math.log10(KAPPA_MAX):g}", "any", repr(math.log10(n["kappa"])),
        "condition number kappa, log scale", fix(n["kappa"], 1))}
<div style="{ROW}" role="radiogroup" aria-label="method"><span style="min-width:3.5em">method</span>
{radio.format(u=uid, c="hb", v="heavy ball", chk="" if nag else " checked", t="heavy ball")}
{radio.format(u=uid, c="nag", v="nesterov", chk=" checked" if nag else "", t="Nesterov (torch's form)")}
{button("nl-opt", "set heavy ball to its best (η*, β*)")}</div>
<svg class="nl-svg" viewBox="0 0 760 290" width="100%" role="img" aria-label="{html.escape(_aria(n))}" \
style="display:block;max-width:760px;font:12px system-ui,sans-serif">
<defs><clipPath id="{uid}-clipL"><rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}"/></clipPath>
<clipPath id="{uid}-clipM"><rect x="{M0}" y="{M2}" width="{M1 - M0}" height="{M3 - M2}"/></clipPath>
<marker id="{dot}" viewBox="0 0 6 6" refX="3" refY="3" markerWidth="3.5" markerHeight="3.5">\
<circle cx="3" cy="3" r="2.6" fill="{VERMILLION}"/></marker></defs>
<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="none" stroke="#bbb"/>
<g clip-path="url(#{uid}-clipL)" fill="none" stroke="{SKY}" stroke-width="0.9">{ell}</g>
<line x1="{x0}" x2="{x1}" y1="{cy}" y2="{cy}" stroke="{GREEN}" stroke-dasharray="2 3"/>
<line x1="{cx}" x2="{cx}" y1="{y0}" y2="{y1}" stroke="{ORANGE}" stroke-dasharray="2 3"/>
<polyline class="nl-path" points="{g['path']}" fill="none" stroke="{VERMILLION}" stroke-width="1" \
marker-start="url(#{dot})" marker-mid="url(#{dot})" marker-end="url(#{dot})" clip-path="url(#{uid}-clipL)"/>
<rect x="{fix(w0x - 4.5, 1)}" y="{fix(w0y - 4.5, 1)}" width="9" height="9" fill="{BLUE}"/>
<text x="{x1 - 4}" y="{cy + 15}" fill="{GREEN}" text-anchor="end">shallow, λ = 1</text>
<text x="{cx + 4}" y="{y0 + 13}" fill="{ORANGE}">steep, λ = κ</text>
<text x="{cx}" y="{y1 + 16}" text-anchor="middle">w₁ (square: the start)</text>
<text x="{x0 - 6}" y="{cy + 4}" text-anchor="end">w₂</text>
<text x="{x0}" y="{y0 - 10}">contours of (w₁² + κw₂²)/2, iterates</text>
<rect x="{M0}" y="{M2}" width="{M1 - M0}" height="{M3 - M2}" fill="none" stroke="#bbb"/>{yt}{tt}
<line class="nl-one" x1="{M0}" x2="{M1}" y1="{one}" y2="{one}" stroke="#333" stroke-width="1.2" \
stroke-dasharray="2 2"/>
<g clip-path="url(#{uid}-clipM)" fill="none" stroke-width="1.4">
<polyline class="nl-e0" points="{g['e0']}" stroke="{GREEN}"/><polyline class="nl-e1" points="{g['e1']}" \
stroke="{ORANGE}"/><polyline class="nl-g0" points="{g['g0']}" stroke="{GREEN}" stroke-dasharray="5 3" \
stroke-width="1.1"/><polyline class="nl-g1" points="{g['g1']}" stroke="{ORANGE}" stroke-dasharray="5 3" \
stroke-width="1.1"/></g>
<text x="{(M0 + M1) / 2}" y="{M3 + 30}" text-anchor="middle">step t (dashed: rate<tspan baseline-shift="super" \
font-size="9">t</tspan>; dotted: 1, the start)</text>
<text x="{M0}" y="{M2 - 10}">|w<tspan baseline-shift="sub" font-size="9">i</tspan>| per axis, relative, \
log scale</text>
<polygon class="nl-unstable" points="{g['unstable']}" fill="{VERMILLION}" fill-opacity="0.13"/>
<polygon class="nl-band" points="{g['band']}" fill="{SKY}" fill-opacity="0.3" stroke="{BLUE}" \
stroke-dasharray="4 3"/>
<rect x="{R0}" y="{R2}" width="{R1 - R0}" height="{R3 - R2}" fill="none" stroke="#bbb"/>{bt}{xt}
<polyline class="nl-edge" points="{g['edge']}" fill="none" stroke="{VERMILLION}" stroke-width="1.6"/>
<line class="nl-bline" x1="{R0}" x2="{R1}" y1="{g['by']}" y2="{g['by']}" stroke="{GREY}"/>
<circle class="nl-o0" cx="{g['o0']}" cy="{g['oy']}" r="6" fill="none" stroke="#222" stroke-width="1.3" \
visibility="{g['ovis']}"/>
<circle class="nl-o1" cx="{g['o1']}" cy="{g['oy']}" r="6" fill="none" stroke="#222" stroke-width="1.3" \
visibility="{g['ovis']}"/>
<circle class="nl-m0" cx="{g['m0']}" cy="{g['by']}" r="4.5" fill="{GREEN}" stroke="#fff"/>
<circle class="nl-m1" cx="{g['m1']}" cy="{g['by']}" r="4.5" fill="{ORANGE}" stroke="#fff"/>
<text class="nl-blabel" x="{R0 - 44}" y="{(R2 + R3) / 2 + 5}" text-anchor="middle" font-size="14">β</text>
<text x="{fix(R0 + 3.3 / S_MAX * (R1 - R0), 1)}" y="{R3 - 12}" fill="{VERMILLION}" text-anchor="middle">unstable</text>
<text x="{(R0 + R1) / 2}" y="{R3 + 30}" text-anchor="middle">ηλ (blue band: underdamped)</text>
<text x="{R0}" y="{R2 - 10}">(ηλ, β) plane of <tspan class="nl-pname">{_name(n['method'])}</tspan></text>
</svg>
<p class="nl-readout" aria-live="polite" style="margin:0.3em 0;font-size:13px"><b class="nl-method">{_name(n['method'])}</b>: \
<span style="color:{GREEN}">shallow</span> ηλ = <span class="nl-el0">{fix(el[0], 4)}</span>, rate \
<b class="nl-r0">{fix(rs[0], 4)}</b> (<span class="nl-reg0">{regs[0]}</span>); \
<span style="color:{ORANGE}">steep</span> ηλ = <span class="nl-el1">{fix(el[1], 4)}</span>, rate \
<b class="nl-r1">{fix(rs[1], 4)}</b> (<span class="nl-reg1">{regs[1]}</span>)<br>overall rate \
<b class="nl-rate">{fix(n['rate'], 4)}</b> · steps to shrink the error 10⁶-fold: <b class="nl-steps">\
{_steps(n['steps'])}</b> · stable for 0 &lt; ηλ &lt; <span class="nl-formula">{_formula(n['method'])}</span> = \
<span class="nl-bound">{fix(n['bounds']['stable'], 3)}</span><br>heavy ball at its best for this κ: \
η* = <span class="nl-eta-star">{fix(n['eta_star'], 5)}</span>, β* = \
<span class="nl-beta-star">{fix(n['beta_star'], 4)}</span>, rate √β* = (√κ − 1)/(√κ + 1) = \
<b class="nl-rate-star">{fix(n['rate_star'], 4)}</b>; gradient descent at its best: (κ − 1)/(κ + 1) = \
<b class="nl-gd-star">{fix(n['gd_rate_star'], 4)}</b></p>
<figcaption id="{uid}-caption" style="font-size:13px;color:#444;text-align:left;margin-top:0.3em">torch's \
SGD with momentum β on a quadratic with eigenvalues 1 (shallow axis, green) and κ (steep axis, orange), the step \
set as ηλ<sub>max</sub>. Step t uses the gradient g<sub>t</sub> = ∇E(w<sub>t−1</sub>): the buffer \
b<sub>t</sub> = βb<sub>t−1</sub> + g<sub>t</sub> (b<sub>1</sub> = g<sub>1</sub>), then w<sub>t</sub> = \
w<sub>t−1</sub> − ηb<sub>t</sub>, or w<sub>t</sub> = w<sub>t−1</sub> − η(g<sub>t</sub> + βb<sub>t</sub>) for \
Nesterov. Per axis the iteration is a 2 × 2 linear map whose larger eigenvalue (in modulus) is the rate: \
inside the blue band of the (ηλ, β) plane the eigenvalues are complex, the error spirals, and the rate is \
√β for the heavy ball (√(β(1 − ηλ)) for Nesterov); outside it they are real and the larger sets the rate; \
beyond the red edge one exceeds 1 in modulus. The heavy ball is fastest when the band just spans both axes \
(circles in its plane); Nesterov's stable region is smaller, ηλ &lt; (2 + 2β)/(1 + 2β). The dotted line of \
the error panel is 1, the start: the map is not symmetric, so an error can first grow above it before it decays (the steep axis at the \
heavy ball's best setting). A small script computes the run in the page; \
without it the figure shows ηλ<sub>max</sub> = {n['eta_lmax']:g}, β = {n['beta']:g}, κ = {n['kappa']:g} \
and {_name(n['method'])}.</figcaption>
{script(_JS, cfg)}
</figure>"""


def momentum_explorer(eta_lmax: float = 1.6, beta: float = 0.5, kappa: float = 10.0, method: str = "heavy ball",
                      steps: int = 100, uid: str | None = None):
    """Sliders for ηλ_max in (0, 4], β in [0, 0.99] and κ in [1, 1000] (log), a heavy ball / Nesterov toggle.

    Inputs as :func:`momentum_numbers`, plus ``uid`` the figure's HTML id
    (default live-momentum-1, -2, ... in call order). Returns
    ``IPython.display.HTML`` with ``.data`` the snippet and ``.nbytes`` its size.
    """
    return display(momentum_html(eta_lmax, beta, kappa, method, steps, uid))


# -- the page's script: JS_HEAD + helpers + draw(); ES5 plus Math.log10 ---------------------------------
# It mirrors momentum_numbers, momentum_theory and _geom above, operation for operation.

_JS = JS_HEAD + JS_STEPS + JS_VISIBLE + r"""var G = cfg.geom, L = G.L, M = G.M, R = G.R, RG = cfg.regimes;
function kappa() { return Math.min(cfg.kmax, Math.max(1, Math.pow(10, parseFloat(q("nl-k").value)))); }
function td(el, b, nag) { return nag ? [(1 + b) * (1 - el), b * (1 - el)] : [1 + b - el, b]; }
function bound(b, nag) { return nag ? (2 + 2 * b) / (1 + 2 * b) : 2 + 2 * b; }
function rate(el, b, nag) {       // momentum_theory.heavy_ball_rate / nesterov_rate: the larger |root|
  var c = td(el, b, nag), T = c[0], disc = T * T - 4 * c[1], s;
  if (disc < 0) return Math.sqrt(T / 2 * (T / 2) - disc / 4);
  s = Math.sqrt(disc);
  return Math.abs((T + (T < 0 ? -s : s)) / 2);
}
function regime(el, b, nag) {     // momentum_theory.heavy_ball_regime / nesterov_regime
  var c = td(el, b, nag), T = c[0], D = c[1], disc = T * T - 4 * D;
  if (!(0 < el && el < bound(b, nag))) return RG[3];
  if (Math.abs(disc) <= cfg.crtol * Math.max(T * T, 4 * Math.abs(D))) return RG[1];
  return disc < 0 ? RG[2] : RG[0];
}
function curves(b, nag) {         // momentum_theory.boundaries for the method
  var r = Math.sqrt(b), lo = (1 - b) / (1 + b);
  return nag ? {stable: bound(b, true), low: lo * lo, high: 1} :
    {stable: bound(b, false), low: (1 - r) * (1 - r), high: (1 + r) * (1 + r)};
}
function logY(e) {
  var lo = G.logmin, hi = G.logmax, v = e === 0 ? lo : Math.min(hi, Math.max(lo, Math.log10(e)));
  return M[3] - (v - lo) / (hi - lo) * (M[3] - M[2]);
}
function guide(rho, T) {
  var lo = G.logmin, hi = G.logmax, lr, end;
  if (rho === 0) return [[0, 0], [0, lo]];
  lr = Math.log10(rho); end = T * lr;
  if (end < lo) return [[0, 0], [lo / lr, lo]];
  return end > hi ? [[0, 0], [hi / lr, hi]] : [[0, 0], [T, end]];
}
function stepsWords(n) { return n === 0 ? "2 at most (the rate is 0)" : (n === Infinity ? "never" : fix(n, 1)); }

function draw() {
  var s = parseFloat(q("nl-s").value), b = parseFloat(q("nl-b").value), k = kappa(), nag = q("nl-nag").checked;
  var method = nag ? "nesterov" : "heavy ball", name = nag ? "Nesterov" : "heavy ball";
  var eta = s / k, lam = [1, k], el = [eta * lam[0], eta * lam[1]], t, i, g;
  var rs = [rate(el[0], b, nag), rate(el[1], b, nag)], regs = [regime(el[0], b, nag), regime(el[1], b, nag)];
  var rmax = Math.max(rs[0], rs[1]), n = stepsTo(rmax), cv = curves(b, nag);
  var bounds = {stable: cv.stable, "critical low": cv.low, "critical high": cv.high};
  var sk = Math.sqrt(k), d = Math.sqrt(k) + Math.sqrt(1), es = 4 / (d * d), ro = (sk - 1) / (sk + 1), bs = ro * ro;
  var w = cfg.w0.slice(), buf = [0, 0], path = [w.slice()];
  for (t = 0; t < cfg.steps; t++) {
    for (i = 0; i < 2; i++) {
      g = lam[i] * w[i];
      buf[i] = t === 0 ? g : b * buf[i] + g;
      w[i] = w[i] - (nag ? b * buf[i] + g : buf[i]) * eta;
    }
    path.push(w.slice());
  }
  var T = path.length - 1, bx = G.box, xmax = G.xmax, lo = G.logmin, hi = G.logmax;
  function px(p) { return [L[0] + (p[0] + bx) / (2 * bx) * (L[1] - L[0]), L[3] - (p[1] + bx) / (2 * bx) * (L[3] - L[2])]; }
  function ex(p) { return [M[0] + p[0] / T * (M[1] - M[0]), M[3] - (p[1] - lo) / (hi - lo) * (M[3] - M[2])]; }
  function X(e) { return R[0] + Math.min(e, xmax) / xmax * (R[1] - R[0]); }
  function Y(v) { return R[3] - v * (R[3] - R[2]); }
  var shown = visible(path, function (p) { return Math.max(Math.abs(p[0]), Math.abs(p[1])) <= 10 * bx; });
  attr(q("nl-path"), {points: pts(shown.map(px))});
  for (i = 0; i < 2; i++) {
    attr(q("nl-e" + i), {points: pts(path.map(function (p, j) {
      return [M[0] + j / T * (M[1] - M[0]), logY(Math.abs(p[i]) / Math.abs(cfg.w0[i]))]; }))});
    attr(q("nl-g" + i), {points: pts(guide(rs[i], T).map(ex))});
  }
  var levels = root.querySelectorAll(".nl-level");
  for (t = 0; t < levels.length; t++) {
    levels[t].setAttribute("ry", fix(G.levels[t] / Math.sqrt(k) / (2 * bx) * (L[3] - L[2]), 2));
  }
  var edge = [], band = [], back = [], B = G.betas, c;
  for (t = 0; t < B.length; t++) {
    c = curves(B[t], nag);
    edge.push([X(c.stable), Y(B[t])]); band.push([X(c.low), Y(B[t])]); back.unshift([X(c.high), Y(B[t])]);
  }
  attr(q("nl-edge"), {points: pts(edge)});
  attr(q("nl-unstable"), {points: pts(edge.concat([[X(xmax), Y(B[B.length - 1])], [X(xmax), Y(0)]]))});
  attr(q("nl-band"), {points: pts(band.concat(back))});
  var by = fix(Y(b), 1), oy = fix(Y(bs), 1), vis = nag ? "hidden" : "visible";
  attr(q("nl-bline"), {y1: by, y2: by});
  attr(q("nl-m0"), {cx: fix(X(el[0]), 1), cy: by});
  attr(q("nl-m1"), {cx: fix(X(el[1]), 1), cy: by});
  attr(q("nl-o0"), {cx: fix(X(es * 1), 1), cy: oy, visibility: vis});
  attr(q("nl-o1"), {cx: fix(X(es * k), 1), cy: oy, visibility: vis});
  text("nl-s-out", fix(s, 3) + " (\u03b7 = " + fix(eta, 5) + ")");
  text("nl-b-out", fix(b, 3));
  text("nl-k-out", fix(k, 1));
  text("nl-pname", name);
  text("nl-method", name);
  for (i = 0; i < 2; i++) { text("nl-el" + i, fix(el[i], 4)); text("nl-r" + i, fix(rs[i], 4)); text("nl-reg" + i, regs[i]); }
  text("nl-rate", fix(rmax, 4));
  text("nl-steps", stepsWords(n));
  text("nl-formula", nag ? "(2 + 2\u03b2)/(1 + 2\u03b2)" : "2 + 2\u03b2");
  text("nl-bound", fix(cv.stable, 3));
  text("nl-eta-star", fix(es, 5));
  text("nl-beta-star", fix(bs, 4));
  text("nl-rate-star", fix(ro, 4));
  text("nl-gd-star", fix((k - 1) / (k + 1), 4));
  q("nl-svg").setAttribute("aria-label", name + " on a 2-D quadratic with condition number " + fix(k, 1) +
    ", eta times lambda max = " + fix(s, 3) + " and beta = " + fix(b, 3) + ": rate " + fix(rs[0], 4) + " (" +
    regs[0] + ") along the shallow axis and " + fix(rs[1], 4) + " (" + regs[1] + ") along the steep axis; " +
    "overall rate " + fix(rmax, 4) + ".");
  data({"eta-lmax": String(s), beta: String(b), kappa: String(k), method: method, eta: String(eta),
        "eta-lambdas": JSON.stringify(el), rates: JSON.stringify(rs), regimes: JSON.stringify(regs),
        rate: String(rmax), steps: String(n), bounds: JSON.stringify(bounds), "eta-star": String(es),
        "beta-star": String(bs), "rate-star": String(ro), "gd-rate-star": String((k - 1) / (k + 1)),
        path: JSON.stringify(path.slice(0, cfg.shown))});
}

var inputs = root.querySelectorAll("input");
for (var j = 0; j < inputs.length; j++) inputs[j].addEventListener(inputs[j].type === "radio" ? "change" : "input", draw);
q("nl-opt").addEventListener("click", function () {
  var k = kappa(), d = Math.sqrt(k) + Math.sqrt(1), sk = Math.sqrt(k), ro = (sk - 1) / (sk + 1);
  q("nl-hb").checked = true;
  q("nl-b").value = String(ro * ro);
  q("nl-s").value = String(4 / (d * d) * k);
  draw();
});
draw();
}"""
