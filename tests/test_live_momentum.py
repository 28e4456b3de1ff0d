"""nntrain.widgets.live_momentum: the momentum explorer that computes in the page, checked in Python and in Chromium.

The first half checks the snippet as text (deterministic, small, unique ids, no
URL, ES5, a complete figure without JavaScript) and the numbers Python puts in
it. The second half opens a page of several explorers in headless Chromium
(Playwright, every other host blocked), moves the sliders, flips the method and
presses "set heavy ball to its best", and compares what the page computes with
nntrain.momentum_theory (rates, regimes, stability edges, critical curves, the
optimum) and with runs of nntrain.optim.SGD(momentum=β, nesterov=...) (the first
41 iterates), to 1e-9; it also checks that the script redraws exactly the figure
Python drew, that Nesterov's underdamped rate is √(β(1 − ηλ)) (not the heavy
ball's √β), that the steep error at the best setting rises above the reference
line at 1 (chapter 4's transient), and that the β label of the (ηλ, β) plane
sits outside its data area and tick labels and touches nothing. Without Chromium
or playwright the browser tests skip, except with CI=true, where they fail.
"""
import json
import math
import re

import numpy as np
import pytest

import browsercheck as bc
from bookcheck import images_without_alt, remote_scripts
from nntrain.widgets import live_momentum as lm
from nntrain.widgets import live_page as lp
from nntrain import momentum_theory as mt
from nntrain import optim, rates
from nntrain.descent import run_optimizer
from nntrain.quadratic import Quadratic
from test_live_quadratic import cannot_run, parse, same

pytestmark = pytest.mark.ch4

MAX_BYTES = 30_000

# (ηλ_max, β, log10 κ, method, the regimes the theory predicts for the shallow and the steep axis)
SETTINGS = [
    (1.6, 0.5, 1.0, "heavy ball", ["underdamped", "underdamped"]),          # the default
    (3.0, 0.5, 0.0, "heavy ball", ["unstable", "unstable"]),                # on the edge 2 + 2β: a root is -1
    (2.99, 0.5, 0.0, "heavy ball", ["overdamped", "overdamped"]),           # just inside it
    (3.0, 0.5, 1.0, "heavy ball", ["underdamped", "unstable"]),             # the steep axis on the edge
    (1.5, 0.5, 0.0, "nesterov", ["unstable", "unstable"]),                  # Nesterov's edge (2 + 2β)/(1 + 2β)
    (1.49, 0.5, 0.0, "nesterov", ["overdamped", "overdamped"]),             # just inside it
    (1.36, 0.9, 1.0, "nesterov", ["underdamped", "unstable"]),              # past 3.8/2.8 = 1.357: the race's
    (1.36, 0.9, 1.0, "heavy ball", ["underdamped", "underdamped"]),         # blow-up, where the heavy ball is fine
    (2.25, 0.25, math.log10(9), "heavy ball", ["critically damped"] * 2),   # both critical: the optimum, κ = 9
    (3.24, 0.64, 0.0, "heavy ball", ["critically damped"] * 2),             # (1 + √β)^2
    (0.04, 0.64, 0.0, "heavy ball", ["critically damped"] * 2),             # (1 - √β)^2
    (0.25, 1 / 3, 0.0, "nesterov", ["critically damped"] * 2),              # ((1 - β)/(1 + β))^2
    (1.0, 0.6, 0.0, "nesterov", ["critically damped"] * 2),                 # ηλ = 1: both roots 0
    (0.01, 0.0, 3.0, "heavy ball", ["overdamped", "overdamped"]),           # β = 0 is gradient descent
    (2.0, 0.0, 2.0, "nesterov", ["overdamped", "unstable"]),                # ... for Nesterov too
    (3.85, 0.95, 3.0, "heavy ball", ["underdamped", "underdamped"]),        # κ = 1000
    (4.0, 0.99, 2.5, "nesterov", ["underdamped", "unstable"]),              # the sliders' far corner
]


# -- reference numbers, straight from the package ---------------------------------------------------

def sgd_path(eta, beta, kappa, method, steps):
    """torch's SGD on diag(1, κ) from W0: iterates (steps + 1, 2); momentum 0 is plain SGD (nesterov needs > 0)."""
    q = Quadratic(np.diag([1.0, kappa]))
    nag = method == "nesterov" and beta > 0
    make = lambda p: optim.SGD(p, lr=eta, momentum=beta, nesterov=nag)  # noqa: E731
    return run_optimizer(q, make, lm.W0, steps, blowup=math.inf).w


def theory(method):
    if method == "nesterov":
        return mt.nesterov_rate, mt.nesterov_regime
    return mt.heavy_ball_rate, mt.heavy_ball_regime


def check(d: dict, text: dict, s, beta, kappa, method, regimes=None):
    """The numbers in a figure's data-* attributes (``d``) and readout (``text``) against the package.

    A range input keeps 15 significant digits (Chromium writes 1/3 as 0.333333333333333), so the slider
    values are checked to 1e-14 and the package is then given the page's own."""
    assert same(float(d["eta-lmax"]), s, 1e-14) and same(float(d["beta"]), beta, 1e-14) and d["method"] == method
    s, beta = float(d["eta-lmax"]), float(d["beta"])
    assert kappa is None or same(float(d["kappa"]), kappa, 1e-13)    # κ = 10^(the slider's log10 κ)
    kappa = float(d["kappa"])
    eta = s / kappa
    el = [eta * 1.0, eta * kappa]
    assert float(d["eta"]) == eta and json.loads(d["eta-lambdas"]) == el
    rate, regime = theory(method)
    rs = [rate(x, beta) for x in el]
    got = json.loads(d["rates"])
    assert all(same(a, b) for a, b in zip(got, rs)), (got, rs)
    assert json.loads(d["regimes"]) == [regime(x, beta) for x in el]
    if regimes is not None:
        assert json.loads(d["regimes"]) == regimes
    assert same(float(d["rate"]), max(rs)) and same(float(d["steps"]), rates.steps_to_reduce(max(rs)))
    c = mt.boundaries(beta)
    want = ({"stable": c["nesterov stable"], "critical low": c["nesterov critical"], "critical high": 1.0}
            if method == "nesterov" else {"stable": c["heavy ball stable"], "critical low":
                                          c["heavy ball critical low"], "critical high": c["heavy ball critical high"]})
    got = json.loads(d["bounds"])
    assert list(got) == list(want) and all(same(got[k], float(want[k])) for k in want), (got, want)
    es, bs = mt.optimal_heavy_ball(1.0, kappa)
    assert same(float(d["eta-star"]), es) and same(float(d["beta-star"]), bs)
    assert same(float(d["rate-star"]), mt.optimal_rate(kappa)) and same(float(d["gd-rate-star"]),
                                                                          rates.rate_star(kappa))
    path = json.loads(d["path"], parse_int=float)    # JS writes 1.2e20 as 120000000000000000000
    assert len(path) == lm.PATH_SHOWN
    np.testing.assert_allclose(path, sgd_path(eta, beta, kappa, method, len(path) - 1), rtol=1e-9, atol=1e-9)
    assert text["nl-r0"] == lp.fix(rs[0], 4) and text["nl-r1"] == lp.fix(rs[1], 4)
    assert text["nl-reg0"] == json.loads(d["regimes"])[0] and text["nl-reg1"] == json.loads(d["regimes"])[1]
    assert text["nl-bound"] == lp.fix(want["stable"], 3)
    return rs


# -- (a) the snippet as text ------------------------------------------------------------------------

def test_the_html_is_deterministic():
    assert lm.momentum_html(uid="x") == lm.momentum_html(uid="x")
    a, b = lm.momentum_html(), lm.momentum_html()
    ida, idb = parse(a).ids[0], parse(b).ids[0]
    assert ida != idb and a.replace(ida, idb) == b


@pytest.mark.parametrize("s, beta, lk, method, _", SETTINGS)
def test_the_snippet_is_small(s, beta, lk, method, _):
    assert len(lm.momentum_html(s, beta, 10.0 ** lk, method, uid="x").encode("utf-8")) < MAX_BYTES


def test_ids_are_unique_and_references_resolve():
    page = lm.momentum_html() + lm.momentum_html() + lm.momentum_html(method="nesterov")
    ids = parse(page).ids
    assert len(ids) == len(set(ids)) and len(ids) >= 3 * 8
    one = lm.momentum_html(uid="solo")
    refs = re.findall(r'url\(#([\w-]+)\)', one) + re.findall(r'\bfor="([\w-]+)"', one)
    assert refs and set(refs) <= set(parse(one).ids)


def test_nothing_is_fetched_and_the_script_is_es5():
    text = lm.momentum_html(uid="x")
    assert not re.search(r"https?:|//[\w.-]+\.\w", text), "a URL in the snippet"
    assert " src=" not in text and "<link" not in text and "<img" not in text
    assert remote_scripts(text) == [] and images_without_alt(text) == []
    js = re.search(r"<script>(.*?)</script>", text, re.S).group(1)
    assert "=>" not in js and "`" not in js and not re.search(r"\b(let|const|class|import)\b", js)


def test_the_figure_is_complete_without_javascript():
    s = parse(lm.momentum_html(uid="x"))
    assert s.text["nl-r0"] == s.text["nl-r1"] == s.text["nl-rate"] == "0.7071"      # √0.5: both underdamped
    assert s.text["nl-reg0"] == s.text["nl-reg1"] == "underdamped" and s.text["nl-steps"] == "39.9"
    assert s.text["nl-formula"] == "2 + 2β" and s.text["nl-bound"] == "3.000"
    assert s.text["nl-rate-star"] == "0.5195" and s.text["nl-gd-star"] == "0.8182"
    assert len(s.attrs["nl-e0"][0]["points"].split()) == 101 and len(s.attrs["nl-level"]) == 8
    assert len(s.attrs["nl-edge"][0]["points"].split()) == len(lm.GEOM["betas"])
    assert s.attrs["nl-o0"][0]["visibility"] == "visible" and "underdamped" in s.attrs["nl-svg"][0]["aria-label"]
    n = parse(lm.momentum_html(1.36, 0.9, 10.0, "nesterov", uid="y"))
    assert n.text["nl-formula"] == "(2 + 2β)/(1 + 2β)" and n.text["nl-bound"] == "1.357"
    assert n.text["nl-reg1"] == "unstable" and n.text["nl-steps"] == "never"
    assert n.attrs["nl-o0"][0]["visibility"] == "hidden" and "checked" in n.attrs["nl-nag"][0]
    assert "<figcaption" in lm.momentum_html(uid="z")


# Nesterov with both axes underdamped: (ηλ_max, β, log10 κ)
NESTEROV_UNDERDAMPED = [(0.5, 0.9, 1.0), (0.9, 0.5, 0.5), (0.3, 0.99, 2.0), (0.95, 0.2, 0.0)]


def nesterov_underdamped_readout(d: dict, text: dict):
    """The readout's rates against the closed form √(β(1 − ηλ)) (momentum_theory not used), both axes."""
    beta, el = float(d["beta"]), json.loads(d["eta-lambdas"])
    assert d["method"] == "nesterov" and json.loads(d["regimes"]) == ["underdamped"] * 2
    want = [math.sqrt(beta * (1 - x)) for x in el]
    assert all(same(a, b, 1e-12) for a, b in zip(json.loads(d["rates"]), want)), (d["rates"], want)
    assert [text["nl-r0"], text["nl-r1"], text["nl-rate"]] == [lp.fix(w, 4) for w in want + [max(want)]]
    assert lp.fix(math.sqrt(beta), 4) not in (text["nl-r0"], text["nl-r1"])     # not the heavy ball's √β


@pytest.mark.parametrize("s, beta, lk", NESTEROV_UNDERDAMPED)
def test_nesterov_underdamped_rate_without_javascript(s, beta, lk):
    d = parse(lm.momentum_html(s, beta, 10.0 ** lk, "nesterov", uid="x"))
    nesterov_underdamped_readout(d.data, d.text)


def test_reference_line_beta_label_and_caption():
    G = lm.GEOM
    for args in [(), (1.36, 0.9, 10.0, "nesterov"), (3.85, 0.95, 1000.0)]:
        s = parse(lm.momentum_html(*args, uid="x"))
        one = s.attrs["nl-one"][0]          # the starting error |w_i(t)| / |w_i(0)| = 1, across the panel
        assert (one["x1"], one["x2"]) == (str(G["M"][0]), str(G["M"][1]))
        assert one["y1"] == one["y2"] == lp.fix(lm._log_y(1.0), 1) and "stroke-dasharray" in one
        label = s.attrs["nl-blabel"][0]     # left of the plane's tick labels, right of the error panel
        assert G["M"][1] < float(label["x"]) < G["R"][0] - 30 and G["R"][2] < float(label["y"]) < G["R"][3]
    text = lm.momentum_html(uid="x")
    caption = re.search(r"<figcaption.*?</figcaption>", text, re.S).group(0)
    # chapter 4's convention: step t uses g_t = ∇E(w_{t-1}); torch's buffer and its two steps
    for piece in ["g<sub>t</sub> = ∇E(w<sub>t−1</sub>)", "b<sub>t</sub> = βb<sub>t−1</sub> + g<sub>t</sub>",
                  "(b<sub>1</sub> = g<sub>1</sub>)", "w<sub>t</sub> = w<sub>t−1</sub> − ηb<sub>t</sub>",
                  "w<sub>t</sub> = w<sub>t−1</sub> − η(g<sub>t</sub> + βb<sub>t</sub>) for Nesterov",
                  "√β for the heavy ball (√(β(1 − ηλ)) for Nesterov)", "dotted line"]:
        assert piece in caption, piece
    assert "∇E(w<sub>t</sub>)" not in caption and "dotted: 1, the start" in text


@pytest.mark.parametrize("s, beta, lk, method, regimes", SETTINGS)
def test_python_numbers_follow_the_package(s, beta, lk, method, regimes):
    kappa = 10.0 ** lk
    n = lm.momentum_numbers(s, beta, kappa, method)
    d = parse(lm.momentum_html(s, beta, kappa, method, uid="x"))
    check(d.data, d.text, s, beta, kappa, method, regimes)
    np.testing.assert_allclose(n["path"], sgd_path(n["eta"], beta, kappa, method, 100), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("call", [
    lambda: lm.momentum_html(0.0), lambda: lm.momentum_html(4.01), lambda: lm.momentum_html(float("nan")),
    lambda: lm.momentum_html(1.0, -0.1), lambda: lm.momentum_html(1.0, 0.995), lambda: lm.momentum_html(1.0, True),
    lambda: lm.momentum_html(1.0, 0.5, 0.9), lambda: lm.momentum_html(1.0, 0.5, 1001.0),
    lambda: lm.momentum_html(1.0, 0.5, float("nan")), lambda: lm.momentum_html(method="adam"),
    lambda: lm.momentum_html(steps=0), lambda: lm.momentum_html(steps=2.5), lambda: lm.momentum_html(uid="1st"),
    lambda: lm.momentum_html(uid='x"><script>'),
])
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


# -- (b) in a browser ---------------------------------------------------------------------------------

STARTS = {"m-default": (1.6, 0.5, 10.0, "heavy ball"), "m-race": (1.36, 0.9, 10.0, "nesterov"),
          "m-wide": (3.9, 0.95, 1000.0, "heavy ball"), "m-zero": (1.0, 0.6, 1.0, "nesterov"),
          "m-gd": (0.3, 0.0, 3.0, "heavy ball")}
TRICKY = [457.25, 0.125, 2.5, -0.0004, -1.005, 1.0049999999999999, 1e-7, 123456.789, 0.0, -0.0]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    reason = bc.unavailable()
    if reason:
        cannot_run(reason)
    root = tmp_path_factory.mktemp("live-momentum")
    parts = [lm.momentum_html(*a, uid=u) for u, a in STARTS.items()]
    parts += [lm.momentum_html(uid="m-move")]
    statics = {u: parse(p) for u, p in zip(STARTS, parts)}
    with bc.snippet_page(root, parts, "momentum", cannot_run) as visit:
        visit.statics = statics
        yield visit


def live(visit, uid):
    return parse(visit.page.eval_on_selector(f"#{uid}", "e => e.outerHTML"))


def move(visit, uid, s, beta, log10_kappa, method):
    visit.page.check(f"#{uid}-{'nag' if method == 'nesterov' else 'hb'}")
    for name, value in (("k", log10_kappa), ("b", beta), ("s", s)):
        visit.page.fill(f"#{uid}-{name}", repr(float(value)))


DRAWN = ["points", "x1", "y1", "cx", "cy", "ry", "visibility", "aria-label"]


def assert_same_drawing(static, now, where):
    for cls, elements in static.attrs.items():
        assert len(now.attrs[cls]) == len(elements), f"{where}: {cls}"
        for a, b in zip(elements, now.attrs[cls]):
            for key in DRAWN:
                if key in a:
                    assert a[key] == b[key], f"{where}: {cls} {key}"
    assert static.text == now.text, where


@pytest.mark.browser
@pytest.mark.parametrize("s, beta, lk, method, regimes", SETTINGS)
def test_the_page_computes_the_numbers_of_the_package(page, s, beta, lk, method, regimes):
    move(page, "m-move", s, beta, lk, method)
    now = live(page, "m-move")
    assert same(float(now.data["kappa"]), 10.0 ** lk, 1e-11)
    check(now.data, now.text, s, beta, None, method, regimes)
    # and it draws what Python draws for the same numbers
    static = parse(lm.momentum_html(*(float(now.data[k]) for k in ("eta-lmax", "beta", "kappa")), method,
                                    uid="m-move"))
    assert_same_drawing(static, now, f"{(s, beta, lk, method)}")


@pytest.mark.browser
@pytest.mark.parametrize("log10_kappa", [0.0, 0.5, 1.0, 2.0, 3.0])
def test_the_optimum_button(page, log10_kappa):
    move(page, "m-move", 1.2, 0.9, log10_kappa, "nesterov")
    page.page.click("#m-move .nl-opt")
    now = live(page, "m-move")
    kappa = float(now.data["kappa"])
    es, bs = mt.optimal_heavy_ball(1.0, kappa)
    assert now.data["method"] == "heavy ball" and same(float(now.data["beta"]), bs, 1e-14)
    assert same(float(now.data["eta"]), es, 1e-14)
    rs = check(now.data, now.text, float(now.data["eta-lmax"]), bs, kappa, "heavy ball",
               ["critically damped"] * 2)
    # At a double root the rate is ill-conditioned: rounding ε in the discriminant moves it by √ε ~ 1e-8.
    assert all(same(r, mt.optimal_rate(kappa), 1e-7) for r in rs)


@pytest.mark.browser
@pytest.mark.parametrize("s, beta, lk", NESTEROV_UNDERDAMPED)
def test_the_page_prints_nesterovs_underdamped_rate(page, s, beta, lk):
    move(page, "m-move", 0.5, 0.5, 1.0, "heavy ball")      # from elsewhere, so that the script must redraw
    move(page, "m-move", s, beta, lk, "nesterov")
    now = live(page, "m-move")
    nesterov_underdamped_readout(now.data, now.text)


@pytest.mark.browser
@pytest.mark.parametrize("log10_kappa, peak, at", [(math.log10(25), 1.93, 2), (3.0, 11.6, 15)])
def test_the_steep_error_rises_above_the_line_at_one(page, log10_kappa, peak, at):
    """Chapter 4: at the best setting the steep error peaks at 1.93 (κ = 25, t = 2) and 11.6 (κ = 1000, t = 15)."""
    move(page, "m-move", 1.2, 0.9, log10_kappa, "nesterov")
    page.page.click("#m-move .nl-opt")
    now = live(page, "m-move")
    err = np.abs(np.array(json.loads(now.data["path"]))[:, 1]) / abs(lm.W0[1])
    assert round(err.max(), 2 if peak < 10 else 1) == peak and int(err.argmax()) == at
    line = float(now.attrs["nl-one"][0]["y1"])
    assert line == float(lp.fix(lm._log_y(1.0), 1))
    ys = [float(p.split(",")[1]) for p in now.attrs["nl-e1"][0]["points"].split()]
    assert ys[0] == line and min(ys) < line                # drawn above the line at 1
    assert ys[at] == float(lp.fix(lm._log_y(err.max()), 1))


BOXES = """svg => {
  const box = e => { const r = e.getBBox(); return [r.x, r.y, r.x + r.width, r.y + r.height]; };
  const label = svg.querySelector(".nl-blabel");
  const rest = Array.from(svg.querySelectorAll("text, circle")).filter(
    e => e !== label && !e.closest("defs") && e.getAttribute("visibility") !== "hidden");
  return {label: box(label), rest: rest.map(e => [e.tagName, e.getAttribute("x"), box(e)])};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("log10_kappa", [0.0, 1.0, 3.0])
@pytest.mark.parametrize("method", lm.METHODS)
def test_the_beta_label_sits_outside_the_plane(page, log10_kappa, method):
    move(page, "m-move", 1.2, 0.9, log10_kappa, "nesterov")
    if method == "heavy ball":
        page.page.click("#m-move .nl-opt")                   # the optimum's circles, near the β axis for large κ
    assert live(page, "m-move").data["method"] == method
    b = page.page.eval_on_selector("#m-move svg", BOXES)
    (x0, y0, x1, y1), M, R = b["label"], lm.GEOM["M"], lm.GEOM["R"]
    ticks = [r[2] for r in b["rest"] if r[0] == "text" and r[1] == str(R[0] - 5)]
    assert len(ticks) == 5
    assert M[1] < x0 and x1 + 2 <= min(t[0] for t in ticks) and x1 < R[0]   # left of the tick labels
    assert R[2] <= y0 and y1 <= R[3]
    for tag, _, (a0, b0, a1, b1) in b["rest"]:
        assert a1 + 2 <= x0 or x1 + 2 <= a0 or b1 + 2 <= y0 or y1 + 2 <= b0, (tag, (a0, b0, a1, b1), b["label"])


@pytest.mark.browser
@pytest.mark.parametrize("uid", list(STARTS))
def test_the_script_redraws_the_figure_python_drew(page, uid):
    static, now = page.statics[uid], live(page, uid)
    s, beta, kappa, method = STARTS[uid]
    check(now.data, now.text, s, beta, kappa, method)
    for key, value in static.data.items():
        if key in ("method", "regimes"):
            assert now.data[key] == value
        elif key == "bounds":
            assert json.loads(now.data[key]) == pytest.approx(json.loads(value), rel=1e-9)
        else:
            np.testing.assert_allclose(np.array(json.loads(now.data[key].replace("Infinity", "1e999")), float),
                                       np.array(json.loads(value.replace("Infinity", "1e999")), float),
                                       rtol=1e-9, atol=1e-12, err_msg=f"{uid}: data-{key}")
    assert_same_drawing(static, now, uid)


@pytest.mark.browser
def test_python_fix_is_javascript_tofixed(page):
    for x in TRICKY:
        for d in (0, 1, 3, 4):
            js = page.page.evaluate("([x, d]) => { var t = x.toFixed(d); return /^-0\\.?0*$/.test(t) ? "
                                    "t.slice(1) : t; }", [x, d])
            assert lp.fix(x, d) == js, (x, d)


@pytest.mark.browser
def test_explorers_on_a_page_do_not_interfere(page):
    move(page, "m-move", 0.5, 0.3, 1.5, "nesterov")
    assert live(page, "m-default").data["method"] == "heavy ball" and live(page, "m-default").data["beta"] == "0.5"
    assert live(page, "m-race").data["method"] == "nesterov" and live(page, "m-move").data["beta"] == "0.3"
    ids = page.page.eval_on_selector_all("[id]", "els => els.map(e => e.id)")
    assert len(ids) == len(set(ids))


@pytest.mark.browser
def test_no_console_error_no_request_and_the_column_width(page):
    assert bc.console_problems(page) == [] and bc.request_problems(page.blocked) == []
    page.page.set_viewport_size({"width": 1280, "height": 900})
    bc.screenshot(page, page.shots / "momentum.png")      # for a person to look at (tmp_path)
    width = page.page.eval_on_selector("#m-default svg", "e => e.getBoundingClientRect().width")
    assert 700 <= width <= 760, "the figure should fill the book's ~780-px column"
