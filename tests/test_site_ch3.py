"""The built page of chapter 3 holds its two explorers that compute in the page, and works offline (`make build` first).

The explorers (nntrain.widgets.live_quadratic) are ``<figure class="nntrain-live ...">``
snippets: sliders, an inline SVG that Python drew for the starting values (the
figure a reader sees without JavaScript), the numbers as ``data-*`` attributes,
a readout, a caption and one inline script. tests/test_live_quadratic.py checks
in a browser that the script computes what the package computes; here we check
that the built page carries both explorers whole, and no precomputed PNG
companion any more.
"""
import re
from html.parser import HTMLParser

import pytest

from bookcheck import HTML, remote_scripts

pytestmark = pytest.mark.site

PAGE = HTML / "chapters" / "03_convergence.html"
# id -> (sliders, data attributes that must hold the starting numbers, buttons)
EXPLORERS = {
    "ch3-step-size": (1, {"ratio": "1.5", "factor": "-0.5", "regime": "oscillating, converging"}, set()),
    "ch3-quadratic-2d": (2, {"eta": "0.075", "kappa": "25.0", "verdict": "converging"}, {"nl-star", "nl-edge"}),
}
MAX_BYTES = 30_000


class _Figures(HTMLParser):
    """Each ``<figure class="nntrain-live ...">``: its attributes, raw text, and what it holds."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.text, self.figures, self._cur, self._depth = text, {}, None, 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if self._cur is None and tag == "figure" and "nntrain-live" in classes:
            self._cur = {"attrs": a, "sliders": 0, "svg": [], "scripts": [], "imgs": 0, "buttons": set(),
                         "polylines": {}, "start": self.getpos()}
            self._depth = 1
            return
        if self._cur is None:
            return
        if tag == "figure":
            self._depth += 1
        if tag == "input" and a.get("type") == "range":
            self._cur["sliders"] += 1
        elif tag == "svg":
            self._cur["svg"].append(a)
        elif tag == "script":
            self._cur["scripts"].append(a)
        elif tag == "img":
            self._cur["imgs"] += 1
        elif tag == "button":
            self._cur["buttons"].update(c for c in classes if c.startswith("nl-"))
        elif tag == "polyline":
            for c in classes:
                self._cur["polylines"][c] = a.get("points", "")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "figure":
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self._cur is not None and tag == "figure":
            self._depth -= 1
            if self._depth == 0:
                self.figures[self._cur["attrs"].get("id")] = self._cur
                self._cur = None


@pytest.fixture(scope="module")
def page():
    if not PAGE.exists():
        pytest.fail(f"{PAGE} is not built: run `make build` before the site tests")
    return PAGE.read_text(encoding="utf-8")


def snippet(page: str, uid: str) -> str:
    start = page.find(f'<figure id="{uid}"')
    assert start >= 0, f"explorer {uid} is missing from the page"
    return page[start:page.find("</figure>", start) + len("</figure>")]


def explorer_problems(page: str) -> list[str]:
    """Everything wrong with the page's two explorers, in words (an empty list when they are whole)."""
    problems, figures = [], _Figures(page).figures
    if set(figures) != set(EXPLORERS):
        problems.append(f"the page holds the explorers {sorted(figures)}, expected {sorted(EXPLORERS)}")
    for uid, (n_sliders, data, buttons) in EXPLORERS.items():
        fig = figures.get(uid)
        if fig is None:
            continue
        text = snippet(page, uid)
        if fig["sliders"] != n_sliders:
            problems.append(f"{uid}: {fig['sliders']} sliders, expected {n_sliders}")
        for key, value in data.items():
            if fig["attrs"].get(f"data-{key}") != value:
                problems.append(f"{uid}: data-{key} is {fig['attrs'].get(f'data-{key}')!r}, expected {value!r}")
        # the static fallback: an inline SVG, labelled, with the run already drawn by Python
        svg = [a for a in fig["svg"] if "nl-svg" in (a.get("class") or "")]
        if len(svg) != 1 or len(svg[0].get("aria-label", "")) < 40 or svg[0].get("role") != "img":
            problems.append(f"{uid}: no labelled inline SVG (class nl-svg, role img) to fall back on")
        path = fig["polylines"].get("nl-path", "")
        if len(re.findall(r"-?\d+(?:\.\d+)?,-?\d+(?:\.\d+)?", path)) < 5:
            problems.append(f"{uid}: the fallback SVG does not draw the iterates (polyline nl-path is empty)")
        if not re.search(r'class="nl-readout"[^>]*>.*?<b class="nl-\w+">[^<]+</b>', text, re.S):
            problems.append(f"{uid}: the readout under the figure holds no numbers")
        if len(fig["scripts"]) != 1 or any(s.get("src") for s in fig["scripts"]):
            problems.append(f"{uid}: expected exactly one inline script, found {fig['scripts']}")
        if fig["imgs"]:
            problems.append(f"{uid}: holds {fig['imgs']} <img> (a precomputed frame)")
        if not buttons <= fig["buttons"]:
            problems.append(f"{uid}: buttons {sorted(fig['buttons'])}, expected {sorted(buttons)}")
        if len(text.encode("utf-8")) > MAX_BYTES:
            problems.append(f"{uid}: {len(text.encode('utf-8'))} bytes, more than {MAX_BYTES}")
    return problems


def test_both_explorers_are_whole_with_their_static_fallback(page):
    assert explorer_problems(page) == []


def test_the_check_catches_a_broken_explorer(page):
    """Planted bugs: a page whose explorer lost its drawing, its script or its κ slider must fail the check."""
    quad = snippet(page, "ch3-quadratic-2d")
    no_path = re.sub(r'(class="nl-path" points=")[^"]*"', r'\1"', quad, count=1)
    no_script = re.sub(r"<script>.*?</script>", "", quad, count=1, flags=re.S)
    no_kappa = re.sub(r'<input id="ch3-quadratic-2d-k"[^>]*>', "", quad, count=1)
    for broken, words in [(no_path, "nl-path is empty"), (no_script, "inline script"), (no_kappa, "1 sliders")]:
        assert broken != quad
        problems = explorer_problems(page.replace(quad, broken))
        assert any(words in p for p in problems), (words, problems)
    assert any("expected" in p for p in explorer_problems(page.replace(quad, "")))


def test_no_precomputed_companion_is_left(page):
    assert "nntrain-companion" not in page and "nntrain-frames" not in page


def test_no_script_from_the_network(page):
    # a frozen ipywidget would pull require.js and the widget manager from CDNs;
    # the book config must turn that off (sphinx config `nb_ipywidgets_js: {}`)
    assert remote_scripts(page) == []


def test_page_weight_is_reasonable(page):
    images = re.findall(r'<img[^>]+src="(\.\./_images/[^"]+)"', page)
    weight = len(page.encode("utf-8")) + sum((PAGE.parent / src).stat().st_size for src in set(images))
    assert weight < 2e6, f"chapter 3 weighs {weight / 1e6:.1f} MB"
