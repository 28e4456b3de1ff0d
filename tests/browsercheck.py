"""Checks of the built site in a real browser (headless Chromium through Playwright), offline.

Used by tests/test_site_browser.py, on every page of the site and on a page with
planted problems, so that both go through the same code. Each ``*_problems``
function takes a page that `load` has opened and returns what is wrong with it
as readable sentences (an empty list when nothing is).
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import pathlib
import re
import shutil
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
TIMEOUT_MS = 30_000

# Alt text that says nothing: a file name, a hash, or a word like these.
PLACEHOLDER_ALT = {"png", "jpg", "svg", "image", "img", "output", "figure", "fig", "picture", "plot", "graph",
                   "chart", "untitled", "alt", "logo", "icon", "image/png", "none", "null", "undefined"}


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or (
        "/usr/bin/chromium" if pathlib.Path("/usr/bin/chromium").exists() else None)


def unavailable() -> str | None:
    """Why the browser checks cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -r requirements.txt)"
    if chromium_path() is None:
        return "no Chromium on this machine (as root: apt-get install chromium)"
    return None


# --- a server for one folder, on a free loopback port ------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the browser hanging up early is not the site's problem


@contextlib.contextmanager
def serve(root: pathlib.Path):
    """Serve ``root`` on http://127.0.0.1:<free port> from a thread; yields the origin."""
    server = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def offline_context(browser, origin: str, blocked: list[str]):
    """A browser context in which every request not to ``origin`` is aborted and recorded in ``blocked``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)

    def route(r):
        if r.request.url == origin or r.request.url.startswith(origin + "/"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    return context


# --- opening a page ------------------------------------------------------------------------------

_SETTLE = """async (ms) => {
  const late = new Promise((_, no) => setTimeout(() => no(new Error(`MathJax and images not done after ${ms} ms`)), ms));
  const images = Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(done => { img.addEventListener("load", done); img.addEventListener("error", done); })));
  const math = (async () => {
    if (!document.querySelector('script[src*="mathjax" i]')) return;
    while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) await new Promise(r => setTimeout(r, 25));
    await MathJax.startup.promise;
  })();
  await Promise.race([Promise.all([images, math, document.fonts.ready]), late]);
}"""


@dataclass
class Visit:
    page: object                      # playwright Page
    url: str
    errors: list[str] = field(default_factory=list)    # console errors and uncaught exceptions
    settle: str | None = None         # why waiting for MathJax and the images failed, if it did


def load(context, url: str) -> Visit:
    """Open ``url``, wait for MathJax, the images and the fonts, and collect console errors."""
    page = context.new_page()
    visit = Visit(page, url)
    page.on("console", lambda m: visit.errors.append(f"console error: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.errors.append(f"uncaught exception: {e}"))
    page.goto(url, wait_until="load")
    try:
        page.evaluate(_SETTLE, TIMEOUT_MS // 2)
    except Exception as e:  # noqa: BLE001 - a page that never settles is a finding, not a crash
        visit.settle = str(e).splitlines()[0]
    return visit


# --- the checks ----------------------------------------------------------------------------------

_MATH = r"""() => {
  const out = [], skip = "code, pre, script, style, textarea, kbd, samp, mjx-container";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.parentElement || n.parentElement.closest(skip)) continue;
    const t = n.textContent, m = t.match(/\$\$|\\\(|\\\[/);
    if (m) out.push("raw TeX left in the text: '" + t.slice(Math.max(0, m.index - 30), m.index + 50).trim() + "'");
  }
  const error = "mjx-merror, [data-mjx-error]";
  document.querySelectorAll(error).forEach(e => e.querySelector(error) ||
      out.push("MathJax error: " + (e.getAttribute("data-mjx-error") || e.textContent)));
  const S = window.MathJax && MathJax.startup;
  if (S && S.document && typeof S.toMML === "function")
    for (const item of S.document.math)   // MathJax shows an unknown macro as red text, not as an error
      if (/mathcolor="red"/.test(S.toMML(item.root))) out.push("unknown macro in '" + item.math.slice(0, 80) + "'");
  return out;
}"""


def math_problems(visit: Visit) -> list[str]:
    """Every formula typeset: no raw TeX delimiters outside code, no MathJax error, no unknown macro."""
    return ([visit.settle] if visit.settle else []) + visit.page.evaluate(_MATH)


def real_alt(alt: str | None) -> bool:
    a = (alt or "").strip()
    return not (len(a) < 3 or a.lower().rstrip(".") in PLACEHOLDER_ALT
                or re.fullmatch(r"[\w./-]+\.(png|svg|jpe?g|gif|webp)", a, re.I) or re.fullmatch(r"[0-9a-f]{16,}", a))


def _describe(src: str) -> str:
    return src[:40] + "..." if src.startswith("data:") else src


def image_problems(visit: Visit) -> list[str]:
    """Every <img> loaded (naturalWidth > 0) and has alt text that describes it."""
    images = visit.page.eval_on_selector_all(
        "img", "els => els.map(i => ({src: i.getAttribute('src') || '', alt: i.getAttribute('alt'), w: i.naturalWidth}))")
    problems = []
    for n, img in enumerate(images, 1):
        name = f"image {n} ({_describe(img['src'])})"
        if img["w"] == 0:
            problems.append(f"{name} did not load")
        if img["alt"] is None:
            problems.append(f"{name} has no alt attribute")
        elif not real_alt(img["alt"]):
            problems.append(f"{name} has placeholder alt text {img['alt']!r}")
    return problems


def request_problems(blocked: list[str]) -> list[str]:
    """Requests that tried to leave the site (the context aborted them)."""
    return [f"request to another host: {url}" for url in dict.fromkeys(blocked)]


def console_problems(visit: Visit) -> list[str]:
    return list(dict.fromkeys(visit.errors))


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if v and (k == "id" or (tag == "a" and k == "name")):
                self.ids.add(v)


@functools.lru_cache(maxsize=None)
def anchors(path: pathlib.Path) -> frozenset[str]:
    p = _Ids()
    p.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(p.ids)


def link_problems(visit: Visit, root: pathlib.Path, origin: str) -> list[str]:
    """Every link into the site reaches a file that exists, and its #anchor exists in that file."""
    hrefs = visit.page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    problems = []
    for href in dict.fromkeys(hrefs):
        if not href.startswith(origin + "/"):
            continue
        parts = urlsplit(href)
        rel = unquote(parts.path).lstrip("/")
        target = root / rel
        if rel == "" or rel.endswith("/"):
            target = target / "index.html"
        shown = href[len(origin):]
        if not target.is_file():
            problems.append(f"link to {shown}: no such file")
        elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in anchors(target.resolve()):
            problems.append(f"link to {shown}: no id {unquote(parts.fragment)!r} in {rel}")
    return problems


def _slider_sweeps(visit: Visit, selector: str, kind: str, complete, state):
    """For every slider of every ``selector`` figure: (name, label, state at the slider's minimum,
    state at its maximum), moved from the keyboard as a reader would; problems of figures that are not
    ``complete(root)`` or whose slider cannot be moved come back as strings."""
    figures = visit.page.locator(selector)
    for i in range(figures.count()):
        root = figures.nth(i)
        name = root.get_attribute("id") or f"{kind} {i + 1}"
        sliders = root.locator('input[type="range"]')
        if sliders.count() == 0 or not complete(root):
            yield f"{name}: no slider or no picture"
            continue
        for j in range(sliders.count()):
            slider = sliders.nth(j)
            label = slider.get_attribute("aria-label") or f"slider {j + 1}"
            shown = []
            try:
                for key in ("Home", "End"):
                    slider.press(key, timeout=5000)
                    shown.append(state(root))
            except Exception as e:  # noqa: BLE001
                yield f"{name}: slider {label!r} cannot be moved ({str(e).splitlines()[0]})"
                continue
            yield name, label, shown[0], shown[1]


def companion_problems(visit: Visit) -> list[str]:
    """Every slider of every companion, moved from its minimum to its maximum, changes the picture and its alt text."""
    def picture(root):
        img = root.locator("img").first
        return img.get_attribute("src"), img.get_attribute("alt")

    problems = []
    for sweep in _slider_sweeps(visit, ".nntrain-companion", "companion",
                                lambda root: root.locator("img").count() > 0, picture):
        if isinstance(sweep, str):
            problems.append(sweep)
            continue
        name, label, (src0, alt0), (src1, alt1) = sweep
        if src0 == src1:
            problems.append(f"{name}: moving {label!r} from its minimum to its maximum does not change the picture")
        if alt0 == alt1:
            problems.append(f"{name}: moving {label!r} from its minimum to its maximum does not change the alt text")
        problems += [f"{name}: placeholder alt text {a!r}" for a in {alt0, alt1} if not real_alt(a)]
    return problems


_LIVE_STATE = """fig => [fig.getAttributeNames().filter(n => n.startsWith('data-'))
    .map(n => n + '=' + fig.getAttribute(n)).join(' '),
    (fig.querySelector('svg[role="img"]') || {getAttribute: () => null}).getAttribute('aria-label')]"""


def live_problems(visit: Visit) -> list[str]:
    """Every slider of every explorer that computes in the page (``.nntrain-live``), moved from its minimum
    to its maximum, changes the numbers the page computed (its ``data-*`` attributes) and its SVG's label."""
    problems = []
    for sweep in _slider_sweeps(visit, ".nntrain-live", "explorer",
                                lambda root: root.locator('svg[role="img"]').count() > 0,
                                lambda root: root.evaluate(_LIVE_STATE)):
        if isinstance(sweep, str):
            problems.append(sweep)
            continue
        name, label, (data0, aria0), (data1, aria1) = sweep
        if data0 == data1:
            problems.append(f"{name}: moving {label!r} from its minimum to its maximum does not change "
                            "what the page computes")
        if not aria1 or aria0 == aria1:
            problems.append(f"{name}: moving {label!r} does not change the figure's label")
    return problems


def _menu_link(page, menu: str, link: str) -> str | None:
    """Open the header dropdown ``menu`` and return the href of its visible ``link``, or None."""
    toggle = page.locator(f"{menu} > button").first
    if toggle.count() == 0 or not toggle.is_visible():
        return None
    toggle.click()
    try:
        target = page.locator(f"{menu} {link}").first
        target.wait_for(state="visible", timeout=3000)
        return target.get_attribute("href")
    except Exception:  # noqa: BLE001
        return None
    finally:
        page.keyboard.press("Escape")


def launch_problems(visit: Visit, notebook: str) -> list[str]:
    """The page's header offers Binder and Colab launches and an .ipynb download of ``notebook`` (a path like
    chapters/03_convergence.ipynb), each visible once its menu is opened."""
    page, problems = visit.page, []
    for what, menu, link in [("Binder", ".dropdown-launch-buttons", 'a[href*="mybinder.org/v2/gh/"]'),
                             ("Colab", ".dropdown-launch-buttons", 'a[href*="colab.research.google.com"]'),
                             ("download", ".dropdown-download-buttons", 'a[href$=".ipynb"]')]:
        href = _menu_link(page, menu, link)
        if href is None:
            problems.append(f"no {what} button")
        elif not href.endswith(notebook) and f"{notebook}&" not in href:
            problems.append(f"the {what} button opens {href}, not {notebook}")
    return problems


@contextlib.contextmanager
def snippet_page(root: pathlib.Path, parts: list[str], title: str, cannot_run):
    """Serve HTML snippets in one 780-pixel column (the book's) from ``root`` and yield the loaded
    :class:`Visit` (offline; requests to other hosts recorded in ``visit.blocked``). ``cannot_run(reason)``
    is called (and must raise) when Chromium does not start."""
    from playwright.sync_api import sync_playwright

    (root / "index.html").write_text(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
        '<body style="margin:0"><main style="width:780px;margin:0 auto">' + "\n".join(parts)
        + "</main></body></html>", encoding="utf-8")
    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        except Exception as e:  # noqa: BLE001
            cannot_run(f"{chromium_path()} did not start: {str(e).splitlines()[0]}")
        try:
            with serve(root) as origin:
                blocked: list[str] = []
                context = offline_context(browser, origin, blocked)
                visit = load(context, origin + "/index.html")
                visit.blocked, visit.shots = blocked, root
                try:
                    yield visit
                finally:
                    context.close()
        finally:
            browser.close()


def screenshot(visit: Visit, path: pathlib.Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(path), full_page=True)
