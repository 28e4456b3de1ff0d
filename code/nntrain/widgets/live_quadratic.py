"""Explorers that compute in the page: gradient descent on a quadratic, in SVG and a little JavaScript.

A static page has no Python kernel, but gradient descent on a quadratic is a
few multiplications: a short inline script runs it for any slider value and
redraws the figure, so the slider is continuous and nothing is precomputed.
Each explorer is one self-contained HTML snippet (no library, no network) of
about 15 kB:

    step_size_explorer()        # E(w) = λ/2 (w - w*)^2: a slider for ηλ
    quadratic_2d_explorer()     # eigenvalues 1 and κ: sliders for ηλ_max and κ

Python draws the figure for the starting values (a reader without JavaScript
still sees a complete figure); the script recomputes everything when a slider
moves and writes its numbers into ``data-*`` attributes of the ``<figure>``
(``data-factor``, ``data-rate``, ``data-regime``, ``data-steps``, ``data-path``,
...), where tests/test_live_quadratic.py compares them in a browser with
:mod:`nntrain.rates` and :mod:`nntrain.descent`. :func:`step_size_numbers` and
:func:`quadratic_2d_numbers` compute the same numbers in Python. Ids are
deterministic (``uid``, or ``live-step-size-1``, ... in call order); the
machinery shared with :mod:`nntrain.widgets.live_momentum` is in :mod:`nntrain.widgets.live_page`.
The figures use chapter 3's notation: the loss E(w), the iteration counter k
and the iterates w^(k).
"""
from __future__ import annotations

import html
import math

from nntrain import rates  # absolute, so this file can move into a subpackage unchanged
from .live_page import (BLUE, BTN, GREEN, GREY, ORANGE, ROW, SKY, STYLE, TARGET, VERMILLION, button,
                               compact_json, data_attrs, display, fix, is_real, log_ticks, new_uid, num, pts,
                               script, slider, steps_attr, steps_text, ticks, visible, JS_HEAD, JS_STEPS, JS_VISIBLE)

__all__ = ["step_size_numbers", "quadratic_2d_numbers", "step_size_html", "quadratic_2d_html",
           "step_size_explorer", "quadratic_2d_explorer", "VERDICTS", "RATIO_MAX", "KAPPA_MAX"]

RATIO_MAX = 2.2          # the largest ηλ (1-D) and ηλ_max (2-D) on the sliders
RATIO_STEP = 0.005       # 1-D slider step: reaches the boundaries ηλ = 1 and 2 exactly
KAPPA_MAX = 100.0        # the κ slider runs over log10 κ in [0, 2]
W0_2D = (-2.5, 1.5)      # the default 2-D start; the minimiser is the origin
W0_MAX = 50.0            # the largest |w0_i| a 2-D start may have
VERDICTS = ("converging", "bouncing forever", "diverging")


# -- the numbers (Python; the page's script computes the same) -------------------------------

def _ratio(value, name: str) -> float:
    if not (is_real(value) and math.isfinite(value) and 0 < value <= RATIO_MAX):
        raise ValueError(f"{name} must be a number in (0, {RATIO_MAX}]; got {value!r}.")
    return float(value)


def _verdict(regimes) -> str:
    if "diverging" in regimes:
        return "diverging"
    return "bouncing forever" if "bouncing forever" in regimes else "converging"


def _start_2d(w0) -> tuple[float, float]:
    """``w0`` checked as a 2-D start: two finite real numbers, each at most W0_MAX in size, not both 0."""
    ok = (not isinstance(w0, (str, bytes)) and hasattr(w0, "__len__") and len(w0) == 2
          and all(is_real(v) and math.isfinite(v) and abs(v) <= W0_MAX for v in w0)
          and any(v != 0 for v in w0))
    if not ok:
        raise ValueError(f"w0 must be two finite numbers (w1, w2), not both 0, each at most {W0_MAX:g} in "
                         f"size; got {w0!r}.")
    return float(w0[0]), float(w0[1])


def step_size_numbers(ratio: float, curvature: float = 2.0, w0: float = -1.0, w_star: float = 1.0,
                      steps: int = 40) -> dict:
    """Gradient descent on E(w) = curvature/2 (w - w_star)^2 from ``w0`` with η = ratio / curvature.

    Inputs: ``ratio`` = ηλ in (0, 2.2]; ``curvature`` λ > 0; ``w0`` != ``w_star``; ``steps`` >= 1.
    Returns a dict: ratio, eta, factor (1 - ηλ, signed), rate (|1 - ηλ|), regime
    (rates.regime's words), steps (rates.steps_to_reduce(rate), 10^-6) and path
    (the T + 1 iterates w^(k), k = 0..T, as floats). Raises ValueError for bad input.
    """
    ratio = _ratio(ratio, "ratio (eta * lambda)")
    if not (math.isfinite(curvature) and curvature > 0):
        raise ValueError(f"curvature must be a positive number; got {curvature!r}.")
    if not (math.isfinite(w0) and math.isfinite(w_star) and w0 != w_star):
        raise ValueError(f"w0 and w_star must be finite and different; got {w0!r} and {w_star!r}.")
    if not (isinstance(steps, int) and 1 <= steps <= 200):
        raise ValueError(f"steps must be an integer in [1, 200]; got {steps!r}.")
    lam, eta = float(curvature), ratio / float(curvature)
    rate = float(rates.factors(eta, [lam])[0])
    path, w = [float(w0)], float(w0)
    for _ in range(steps):               # the same operations, in the same order, as the script
        w = w - eta * (lam * (w - w_star))
        path.append(w)
    return {"ratio": ratio, "eta": eta, "factor": 1.0 - eta * lam, "rate": rate, "regime": rates.regime(ratio),
            "steps": rates.steps_to_reduce(rate, TARGET), "path": path}


def quadratic_2d_numbers(eta_lmax: float, kappa: float, steps: int = 40, w0=W0_2D) -> dict:
    """Gradient descent on E(w) = (w1^2 + κ w2^2) / 2 from ``w0`` with η = eta_lmax / κ.

    Inputs: ``eta_lmax`` = ηλ_max in (0, 2.2]; ``kappa`` in [1, 100]; ``steps`` >= 1;
    ``w0`` the start (w1, w2), default (-2.5, 1.5), each |w0_i| <= 50, not both 0.
    Returns a dict: eta_lmax, kappa, eta, eigenvalues [1, κ], factors
    [|1 - η|, |1 - ηκ|], contraction (their max), regimes (rates.regime per
    direction), verdict (one of VERDICTS), steps (to shrink the error 10^6-fold at
    the contraction), eta_star, eta_over_eta_star, rate_star ((κ-1)/(κ+1)) and
    path (T + 1 points [w1, w2]). Raises ValueError for bad input.
    """
    s = _ratio(eta_lmax, "eta_lmax (eta * lambda_max)")
    if not (is_real(kappa) and math.isfinite(kappa) and 1 <= kappa <= KAPPA_MAX):
        raise ValueError(f"kappa must be a number in [1, {KAPPA_MAX:g}]; got {kappa!r}.")
    if not (isinstance(steps, int) and 1 <= steps <= 200):
        raise ValueError(f"steps must be an integer in [1, 200]; got {steps!r}.")
    w1, w2 = _start_2d(w0)
    kappa = float(kappa)
    eta, lam = s / kappa, [1.0, kappa]
    factors = [float(f) for f in rates.factors(eta, lam)]
    regimes = [rates.regime(eta * l) for l in lam]
    path = [[w1, w2]]
    for _ in range(steps):
        w1, w2 = w1 - eta * (lam[0] * w1), w2 - eta * (lam[1] * w2)
        path.append([w1, w2])
    star = rates.eta_star(lam)
    return {"eta_lmax": s, "kappa": kappa, "eta": eta, "eigenvalues": lam, "factors": factors,
            "contraction": max(factors), "regimes": regimes, "verdict": _verdict(regimes),
            "steps": rates.steps_to_reduce(max(factors), TARGET), "eta_star": star,
            "eta_over_eta_star": eta / star, "rate_star": rates.rate_star(kappa), "path": path}


# -- 1-D: the step size on a parabola -----------------------------------------------------------

# panels of the SVG (viewBox 0 0 760 300): left the parabola, right the error against t
G1 = {"L": [60, 350, 30, 250], "R": [450, 740, 30, 250], "logmin": -17, "logmax": 4}


def _geom_1d(n: dict, cfg: dict) -> dict:
    """Attributes and texts of the SVG's moving parts, as the script computes them."""
    x0, x1, y0, y1 = G1["L"]
    ws, span, lam = cfg["wstar"], cfg["span"], cfg["lam"]
    fmax = lam / 2 * span * span
    def px(w):
        return x0 + (w - (ws - span)) / (2 * span) * (x1 - x0)
    def py(f):
        return y1 - f / fmax * (y1 - y0)
    shown = visible(n["path"], lambda w: abs(w - ws) <= 1.1 * span)
    chords = [(px(w), py(lam / 2 * ((w - ws) * (w - ws)))) for w in shown]
    X0, X1, Y0, Y1 = G1["R"]
    lo, hi = G1["logmin"], G1["logmax"]
    def ly(w):
        e = abs(w - ws)
        v = lo if e == 0 else min(hi, max(lo, math.log10(e)))
        return Y1 - (v - lo) / (hi - lo) * (Y1 - Y0)
    T = len(n["path"]) - 1
    errs = [(X0 + t / T * (X1 - X0), ly(w)) for t, w in enumerate(n["path"])]
    hit = n["steps"]
    hx = X0 + min(hit, T) / T * (X1 - X0)
    return {"path": pts(chords), "errs": pts(errs), "hit": fix(hx, 1),
            "hitvis": "visible" if hit <= T and hit > 0 else "hidden"}


def _aria_1d(n: dict) -> str:
    return (f"Gradient descent on a parabola with eta times lambda = {fix(n['ratio'], 3)}: {n['regime']}; "
            f"the error is multiplied by {fix(n['factor'], 3)} at every step.")


def step_size_html(ratio: float = 0.5, curvature: float = 2.0, w0: float = -1.0, w_star: float = 1.0,
                   steps: int = 40, uid: str | None = None) -> str:
    """The 1-D explorer as an HTML string; see :func:`step_size_explorer`."""
    ratio = _ratio(ratio, "ratio (eta * lambda)")
    ratio = round(max(1, round(ratio / RATIO_STEP)) * RATIO_STEP, 3)   # where the browser puts the slider
    n = step_size_numbers(ratio, curvature, w0, w_star, steps)
    uid = new_uid(uid, "step-size")
    span = 1.25 * abs(w0 - w_star)
    cfg = {"kind": "step", "uid": uid, "lam": float(curvature), "w0": float(w0), "wstar": float(w_star),
           "span": span, "steps": steps, "target": TARGET, "rtol": rates.BOUNDARY_RTOL,
           "regimes": list(rates.REGIMES), "geom": G1}
    g = _geom_1d(n, cfg)
    x0, x1, y0, y1 = G1["L"]
    X0, X1, Y0, Y1 = G1["R"]
    fmax = curvature / 2 * span * span
    parab = [(x0 + k / 80 * (x1 - x0), y1 - (curvature / 2 * (span * (2 * k / 80 - 1)) ** 2) / fmax * (y1 - y0))
             for k in range(81)]
    wx = lambda w: x0 + (w - (w_star - span)) / (2 * span) * (x1 - x0)  # noqa: E731
    lo, hi = G1["logmin"], G1["logmax"]
    ly = lambda v: Y1 - (v - lo) / (hi - lo) * (Y1 - Y0)  # noqa: E731
    target = math.log10(TARGET * abs(w0 - w_star))   # the 10^-6 target, as a distance
    yt = log_ticks(X0, X1, ly, (3, 0, -3, -6, -9, -12, -15))
    xt = "".join(f'<text x="{fix(X0 + t / steps * (X1 - X0), 1)}" y="{Y1 + 16}" text-anchor="middle">{t}</text>'
                 for t in range(0, steps + 1, max(1, steps // 4)))
    wt = "".join(f'<text x="{fix(wx(w), 1)}" y="{y1 + 16}" text-anchor="middle">{w:g}</text>'
                 for w in ticks(w_star - span, w_star + span))
    dot, out = f"{uid}-dot", f"{fix(n['ratio'], 3)} (η = {fix(n['eta'], 4)})"
    data = {"ratio": num(n["ratio"]), "eta": num(n["eta"]), "factor": num(n["factor"]), "rate": num(n["rate"]),
            "regime": n["regime"], "steps": steps_attr(n["steps"]),
            "path": compact_json(n["path"])}
    return f"""<figure id="{uid}" class="nntrain-live nntrain-live-step" {data_attrs(data)} style="{STYLE}">
<div style="font-weight:600;margin-bottom:0.2em">Step size on a 1-D quadratic (computed in the page)</div>
{slider(uid, "ratio", "ηλ", RATIO_STEP, RATIO_MAX, RATIO_STEP, n['ratio'], "eta times lambda", out)}
<svg class="nl-svg" viewBox="0 0 760 300" width="100%" role="img" aria-label="{html.escape(_aria_1d(n))}" \
style="display:block;max-width:760px;font:12px system-ui,sans-serif">
<defs><clipPath id="{uid}-clipL"><rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}"/></clipPath>
<marker id="{dot}" viewBox="0 0 6 6" refX="3" refY="3" markerWidth="5" markerHeight="5">\
<circle cx="3" cy="3" r="2.6" fill="{VERMILLION}"/></marker></defs>
<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="none" stroke="#bbb"/>
<polyline points="{pts(parab)}" fill="none" stroke="#222" stroke-width="1.3" clip-path="url(#{uid}-clipL)"/>
<line x1="{fix(wx(w_star), 1)}" x2="{fix(wx(w_star), 1)}" y1="{y0}" y2="{y1}" stroke="#bbb" stroke-dasharray="3 3"/>
<polyline class="nl-path" points="{g['path']}" fill="none" stroke="{VERMILLION}" stroke-width="1.2" \
marker-start="url(#{dot})" marker-mid="url(#{dot})" marker-end="url(#{dot})" clip-path="url(#{uid}-clipL)"/>
<rect x="{fix(wx(w0) - 4.5, 1)}" y="{fix(y1 - (curvature / 2 * (w0 - w_star) ** 2) / fmax * (y1 - y0) - 4.5, 1)}" \
width="9" height="9" fill="{BLUE}"/>
{wt}<text x="{(x0 + x1) / 2}" y="{y1 + 34}" text-anchor="middle">w (dashed: the minimum w*; square: the start)</text>
<text x="{x0}" y="{y0 - 10}">E(w) = λ/2 (w − w*)² and the iterates</text>
<rect x="{X0}" y="{Y0}" width="{X1 - X0}" height="{Y1 - Y0}" fill="none" stroke="#bbb"/>{yt}
<line x1="{X0}" x2="{X1}" y1="{fix(ly(target), 1)}" y2="{fix(ly(target), 1)}" stroke="{ORANGE}" \
stroke-width="1.5" stroke-dasharray="6 4"/>
<line class="nl-hit" x1="{g['hit']}" x2="{g['hit']}" y1="{Y0}" y2="{Y1}" stroke="{ORANGE}" stroke-width="1.2" \
visibility="{g['hitvis']}"/>
<polyline class="nl-errs" points="{g['errs']}" fill="none" stroke="{VERMILLION}" stroke-width="1.2" \
marker-start="url(#{dot})" marker-mid="url(#{dot})" marker-end="url(#{dot})"/>
{xt}<text x="{(X0 + X1) / 2}" y="{Y1 + 34}" text-anchor="middle">iteration k (orange: the 10⁻⁶ target, \
when met)</text>
<text x="{X0}" y="{Y0 - 10}">distance to the minimum |w⁽ᵏ⁾ − w*| (log scale)</text>
</svg>
<p class="nl-readout" aria-live="polite" style="margin:0.3em 0">factor 1 − ηλ = <b class="nl-factor">\
{fix(n['factor'], 3)}</b> · regime: <b class="nl-regime">{n['regime']}</b> · rate |1 − ηλ| = \
<b class="nl-rate">{fix(n['rate'], 3)}</b> · steps to shrink the error 10⁶-fold: \
<b class="nl-steps">{steps_text(n['steps'])}</b></p>
<figcaption id="{uid}-caption" style="font-size:13px;color:#444;text-align:left;margin-top:0.3em">Gradient descent on E(w) = λ/2 (w − w*)² with \
λ = {curvature:g}, from w<sup>(0)</sup> = {w0:g} to w* = {w_star:g}. Each step multiplies the error w − w* by \
1 − ηλ, so the slider sets everything. Left: the iterates on the parabola (they cross to the other side when \
1 − ηλ &lt; 0). Right: the distance |w<sup>(k)</sup> − w*| on a log scale, where a constant factor per step is a \
straight line; the dashed orange line is 10⁻⁶ times the first distance, and the vertical one marks when the \
run gets there; an error that rounds to exactly 0 (w<sup>(k)</sup> = w* in floating point) sits on the bottom edge. A small script computes the run in the \
page; without it the figure shows ηλ = {n['ratio']:g}.</figcaption>
{script(_JS, cfg)}
</figure>"""


# -- 2-D: gradient descent on an elongated bowl -----------------------------------------------

# panels of the SVG (viewBox 0 0 760 370): left the contours (w in [-box, box]^2), right the factors against
# ηλ_max. The box is 3 unless the start needs more room (:func:`_geom_2d_for`); contours at w1 = box/8, 2 box/8, ...
G2 = {"L": [50, 340, 30, 320], "R": [440, 740, 30, 290], "box": 3.0, "fmax": 1.3,
      "levels": [0.375 * k for k in range(1, 9)]}


def _geom_2d_for(w0) -> dict:
    """G2 with a box that holds the start ``w0`` with a margin (3, or the next integer above 1.2 max|w0_i|)."""
    b = max(G2["box"], float(math.ceil(1.2 * max(abs(w0[0]), abs(w0[1])))))
    return dict(G2, box=b, levels=[round(b / 8 * k, 12) for k in range(1, 9)])


def _geom_2d(n: dict, G: dict = G2) -> dict:
    x0, x1, y0, y1 = G["L"]
    b = G["box"]
    def px(p):
        return (x0 + (p[0] + b) / (2 * b) * (x1 - x0), y1 - (p[1] + b) / (2 * b) * (y1 - y0))
    shown = visible(n["path"], lambda p: max(abs(p[0]), abs(p[1])) <= 1.15 * b)
    X0, X1, Y0, Y1 = G["R"]
    k, s, sst = n["kappa"], n["eta_lmax"], n["eta_star"] * n["kappa"]
    def q(x, f):
        return (X0 + x / RATIO_MAX * (X1 - X0), Y1 - f / G["fmax"] * (Y1 - Y0))
    kink = min(k, RATIO_MAX)
    shallow = [q(0, 1), q(kink, abs(1 - kink / k)), q(RATIO_MAX, abs(1 - RATIO_MAX / k))]
    envelope = [q(0, 1), q(sst, n["rate_star"]), q(RATIO_MAX, RATIO_MAX - 1)]
    ry = [fix(a / math.sqrt(k) / (2 * b) * (y1 - y0), 3) for a in G["levels"]]   # 3 decimals: no tie at κ = 25
    cur = q(s, 0)[0]
    return {"path": pts(px(p) for p in shown), "shallow": pts(shallow), "envelope": pts(envelope),
            "ry": ry, "cur": fix(cur, 1), "star": fix(q(sst, 0)[0], 1),
            "dot0": fix(q(s, n["factors"][0])[1], 1), "dot1": fix(q(s, n["factors"][1])[1], 1)}


def _aria_2d(n: dict) -> str:
    return (f"Gradient descent on a 2-D quadratic with condition number {fix(n['kappa'], 1)} and eta times "
            f"lambda max = {fix(n['eta_lmax'], 3)}: {n['verdict']}; factors {fix(n['factors'][0], 3)} "
            f"along the shallow and {fix(n['factors'][1], 3)} along the steep axis.")


def quadratic_2d_html(eta_lmax: float = 1.6, kappa: float = 10.0, steps: int = 40, uid: str | None = None,
                      w0=W0_2D) -> str:
    """The 2-D explorer as an HTML string; see :func:`quadratic_2d_explorer`."""
    n = quadratic_2d_numbers(eta_lmax, kappa, steps, w0)
    start = n["path"][0]
    uid = new_uid(uid, "quadratic-2d")
    G = _geom_2d_for(start)
    cfg = {"kind": "quad2d", "uid": uid, "w0": list(start), "steps": steps, "target": TARGET,
           "rtol": rates.BOUNDARY_RTOL, "regimes": list(rates.REGIMES), "verdicts": list(VERDICTS),
           "smax": RATIO_MAX, "kmax": KAPPA_MAX, "geom": G}
    g = _geom_2d(n, G)
    x0, x1, y0, y1 = G["L"]
    X0, X1, Y0, Y1 = G["R"]
    b, cx, cy = G["box"], (x0 + x1) / 2, (y0 + y1) / 2
    unit = (x1 - x0) / (2 * b)
    ell = "".join(f'<ellipse class="nl-level" cx="{cx}" cy="{cy}" rx="{fix(a * unit, 2)}" ry="{ry}"/>'
                  for a, ry in zip(G["levels"], g["ry"]))
    wticks = "".join(f'<text x="{fix(cx + v * unit, 1)}" y="{y1 + 14}" text-anchor="middle">{v:g}</text>'
                     f'<text x="{x0 - 4}" y="{fix(cy - v * unit + 4, 1)}" text-anchor="end">{v:g}</text>'
                     for v in ticks(-b, b))
    sx = lambda s: X0 + s / RATIO_MAX * (X1 - X0)  # noqa: E731
    fy = lambda f: Y1 - f / G["fmax"] * (Y1 - Y0)  # noqa: E731
    steep = pts([(sx(0), fy(1)), (sx(1), fy(0)), (sx(RATIO_MAX), fy(RATIO_MAX - 1))])
    sticks = "".join(f'<text x="{fix(sx(s), 1)}" y="{Y1 + 16}" text-anchor="middle">{s:g}</text>'
                    for s in (0, 0.5, 1, 1.5, 2))
    fticks = "".join(f'<line x1="{X0}" x2="{X1}" y1="{fix(fy(f), 1)}" y2="{fix(fy(f), 1)}" stroke="#e4e4e4"/>'
                     f'<text x="{X0 - 6}" y="{fix(fy(f) + 4, 1)}" text-anchor="end">{f:g}</text>'
                     for f in (0, 0.5, 1))
    dot, out = f"{uid}-dot", f"{fix(n['eta_lmax'], 3)} (η = {fix(n['eta'], 4)})"
    data = {"eta-lmax": num(n["eta_lmax"]), "kappa": num(n["kappa"]), "eta": num(n["eta"]),
            "factors": compact_json(n["factors"]), "contraction": num(n["contraction"]),
            "regimes": compact_json(n["regimes"]), "verdict": n["verdict"],
            "steps": steps_attr(n["steps"]),
            "eta-star": num(n["eta_star"]), "eta-over-eta-star": num(n["eta_over_eta_star"]),
            "rate-star": num(n["rate_star"]), "path": compact_json(n["path"])}
    w0x, w0y = x0 + (start[0] + b) * unit, y1 - (start[1] + b) * unit
    return f"""<figure id="{uid}" class="nntrain-live nntrain-live-quad2d" {data_attrs(data)} style="{STYLE}">
<div style="font-weight:600;margin-bottom:0.2em">Gradient descent on a 2-D quadratic (computed in the page)</div>
{slider(uid, "s", "ηλ<sub>max</sub>", 0.01, RATIO_MAX, "any", n['eta_lmax'], "eta times lambda max", out)}
<div style="{ROW}"><label for="{uid}-k" style="min-width:3.5em">κ</label>
<input id="{uid}-k" class="nl-k" type="range" min="0" max="{math.log10(KAPPA_MAX):g}" step="any" \
value="{math.log10(n['kappa']):.12g}" aria-label="condition number kappa, log scale" style="flex:1;min-width:12em">
<output for="{uid}-k" class="nl-k-out" style="min-width:11em;font-family:monospace">{fix(n['kappa'], 2)}</output>
</div>
<div style="{ROW}">{button("nl-star", "set η = η*")}
{button("nl-edge", "set η = 2/λ<sub>max</sub> (the edge)")}
<span style="font-size:13px;color:#444">η / η* = <b class="nl-ratio-star">{fix(n['eta_over_eta_star'], 3)}</b>\
</span></div>
<svg class="nl-svg" viewBox="0 0 760 370" width="100%" role="img" aria-label="{html.escape(_aria_2d(n))}" \
style="display:block;max-width:760px;font:12px system-ui,sans-serif">
<defs><clipPath id="{uid}-clipL"><rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}"/></clipPath>
<marker id="{dot}" viewBox="0 0 6 6" refX="3" refY="3" markerWidth="4" markerHeight="4">\
<circle cx="3" cy="3" r="2.6" fill="{VERMILLION}"/></marker></defs>
<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="none" stroke="#bbb"/>
<g clip-path="url(#{uid}-clipL)" fill="none" stroke="{SKY}" stroke-width="0.9">{ell}</g>
<line x1="{x0}" x2="{x1}" y1="{cy}" y2="{cy}" stroke="{GREEN}" stroke-dasharray="2 3"/>
<line x1="{cx}" x2="{cx}" y1="{y0}" y2="{y1}" stroke="{ORANGE}" stroke-dasharray="2 3"/>
<polyline class="nl-path" points="{g['path']}" fill="none" stroke="{VERMILLION}" stroke-width="1.1" \
marker-start="url(#{dot})" marker-mid="url(#{dot})" marker-end="url(#{dot})" clip-path="url(#{uid}-clipL)"/>
<rect x="{fix(w0x - 4.5, 1)}" y="{fix(w0y - 4.5, 1)}" width="9" height="9" fill="{BLUE}"/>
<text x="{x1 - 4}" y="{cy + 16}" fill="{GREEN}" text-anchor="end">shallow axis, λ = 1</text>
<text x="{cx + 4}" y="{y0 + 14}" fill="{ORANGE}">steep axis, λ = κ</text>
{wticks}<text x="{cx}" y="{y1 + 34}" text-anchor="middle">w₁ (square: the start; the minimum is the centre)</text>
<text x="12" y="{cy}" text-anchor="middle" transform="rotate(-90 12 {cy})">w₂</text>
<text x="{x0}" y="{y0 - 10}">contours of E(w) = (w₁² + κ w₂²) / 2 and the iterates</text>
<rect x="{X0}" y="{Y0}" width="{X1 - X0}" height="{Y1 - Y0}" fill="none" stroke="#bbb"/>{fticks}{sticks}
<line class="nl-starline" x1="{g['star']}" x2="{g['star']}" y1="{Y0}" y2="{Y1}" stroke="#222" \
stroke-dasharray="2 3"/>
<polyline class="nl-envelope" points="{g['envelope']}" fill="none" stroke="#222" stroke-opacity="0.25" \
stroke-width="6"/>
<polyline class="nl-shallow" points="{g['shallow']}" fill="none" stroke="{GREEN}" stroke-width="1.8"/>
<polyline points="{steep}" fill="none" stroke="{ORANGE}" stroke-width="1.8"/>
<line class="nl-cur" x1="{g['cur']}" x2="{g['cur']}" y1="{Y0}" y2="{Y1}" stroke="{VERMILLION}" stroke-width="1.5"/>
<circle class="nl-dot0" cx="{g['cur']}" cy="{g['dot0']}" r="4.5" fill="{GREEN}" stroke="#fff"/>
<circle class="nl-dot1" cx="{g['cur']}" cy="{g['dot1']}" r="4.5" fill="{ORANGE}" stroke="#fff"/>
<text x="{(X0 + X1) / 2}" y="{Y1 + 34}" text-anchor="middle">ηλ<tspan baseline-shift="sub" font-size="9">max\
</tspan> (red: the slider; dotted: η*)</text>
<text x="{X0}" y="{Y0 - 10}">factors <tspan fill="{GREEN}">|1 − η| (shallow)</tspan>, \
<tspan fill="{ORANGE}">|1 − ηκ| (steep)</tspan>, <tspan fill="{GREY}">their max</tspan></text>
</svg>
<p class="nl-readout" aria-live="polite" style="margin:0.3em 0">factors |1 − ηλ|: shallow \
<b class="nl-f0">{fix(n['factors'][0], 3)}</b>, steep <b class="nl-f1">{fix(n['factors'][1], 3)}</b> · \
contraction max |1 − ηλ<sub>i</sub>| = <b class="nl-contraction">{fix(n['contraction'], 3)}</b> · \
<b class="nl-verdict">{n['verdict']}</b> (shallow: <span class="nl-r0">{n['regimes'][0]}</span>; steep: \
<span class="nl-r1">{n['regimes'][1]}</span>) · steps to shrink the error 10⁶-fold: \
<b class="nl-steps">{steps_text(n['steps'])}</b> · at η* = 2/(1 + κ): rate (κ − 1)/(κ + 1) = \
<b class="nl-rate-star">{fix(n['rate_star'], 3)}</b></p>
<figcaption id="{uid}-caption" style="font-size:13px;color:#444;text-align:left;margin-top:0.3em">Gradient descent on a quadratic whose Hessian \
has eigenvalues λ<sub>1</sub> = 1 (shallow) and λ<sub>2</sub> = κ (steep). The step is set as ηλ<sub>max</sub>, \
so the stability edge is 2 and the best step η* = 2/(1 + κ) is on the slider for every κ. Each direction \
shrinks by its own factor |1 − ηλ<sub>i</sub>| (right), and the slowest sets the pace; at η* the two are equal. \
There is no angle slider: turning the eigenvectors turns the picture but changes no factor, rate or step count \
of gradient descent. A small script computes the run in the page; without it the figure shows \
ηλ<sub>max</sub> = {n['eta_lmax']:g} and κ = {n['kappa']:g}, from w<sup>(0)</sup> = ({start[0]:g}, {start[1]:g}).\
</figcaption>
{script(_JS, cfg)}
</figure>"""


# -- what a chapter cell calls ------------------------------------------------------------------

def step_size_explorer(ratio: float = 0.5, curvature: float = 2.0, w0: float = -1.0, w_star: float = 1.0,
                       steps: int = 40, uid: str | None = None):
    """A continuous slider for ηλ in (0, 2.2] on E(w) = curvature/2 (w - w_star)^2, computed in the page.

    Inputs: the starting slider value ``ratio`` = ηλ in (0, 2.2] (moved to the
    slider's grid of 0.005, as a browser would); the problem (``curvature``,
    ``w0``, ``w_star``); ``steps`` drawn; ``uid`` the figure's HTML id (default
    live-step-size-1, -2, ... in call order). Returns ``IPython.display.HTML``
    with ``.data`` the snippet and ``.nbytes`` its size. Prints, for the
    slider's value: the factor 1 - ηλ, the regime (rates.regime), the rate
    |1 - ηλ| and the steps to shrink the error 10^6-fold (rates.steps_to_reduce).
    """
    return display(step_size_html(ratio, curvature, w0, w_star, steps, uid))


def quadratic_2d_explorer(eta_lmax: float = 1.6, kappa: float = 10.0, steps: int = 40, uid: str | None = None,
                          w0=W0_2D):
    """Sliders for ηλ_max in (0, 2.2] and κ in [1, 100] (log scale) on E(w) = (w1^2 + κ w2^2) / 2.

    Starts from ``w0`` (default (-2.5, 1.5); the view widens to hold a start
    farther out). Draws the contours and the iterates, and the factors |1 - ηλ_i| against
    ηλ_max; prints the factors, the contraction, the regimes, the steps to
    shrink the error 10^6-fold, η/η* and the rate at η*, with buttons that set
    η = η* and η = 2/λ_max. Returns ``IPython.display.HTML`` like
    :func:`step_size_explorer` (``uid`` default live-quadratic-2d-1, -2, ...).
    """
    return display(quadratic_2d_html(eta_lmax, kappa, steps, uid, w0))


# -- the page's script (one copy per explorer, wrapped as (function (cfg) {...})(config)) ---------
# Plain ES5 plus Math.log10. It mirrors step_size_numbers / quadratic_2d_numbers and the _geom_*
# functions above, operation for operation; tests/test_live_quadratic.py checks that it does.

_JS = JS_HEAD + r"""function regime(r) {              // rates.regime, with its tolerance and words
  if (Math.abs(r - 1) <= cfg.rtol) return cfg.regimes[1];
  if (Math.abs(r - 2) <= 2 * cfg.rtol) return cfg.regimes[3];
  return cfg.regimes[r < 1 ? 0 : (r < 2 ? 2 : 4)];
}
""" + JS_STEPS + JS_VISIBLE + r"""var G = cfg.geom, L = G.L, R = G.R;

function step() {
  var r = parseFloat(q("nl-ratio").value), lam = cfg.lam, ws = cfg.wstar, eta = r / lam;
  var w = cfg.w0, path = [w], t;
  for (t = 0; t < cfg.steps; t++) { w = w - eta * (lam * (w - ws)); path.push(w); }
  var factor = 1 - eta * lam, rate = Math.abs(factor), reg = regime(r), n = stepsTo(rate);
  var span = cfg.span, fmax = lam / 2 * span * span, lo = G.logmin, hi = G.logmax;
  var T = path.length - 1;
  function px(v) { return L[0] + (v - (ws - span)) / (2 * span) * (L[1] - L[0]); }
  function py(f) { return L[3] - f / fmax * (L[3] - L[2]); }
  function ly(v) {
    var e = Math.abs(v - ws), l = e === 0 ? lo : Math.min(hi, Math.max(lo, Math.log10(e)));
    return R[3] - (l - lo) / (hi - lo) * (R[3] - R[2]);
  }
  var shown = visible(path, function (v) { return Math.abs(v - ws) <= 1.1 * span; });
  attr(q("nl-path"), {points: pts(shown.map(function (v) { return [px(v), py(lam / 2 * ((v - ws) * (v - ws)))]; }))});
  attr(q("nl-errs"), {points: pts(path.map(function (v, i) { return [R[0] + i / T * (R[1] - R[0]), ly(v)]; }))});
  var hx = fix(R[0] + Math.min(n, T) / T * (R[1] - R[0]), 1);
  attr(q("nl-hit"), {x1: hx, x2: hx, visibility: n <= T && n > 0 ? "visible" : "hidden"});
  text("nl-ratio-out", fix(r, 3) + " (\u03b7 = " + fix(eta, 4) + ")");
  text("nl-factor", fix(factor, 3));
  text("nl-regime", reg);
  text("nl-rate", fix(rate, 3));
  text("nl-steps", stepsText(n));
  q("nl-svg").setAttribute("aria-label", "Gradient descent on a parabola with eta times lambda = " + fix(r, 3) +
    ": " + reg + "; the error is multiplied by " + fix(factor, 3) + " at every step.");
  data({ratio: String(r), eta: String(eta), factor: String(factor), rate: String(rate), regime: reg,
        steps: String(n), path: JSON.stringify(path)});
}

function quad() {
  var s = parseFloat(q("nl-s").value), k = Math.min(cfg.kmax, Math.max(1, Math.pow(10, parseFloat(q("nl-k").value))));
  var eta = s / k, lam = [1, k], smax = cfg.smax, b = G.box, t;
  var f = [Math.abs(1 - eta * lam[0]), Math.abs(1 - eta * lam[1])], c = Math.max(f[0], f[1]);
  var regs = [regime(eta * lam[0]), regime(eta * lam[1])];
  var verdict = regs.indexOf(cfg.regimes[4]) >= 0 ? cfg.verdicts[2] :
    (regs.indexOf(cfg.regimes[3]) >= 0 ? cfg.verdicts[1] : cfg.verdicts[0]);
  var star = 2 / (lam[0] + lam[1]), rstar = (k - 1) / (k + 1), n = stepsTo(c);
  var w1 = cfg.w0[0], w2 = cfg.w0[1], path = [[w1, w2]];
  for (t = 0; t < cfg.steps; t++) { w1 = w1 - eta * (lam[0] * w1); w2 = w2 - eta * (lam[1] * w2); path.push([w1, w2]); }
  function px(p) { return [L[0] + (p[0] + b) / (2 * b) * (L[1] - L[0]), L[3] - (p[1] + b) / (2 * b) * (L[3] - L[2])]; }
  function qq(x, y) { return [R[0] + x / smax * (R[1] - R[0]), R[3] - y / G.fmax * (R[3] - R[2])]; }
  var shown = visible(path, function (p) { return Math.max(Math.abs(p[0]), Math.abs(p[1])) <= 1.15 * b; });
  var sst = star * k, kink = Math.min(k, smax), cur = fix(qq(s, 0)[0], 1), st = fix(qq(sst, 0)[0], 1);
  attr(q("nl-path"), {points: pts(shown.map(px))});
  attr(q("nl-shallow"), {points: pts([qq(0, 1), qq(kink, Math.abs(1 - kink / k)), qq(smax, Math.abs(1 - smax / k))])});
  attr(q("nl-envelope"), {points: pts([qq(0, 1), qq(sst, rstar), qq(smax, smax - 1)])});
  var levels = root.querySelectorAll(".nl-level");
  for (t = 0; t < levels.length; t++) {
    levels[t].setAttribute("ry", fix(G.levels[t] / Math.sqrt(k) / (2 * b) * (L[3] - L[2]), 3));
  }
  attr(q("nl-cur"), {x1: cur, x2: cur});
  attr(q("nl-starline"), {x1: st, x2: st});
  attr(q("nl-dot0"), {cx: cur, cy: fix(qq(s, f[0])[1], 1)});
  attr(q("nl-dot1"), {cx: cur, cy: fix(qq(s, f[1])[1], 1)});
  text("nl-s-out", fix(s, 3) + " (\u03b7 = " + fix(eta, 4) + ")");
  text("nl-k-out", fix(k, 2));
  text("nl-ratio-star", fix(eta / star, 3));
  text("nl-f0", fix(f[0], 3));
  text("nl-f1", fix(f[1], 3));
  text("nl-contraction", fix(c, 3));
  text("nl-verdict", verdict);
  text("nl-r0", regs[0]);
  text("nl-r1", regs[1]);
  text("nl-steps", stepsText(n));
  text("nl-rate-star", fix(rstar, 3));
  q("nl-svg").setAttribute("aria-label", "Gradient descent on a 2-D quadratic with condition number " + fix(k, 1) +
    " and eta times lambda max = " + fix(s, 3) + ": " + verdict + "; factors " + fix(f[0], 3) +
    " along the shallow and " + fix(f[1], 3) + " along the steep axis.");
  data({"eta-lmax": String(s), kappa: String(k), eta: String(eta), factors: JSON.stringify(f),
        contraction: String(c), regimes: JSON.stringify(regs), verdict: verdict, steps: String(n),
        "eta-star": String(star), "eta-over-eta-star": String(eta / star), "rate-star": String(rstar),
        path: JSON.stringify(path)});
}

var update = cfg.kind === "step" ? step : quad;
var sliders = root.querySelectorAll("input[type=range]");
for (var i = 0; i < sliders.length; i++) sliders[i].addEventListener("input", update);
function button(c, value) {
  var el = q(c);
  if (el) el.addEventListener("click", function () {
    var k = Math.min(cfg.kmax, Math.max(1, Math.pow(10, parseFloat(q("nl-k").value))));
    q("nl-s").value = String(value(k));
    update();
  });
}
button("nl-star", function (k) { return 2 * k / (1 + k); });
button("nl-edge", function () { return 2; });
update();
}"""
