"""nntrain.widgets.live_quadratic: the explorers that compute in the page, checked in Python and in Chromium.

The first half checks the HTML snippets as text (deterministic, small, unique
ids, no URL, a complete figure without JavaScript). The second half opens a
page holding several explorers in headless Chromium (Playwright driving the
system's chromium, every other host blocked), moves the sliders and presses
the buttons, and compares what the page computes with nntrain.rates and a
gradient-descent run from nntrain.descent, to 1e-9; it also checks that the
script redraws exactly the figure that Python drew for the starting values.
Without Chromium or playwright the browser tests skip, except with CI=true,
where they fail.
"""
import json
import math
import os
import re
from html.parser import HTMLParser

import numpy as np
import pytest

import browsercheck as bc
from bookcheck import images_without_alt, remote_scripts
from nntrain.widgets import live_quadratic as lq
from nntrain import rates
from nntrain.descent import gradient_descent
from nntrain.quadratic import Quadratic

pytestmark = pytest.mark.ch3

MAX_BYTES = 30_000        # "tens of kB at most"; each is about 15 kB


# -- reading a snippet (the Python text, or the page's outerHTML after the script ran) -------------

class _Snippet(HTMLParser):
    """The figure's data-* attributes, the attributes and text of every element with an nl-* class, all ids."""

    def __init__(self):
        super().__init__()
        self.data, self.attrs, self.text, self.ids, self._open = {}, {}, {}, [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "figure" and not self.data:
            self.data = {k[5:]: v for k, v in a.items() if k.startswith("data-")}
        cls = next((c for c in (a.get("class") or "").split() if c.startswith("nl-")), None)
        if cls:
            self.attrs.setdefault(cls, []).append(a)
            self._open.append([tag, cls, ""])

    def handle_data(self, data):
        for entry in self._open:
            entry[2] += data

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            _, cls, text = self._open.pop()
            self.text.setdefault(cls, text)


def parse(text: str) -> _Snippet:
    p = _Snippet()
    p.feed(text)
    return p


# -- reference numbers, straight from the package ----------------------------------------------------

def expected_1d(ratio, lam=2.0, w0=-1.0, w_star=1.0, steps=40):
    eta = ratio / lam
    rate = float(rates.factors(eta, [lam])[0])
    path = gradient_descent(Quadratic([[lam]], [lam * w_star]), eta, [w0], steps).w[:, 0]
    return {"factor": 1.0 - eta * lam, "rate": rate, "regime": rates.regime(ratio),
            "steps": rates.steps_to_reduce(rate), "path": path}


def expected_2d(eta_lmax, kappa, steps=40, w0=lq.W0_2D):
    lam = [1.0, kappa]
    eta = eta_lmax / kappa
    regimes = [rates.regime(eta * l) for l in lam]
    verdict = ("diverging" if "diverging" in regimes else
               "bouncing forever" if "bouncing forever" in regimes else "converging")
    path = gradient_descent(Quadratic.from_eigenvalues(lam), eta, w0, steps).w
    return {"eta": eta, "factors": rates.factors(eta, lam), "contraction": rates.contraction(eta, lam),
            "regimes": regimes, "verdict": verdict, "steps": rates.steps_to_reduce(rates.contraction(eta, lam)),
            "eta_star": rates.eta_star(lam), "rate_star": rates.rate_star(kappa), "path": path}


def same(a, b, rtol=1e-9):
    return (math.isinf(a) and a == b) or math.isclose(a, b, rel_tol=rtol, abs_tol=rtol)


# -- (a) the snippets as text ---------------------------------------------------------------------------

@pytest.fixture(params=["step", "quad2d"])
def make(request):
    return {"step": lq.step_size_html, "quad2d": lq.quadratic_2d_html}[request.param]


def test_the_html_is_deterministic(make):
    assert make(uid="x") == make(uid="x")
    a, b = make(), make()            # numbered in call order: different ids, otherwise the same text
    ida, idb = parse(a).ids[0], parse(b).ids[0]
    assert ida != idb and a.replace(ida, idb) == b


def test_the_snippet_is_small(make):
    assert len(make(uid="x").encode("utf-8")) < MAX_BYTES


def test_ids_are_unique_and_references_resolve(make):
    page = make() + make() + lq.step_size_html() + lq.quadratic_2d_html()
    ids = parse(page).ids
    assert len(ids) == len(set(ids)) and len(ids) >= 4 * 4
    one = make(uid="solo")
    refs = re.findall(r'url\(#([\w-]+)\)', one) + re.findall(r'\bfor="([\w-]+)"', one)
    assert refs and set(refs) <= set(parse(one).ids)


def test_nothing_is_fetched(make):
    text = make(uid="x")
    assert not re.search(r"https?:|//[\w.-]+\.\w", text), "a URL in the snippet"
    assert " src=" not in text and "<link" not in text and "<img" not in text
    assert remote_scripts(text) == [] and images_without_alt(text) == []
    script = re.search(r"<script>(.*?)</script>", text, re.S).group(1)
    assert "=>" not in script and "`" not in script and not re.search(r"\b(let|const|class|import)\b", script)


def test_the_figure_is_complete_without_javascript():
    n = lq.step_size_numbers(0.5)
    s = parse(lq.step_size_html(0.5, uid="x"))
    assert len(s.attrs["nl-path"][0]["points"].split()) >= 5 and len(s.attrs["nl-errs"][0]["points"].split()) == 41
    assert s.text["nl-factor"] == "0.500" and s.text["nl-rate"] == "0.500" and s.text["nl-regime"] == "monotone"
    assert s.text["nl-steps"] == f"{n['steps']:.1f}" == "19.9"
    assert "monotone" in s.attrs["nl-svg"][0]["aria-label"]
    assert float(s.data["rate"]) == n["rate"] and json.loads(s.data["path"]) == n["path"]
    q = parse(lq.quadratic_2d_html(1.6, 10.0, uid="y"))
    assert q.text["nl-f0"] == "0.840" and q.text["nl-f1"] == "0.600" and q.text["nl-verdict"] == "converging"
    assert q.text["nl-rate-star"] == "0.818" and len(q.attrs["nl-level"]) == len(lq.G2["levels"])
    text = lq.quadratic_2d_html(uid="z")
    assert "<figcaption" in text and "no angle slider" in text


@pytest.mark.parametrize("ratio", [0.005, 0.5, 1.0, 1.5, 2.0, 2.2])
def test_python_numbers_follow_the_package(ratio):
    n, e = lq.step_size_numbers(ratio), expected_1d(ratio)
    assert n["regime"] == e["regime"] and same(n["rate"], e["rate"]) and same(n["steps"], e["steps"])
    np.testing.assert_allclose(n["path"], e["path"], rtol=1e-12, atol=1e-12)
    m, f = lq.quadratic_2d_numbers(ratio, 7.0), expected_2d(ratio, 7.0)
    assert m["regimes"] == f["regimes"] and m["verdict"] == f["verdict"] and same(m["rate_star"], f["rate_star"])
    np.testing.assert_allclose(m["path"], f["path"], rtol=1e-12, atol=1e-12)


# chapter 3's two explorers, as the chapter calls them (its cells 'step_explorer' and 'quad_explorer')
CHAPTER_1D = {"ratio": 1.5}
CHAPTER_2D = {"eta_lmax": 1.875, "kappa": 25.0, "w0": (-4.5, 1.0)}


def slider_ranges(text):
    """(min, max, step) of each slider of an explorer, from its HTML."""
    return {a["class"][3:]: (a["min"], a["max"], a["step"])
            for cls, found in parse(text).attrs.items() for a in found if a.get("type") == "range"}


def test_the_chapter_explorers_span_the_stated_ranges():
    """Chapter 3 says: ηλ from 0.005 to 2.2 in steps of 0.005; ηλ_max from 0.01 to 2.2; κ from 1 to 100 (log)."""
    one, two = lq.step_size_html(**CHAPTER_1D, uid="a"), lq.quadratic_2d_html(**CHAPTER_2D, uid="b")
    assert slider_ranges(one) == {"ratio": ("0.005", "2.2", "0.005")}
    assert slider_ranges(two) == {"s": ("0.01", "2.2", "any"), "k": ("0", "2", "any")}
    for text in (one, two):
        assert len(text.encode("utf-8")) < MAX_BYTES and "<img" not in text
    assert 'class="nl-star"' in two and 'class="nl-edge"' in two
    # η* λ_max = 2κ/(1 + κ) lies in [1, 2) for every κ the slider offers, so "set η = η*" stays on the slider
    kappa = np.geomspace(1, lq.KAPPA_MAX, 1001)
    on_slider = 2 * kappa / (1 + kappa)
    assert on_slider.min() == 1.0 and on_slider.max() < 2 < lq.RATIO_MAX


def test_the_2d_start_is_the_chapter_valley_run():
    """With w0 = (-4.5, 1): the chapter's valley at η = 0.075 (κ = 25), and the view widens to hold the start."""
    n, e = lq.quadratic_2d_numbers(**CHAPTER_2D), expected_2d(1.875, 25.0, w0=(-4.5, 1.0))
    assert n["path"][0] == [-4.5, 1.0] and math.isclose(n["eta"], 0.075, rel_tol=1e-15)
    np.testing.assert_allclose(n["path"], e["path"], rtol=1e-12, atol=1e-12)
    s = parse(lq.quadratic_2d_html(**CHAPTER_2D, uid="c"))
    x0, x1, y0, y1 = lq.G2["L"]
    start = next(a for a in re.finditer(r'<rect x="([\d.]+)" y="([\d.]+)" width="9"',
                                         lq.quadratic_2d_html(**CHAPTER_2D, uid="c")))
    cx, cy = float(start.group(1)) + 4.5, float(start.group(2)) + 4.5
    assert x0 < cx < x1 and y0 < cy < y1, "the start square must lie inside the frame"
    first = s.attrs["nl-path"][0]["points"].split()[0].split(",")
    assert math.isclose(float(first[0]), cx, abs_tol=0.06) and math.isclose(float(first[1]), cy, abs_tol=0.06)
    assert json.loads(s.data["path"])[0] == [-4.5, 1.0]
    # the default start keeps the default view
    assert lq._geom_2d_for(lq.W0_2D)["box"] == lq.G2["box"] and lq._geom_2d_for((-4.5, 1.0))["box"] == 6.0


def test_the_drawing_stays_in_its_frames():
    """The 1-D path is clipped to the parabola's frame (not above it, over the title); the 2-D panel has ticks."""
    text = lq.step_size_html(2.2, uid="x")
    x0, x1, y0, y1 = lq.G1["L"]
    clip = re.search(r'<clipPath id="x-clipL"><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" '
                     r'height="([\d.]+)"/>', text)
    assert [float(v) for v in clip.groups()] == [x0, y0, x1 - x0, y1 - y0]
    quad = lq.quadratic_2d_html(uid="y")
    labels = re.findall(r'text-anchor="middle">(-?[\d.]+)</text>', quad)
    assert {"-3", "0", "3"} <= set(labels), "the contour panel needs tick labels"


def test_the_1d_distance_is_absolute():
    """The right panel plots |w - w*| itself (as the chapter's figure does), not relative to the start."""
    for w0 in (-1.0, -3.0):
        s = parse(lq.step_size_html(0.5, w0=w0, uid="x"))
        X0, X1, Y0, Y1 = lq.G1["R"]
        lo, hi = lq.G1["logmin"], lq.G1["logmax"]
        y_first = float(s.attrs["nl-errs"][0]["points"].split()[0].split(",")[1])
        expected = Y1 - (math.log10(abs(w0 - 1.0)) - lo) / (hi - lo) * (Y1 - Y0)
        assert math.isclose(y_first, expected, abs_tol=0.06)


def test_the_slider_grid_is_where_the_browser_puts_it():
    assert parse(lq.step_size_html(0.123, uid="x")).data["ratio"] == "0.125"
    assert parse(lq.step_size_html(2.2, uid="x")).data["ratio"] == "2.2"


@pytest.mark.parametrize("call", [
    lambda: lq.step_size_html(0.0), lambda: lq.step_size_html(-1), lambda: lq.step_size_html(2.5),
    lambda: lq.step_size_html(float("nan")), lambda: lq.step_size_numbers(0.5, curvature=0.0),
    lambda: lq.step_size_numbers(0.5, w0=1.0, w_star=1.0), lambda: lq.step_size_numbers(0.5, steps=0),
    lambda: lq.quadratic_2d_html(1.0, 0.5), lambda: lq.quadratic_2d_html(1.0, 101.0),
    lambda: lq.quadratic_2d_html(0.0, 10.0), lambda: lq.quadratic_2d_html(uid="1st"),
    lambda: lq.step_size_html(uid="a b"), lambda: lq.step_size_html(uid='x"><script>'),
    lambda: lq.quadratic_2d_numbers(1.0, 10.0, w0=(0.0, 0.0)), lambda: lq.quadratic_2d_numbers(1.0, 10.0, w0=(1.0,)),
    lambda: lq.quadratic_2d_numbers(1.0, 10.0, w0=(1.0, float("nan"))), lambda: lq.quadratic_2d_html(w0="ab"),
    lambda: lq.quadratic_2d_html(w0=(60.0, 1.0)), lambda: lq.quadratic_2d_explorer(w0=(True, 1.0)),
])
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


# -- (b) in a browser ----------------------------------------------------------------------------------

def cannot_run(reason):
    message = f"cannot run the explorers in a browser: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(message)


# The starting values of the explorers on the test page; each is also redrawn by the script on load.
STARTS_1D = {"s-default": 0.5, "s-one": 1.0, "s-osc": 1.5, "s-edge": 2.0, "s-div": 2.2}
STARTS_2D = {"q-default": (1.6, 10.0), "q-div": (2.05, 100.0), "q-round": (0.3, 1.0), "q-edge": (2.0, 3.0),
             "q-star": (20 / 11, 10.0)}


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    reason = bc.unavailable()
    if reason:
        cannot_run(reason)
    root = tmp_path_factory.mktemp("live")
    parts = [lq.step_size_html(r, uid=u) for u, r in STARTS_1D.items()]
    parts += [lq.quadratic_2d_html(s, k, uid=u) for u, (s, k) in STARTS_2D.items()]
    parts += [lq.step_size_html(uid="s-move"), lq.quadratic_2d_html(uid="q-move")]   # twins of the defaults
    parts += [lq.quadratic_2d_html(**CHAPTER_2D, uid=u) for u in ("q-chapter", "q-chapter-move")]
    statics = {u: parse(p) for u, p in zip([*STARTS_1D, *STARTS_2D], parts)}
    statics["q-chapter"] = parse(parts[-2])
    with bc.snippet_page(root, parts, "explorers", cannot_run) as visit:
        visit.statics = statics
        yield visit


def live(visit, uid) -> _Snippet:
    return parse(visit.page.eval_on_selector(f"#{uid}", "e => e.outerHTML"))


def set_slider(visit, uid, name, value):
    visit.page.fill(f"#{uid}-{name}", repr(float(value)))


def check_1d(s: _Snippet, ratio):
    e = expected_1d(ratio)
    d = s.data
    assert float(d["ratio"]) == ratio
    assert same(float(d["factor"]), e["factor"]) and same(float(d["rate"]), e["rate"])
    assert d["regime"] == e["regime"] == s.text["nl-regime"]
    assert same(float(d["steps"]), e["steps"])
    np.testing.assert_allclose(json.loads(d["path"]), e["path"], rtol=1e-9, atol=1e-9)
    assert s.text["nl-factor"] == f"{e['factor']:.3f}".replace("-0.000", "0.000")
    assert s.text["nl-rate"] == f"{e['rate']:.3f}"


def check_2d(s: _Snippet, eta_lmax, log10_kappa, w0=lq.W0_2D):
    d = s.data
    kappa = float(d["kappa"])
    assert same(kappa, 10.0 ** log10_kappa, 1e-11) and same(float(d["eta-lmax"]), eta_lmax, 1e-15)
    e = expected_2d(eta_lmax, kappa, w0=w0)
    np.testing.assert_allclose(json.loads(d["factors"]), e["factors"], rtol=1e-9, atol=1e-12)
    assert same(float(d["contraction"]), e["contraction"]) and same(float(d["steps"]), e["steps"])
    assert json.loads(d["regimes"]) == e["regimes"] and d["verdict"] == e["verdict"] == s.text["nl-verdict"]
    assert same(float(d["eta-star"]), e["eta_star"]) and same(float(d["rate-star"]), e["rate_star"])
    assert same(float(d["eta-over-eta-star"]), e["eta"] / e["eta_star"])
    np.testing.assert_allclose(json.loads(d["path"]), e["path"], rtol=1e-9, atol=1e-9)
    return e


@pytest.mark.browser
@pytest.mark.parametrize("ratio", [0.005, 0.3, 0.5, 0.995, 1.0, 1.005, 1.5, 1.995, 2.0, 2.005, 2.2])
def test_the_page_computes_the_1d_run_as_the_package(page, ratio):
    set_slider(page, "s-move", "ratio", ratio)
    check_1d(live(page, "s-move"), ratio)


@pytest.mark.browser
@pytest.mark.parametrize("eta_lmax, log10_kappa", [(0.01, 0.0), (1.0, 0.0), (1.6, 1.0), (2.0, 1.0), (2.2, 1.0),
                                                   (1.98, 2.0), (2.0, 2.0), (0.7, 0.37), (1.9, 1.55)])
def test_the_page_computes_the_2d_run_as_the_package(page, eta_lmax, log10_kappa):
    set_slider(page, "q-move", "k", log10_kappa)
    set_slider(page, "q-move", "s", eta_lmax)
    check_2d(live(page, "q-move"), eta_lmax, log10_kappa)


@pytest.mark.browser
@pytest.mark.parametrize("log10_kappa", [0.0, 0.5, 1.0, 1.7, 2.0])
def test_the_buttons_set_eta_star_and_the_edge(page, log10_kappa):
    set_slider(page, "q-move", "k", log10_kappa)
    page.page.click("#q-move .nl-star")
    s = live(page, "q-move")
    kappa = float(s.data["kappa"])
    e = check_2d(s, float(s.data["eta-lmax"]), log10_kappa)
    assert same(float(s.data["eta-over-eta-star"]), 1.0, 1e-12)
    assert same(e["contraction"], rates.rate_star(kappa)) and s.data["verdict"] == "converging"
    page.page.click("#q-move .nl-edge")
    s = live(page, "q-move")
    check_2d(s, 2.0, log10_kappa)
    assert s.data["verdict"] == "bouncing forever" and s.data["steps"] == "Infinity"


@pytest.mark.browser
@pytest.mark.parametrize("eta_lmax, log10_kappa", [(1.875, math.log10(25.0)), (2.1, 1.0), (0.4, 1.9)])
def test_the_page_starts_where_it_is_told(page, eta_lmax, log10_kappa):
    """The chapter's explorer starts at w0 = (-4.5, 1): the page's runs start there too, for any slider value."""
    set_slider(page, "q-chapter-move", "k", log10_kappa)
    set_slider(page, "q-chapter-move", "s", eta_lmax)
    check_2d(live(page, "q-chapter-move"), eta_lmax, log10_kappa, w0=CHAPTER_2D["w0"])


@pytest.mark.browser
@pytest.mark.parametrize("uid", [*STARTS_1D, *STARTS_2D, "q-chapter"])
def test_the_script_redraws_the_figure_python_drew(page, uid):
    """On load the script recomputes everything: same numbers, same drawing, same words as the static HTML."""
    static, now = page.statics[uid], live(page, uid)
    if uid in STARTS_1D:
        check_1d(now, STARTS_1D[uid])
    elif uid == "q-chapter":
        check_2d(now, 1.875, math.log10(25.0), w0=CHAPTER_2D["w0"])
    else:
        check_2d(now, STARTS_2D[uid][0], math.log10(STARTS_2D[uid][1]))
    for key, value in static.data.items():
        if key in ("regime", "verdict", "regimes"):
            assert now.data[key] == value
        else:
            np.testing.assert_allclose(np.array(json.loads(now.data[key].replace("Infinity", "1e999")), float),
                                       np.array(json.loads(value.replace("Infinity", "1e999")), float),
                                       rtol=1e-9, atol=1e-12, err_msg=f"{uid}: data-{key}")
    drawn = ["points", "x1", "cx", "cy", "ry", "visibility", "aria-label"]
    for cls, elements in static.attrs.items():
        assert len(now.attrs[cls]) == len(elements)
        for a, b in zip(elements, now.attrs[cls]):
            for key in drawn:
                if key in a:
                    assert a[key] == b[key], f"{uid}: {cls} {key}"
    assert static.text == now.text


@pytest.mark.browser
def test_two_explorers_on_a_page_do_not_interfere(page):
    set_slider(page, "s-move", "ratio", 0.25)
    set_slider(page, "q-move", "s", 0.5)
    assert live(page, "s-move").data["ratio"] == "0.25" and live(page, "q-move").data["eta-lmax"] == "0.5"
    assert live(page, "s-default").data["ratio"] == "0.5" and live(page, "q-default").data["eta-lmax"] == "1.6"
    ids = page.page.eval_on_selector_all("[id]", "els => els.map(e => e.id)")
    assert len(ids) == len(set(ids))


@pytest.mark.browser
def test_no_console_error_and_no_request(page):
    assert bc.console_problems(page) == [] and bc.request_problems(page.blocked) == []
    page.page.set_viewport_size({"width": 1280, "height": 900})
    bc.screenshot(page, page.shots / "explorers.png")      # for a person to look at (tmp_path)
    width = page.page.eval_on_selector("#q-default svg", "e => e.getBoundingClientRect().width")
    assert 700 <= width <= 760, "the figure should fill the book's ~780-px column"
