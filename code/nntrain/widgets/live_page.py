"""What every explorer that computes in the page needs: formatting, ids, data attributes, the script's head.

An explorer (:mod:`nntrain.widgets.live_quadratic`, :mod:`nntrain.widgets.live_momentum`) is
one self-contained HTML snippet: a ``<figure>`` holding sliders, an inline SVG
drawn by Python for the starting values, a readout, a caption, and a short ES5
script that recomputes and redraws everything when a slider moves. Python and
the script must write the same text for the same numbers, so that the figure a
reader sees without JavaScript is the one the script draws, and a browser test
can compare the two. This module holds the pieces both sides share:

* :func:`fix`: a number with d decimals exactly as JavaScript's ``x.toFixed(d)``
  (never "-0.0"); :func:`pts` an SVG ``points`` string; :func:`num` a number as
  ``String(x)`` writes it; :func:`compact_json` as ``JSON.stringify`` does;
* :func:`new_uid`: deterministic ids, numbered per kind in call order;
* :func:`data_attrs`, :func:`config_json`, :func:`script`: the numbers as
  ``data-*`` attributes of the figure, the script's configuration, the script;
* :func:`slider`, :func:`button`, :func:`log_ticks`: recurring bits of markup;
* :data:`JS_HEAD`, :data:`JS_STEPS`, :data:`JS_VISIBLE`: the script's shared
  helpers (``q``, ``fix``, ``pts``, ``attr``, ``data``, ``text``, ``stepsTo``,
  ``stepsText``, ``visible``), the JavaScript twins of the Python helpers here.

Nothing here imports numpy or matplotlib; the only import from the package is
absolute (``from nntrain import ...`` in the explorers), so the explorers can
move into a subpackage unchanged.
"""
from __future__ import annotations

import decimal
import html
import itertools
import json
import math
import numbers
import re

__all__ = ["fix", "pts", "num", "compact_json", "steps_attr", "steps_text", "visible", "ticks", "new_uid",
           "config_json", "data_attrs", "script", "slider", "button", "log_ticks", "display", "is_real",
           "JS_HEAD", "JS_STEPS", "JS_VISIBLE", "STYLE", "ROW", "BTN", "TARGET",
           "BLUE", "ORANGE", "GREEN", "VERMILLION", "SKY", "GREY", "PURPLE"]

TARGET = 1e-6            # "steps to shrink the error by 10^-6", as rates.steps_to_reduce

# Okabe-Ito colours, as nntrain.plotting.COLORS (not imported: that module imports matplotlib).
BLUE, ORANGE, GREEN, VERMILLION, SKY, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#888888"
PURPLE = "#CC79A7"

STYLE = ("font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#222;background:#fff;"
         "border:1px solid #ccc;border-radius:6px;padding:0.6em 0.8em;margin:1em 0;max-width:760px")
ROW = "display:flex;gap:0.6em;align-items:center;margin:0.15em 0;flex-wrap:wrap"
BTN = "font:inherit;font-size:13px;padding:0.1em 0.6em;border:1px solid #999;border-radius:4px;background:#f6f6f6"

_UID = re.compile(r"[A-Za-z][\w-]*")
_COUNTERS: dict[str, itertools.count] = {}


def is_real(x) -> bool:
    """A real number that is not a bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def fix(x: float, digits: int) -> str:
    """x with ``digits`` decimals, never "-0.0": exactly JavaScript's x.toFixed(digits), as the script's fix().

    toFixed rounds the exact binary value half away from zero; Python's format
    rounds half to even (457.25 -> "457.2", not "457.3"), hence Decimal.
    """
    with decimal.localcontext(prec=80):
        t = str(decimal.Decimal(float(x)).quantize(decimal.Decimal(1).scaleb(-digits), decimal.ROUND_HALF_UP))
    return t[1:] if re.fullmatch(r"-0\.?0*", t) else t


def pts(points) -> str:
    """An SVG points string "x,y x,y ..." with one decimal, as the script's pts()."""
    return " ".join(f"{fix(x, 1)},{fix(y, 1)}" for x, y in points)


def num(x: float) -> str:
    """A number for a data attribute, as the script writes it (String(x) in JavaScript)."""
    return "Infinity" if math.isinf(x) else repr(float(x))


def compact_json(x) -> str:
    """JSON as the script's JSON.stringify writes it (no spaces; numbers may differ in exponent style only)."""
    return json.dumps(x, separators=(",", ":"))


def steps_attr(steps: float) -> str:
    """A step count for a data attribute (10 significant digits; "Infinity" for never)."""
    return "Infinity" if math.isinf(steps) else f"{steps:.10g}"


def steps_text(steps: float) -> str:
    """A step count for the readout, as the script's stepsText()."""
    if steps == 0:
        return "1 (the first step lands on w*)"
    return "never" if math.isinf(steps) else fix(steps, 1)


def visible(path, inside):
    """The points up to and including the first one outside the view (the rest are clipped anyway)."""
    out = []
    for p in path:
        out.append(p)
        if not inside(p):
            break
    return out


def ticks(lo: float, hi: float) -> list[float]:
    """Round tick values in [lo, hi], about five of them."""
    step = 10.0 ** math.floor(math.log10((hi - lo) / 5))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if (hi - lo) / (step * m) <= 6)
    return [round(k * step, 10) for k in range(math.ceil(lo / step), math.floor(hi / step) + 1)]


def new_uid(uid, kind: str) -> str:
    """``uid`` checked as a simple HTML id, or ``live-<kind>-<n>`` numbered per kind in call order."""
    if uid is None:
        uid = f"live-{kind}-{next(_COUNTERS.setdefault(kind, itertools.count(1)))}"
    if not (isinstance(uid, str) and _UID.fullmatch(uid)):
        raise ValueError(f"uid must be a simple HTML id (a letter, then letters, digits, - or _); got {uid!r}.")
    return uid


def config_json(cfg: dict) -> str:
    """The script's configuration as JSON that cannot close the <script> element."""
    return json.dumps(cfg, sort_keys=True, separators=(",", ":")).replace("</", "<\\/")


def data_attrs(d: dict) -> str:
    """data-key="value" for every item (values are strings; escaped)."""
    return " ".join(f'data-{k}="{html.escape(v)}"' for k, v in d.items())


def script(js: str, cfg: dict) -> str:
    """The explorer's script, ``js`` a function of cfg called with ``cfg``."""
    return f"<script>({js})({config_json(cfg)});</script>"


def slider(uid: str, name: str, label: str, lo, hi, step, value, aria: str, out: str) -> str:
    """A labelled range input (class nl-<name>, id <uid>-<name>) and its output (class nl-<name>-out)."""
    return (f'<div style="{ROW}"><label for="{uid}-{name}" style="min-width:3.5em">{label}</label>\n'
            f'<input id="{uid}-{name}" class="nl-{name}" type="range" min="{lo}" max="{hi}" step="{step}" '
            f'value="{value}" aria-label="{aria}" style="flex:1;min-width:12em">\n'
            f'<output for="{uid}-{name}" class="nl-{name}-out" style="min-width:11em;font-family:monospace">'
            f'{out}</output></div>')


def button(cls: str, label: str) -> str:
    return f'<button type="button" class="{cls}" style="{BTN}">{label}</button>'


_SUP = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def log_ticks(x0: float, x1: float, y, exponents) -> str:
    """Grid lines and labels 10^k (k in ``exponents``) of a log axis at x0..x1; ``y(k)`` the line's y."""
    return "".join(f'<line x1="{x0}" x2="{x1}" y1="{fix(y(k), 1)}" y2="{fix(y(k), 1)}" stroke="#e4e4e4"/>'
                   f'<text x="{x0 - 6}" y="{fix(y(k) + 4, 1)}" text-anchor="end">10{str(k).translate(_SUP)}</text>'
                   for k in exponents)


def display(text: str):
    """``IPython.display.HTML`` of the snippet, with ``.nbytes`` its size in bytes."""
    from IPython.display import HTML

    out = HTML(text)
    out.nbytes = len(text.encode("utf-8"))
    return out


# -- the script's shared part: an explorer's script is JS_HEAD + its own helpers + its body + "}" ------------
# Plain ES5 (plus Math.log10). The script finds its figure from document.currentScript, not from its id.

JS_HEAD = r"""function (cfg) {
"use strict";
var me = document.currentScript;
var root = (me && me.closest && me.closest("figure.nntrain-live")) || document.getElementById(cfg.uid);
if (!root) return;
function q(c) { return root.querySelector("." + c); }
function fix(x, d) { var t = x.toFixed(d); return /^-0\.?0*$/.test(t) ? t.slice(1) : t; }
function pts(a) { return a.map(function (p) { return fix(p[0], 1) + "," + fix(p[1], 1); }).join(" "); }
function attr(el, o) { for (var k in o) el.setAttribute(k, o[k]); }
function data(o) { for (var k in o) root.setAttribute("data-" + k, o[k]); }
function text(c, s) { q(c).textContent = s; }
"""

JS_STEPS = r"""function stepsTo(rate) {          // rates.steps_to_reduce
  return rate >= 1 ? Infinity : (rate === 0 ? 0 : Math.log(cfg.target) / Math.log(rate));
}
function stepsText(n) { return n === 0 ? "1 (the first step lands on w*)" : (n === Infinity ? "never" : fix(n, 1)); }
"""

JS_VISIBLE = r"""function visible(path, inside) {
  var out = [];
  for (var i = 0; i < path.length; i++) { out.push(path[i]); if (!inside(path[i])) break; }
  return out;
}
"""
