"""Every page of the built site in headless Chromium, with every host but the site itself blocked.

Opens each page once (Playwright driving the system's `chromium`; no browser
download), takes a full-page screenshot into _build/screenshots/, and checks:
formulas typeset, images loaded with real alt text, no console errors, no
request leaving the site, internal links and anchors resolving, the chapters'
Binder, Colab and download buttons, and the companions' sliders. The checks
live in browsercheck.py; the last test plants problems in a page and shows
that they are caught.

Without Chromium or playwright these tests skip, except with CI=true, where
they fail: CI must check the site in a browser (`.ci/run` installs chromium).
"""
import os
import pathlib
import shutil

import pytest

import browsercheck as bc
from bookcheck import HTML, ROOT, chapter_notebooks, toc_files

pytestmark = [pytest.mark.site, pytest.mark.browser]

SCREENSHOTS = ROOT / "_build" / "screenshots"
# index.html is only a redirect to intro.html (test_the_front_door_opens_the_intro).
# search.html is checked like the others: its results are empty until a reader types a query.
NOT_PAGES = {"index.html"}


def screenshot_path(rel: str) -> pathlib.Path:
    return SCREENSHOTS / (rel.removesuffix(".html").replace("/", "__") + ".png")


def site_pages() -> list[str]:
    return sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
                  if not p.relative_to(HTML).as_posix().startswith("_") and p.name not in NOT_PAGES)


def cannot_run(reason):
    """Skip here, but fail in CI: CI must check the site in a browser."""
    message = f"cannot check the site in a browser: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    reason = bc.unavailable()
    if reason:
        cannot_run(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=bc.chromium_path(), args=bc.CHROMIUM_ARGS)
        except Exception as e:  # noqa: BLE001
            cannot_run(f"{bc.chromium_path()} did not start: {str(e).splitlines()[0]}")
        yield b
        b.close()


def check_page(browser_, root: pathlib.Path, origin: str, rel: str, shot: pathlib.Path | None) -> dict[str, list[str]]:
    """All checks of one page, as {check: problems}; the same code for the site and for the planted page."""
    blocked: list[str] = []
    context = bc.offline_context(browser_, origin, blocked)
    try:
        visit = bc.load(context, f"{origin}/{rel}")
        if shot:
            bc.screenshot(visit, shot)
        report = {"math": bc.math_problems(visit), "images": bc.image_problems(visit),
                  "links": bc.link_problems(visit, root, origin), "companions": bc.companion_problems(visit),
                  "companion ids": visit.page.eval_on_selector_all(".nntrain-companion", "els => els.map(e => e.id)"),
                  "live": bc.live_problems(visit),
                  "live ids": visit.page.eval_on_selector_all(".nntrain-live", "els => els.map(e => e.id)")}
        if rel.startswith("chapters/"):
            report["launch"] = bc.launch_problems(visit, rel.replace(".html", ".ipynb"))
        report["console"] = bc.console_problems(visit)
        report["requests"] = bc.request_problems(blocked)
        return report
    finally:
        context.close()


@pytest.fixture(scope="module")
def reports(browser):
    if not (HTML / "intro.html").exists():
        pytest.fail("the site is not built: run `make build` before the site tests")
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    with bc.serve(HTML) as origin:
        return {rel: check_page(browser, HTML, origin, rel, screenshot_path(rel)) for rel in site_pages()}


def assert_no(check, reports):
    """Fail with one line per problem, page by page."""
    found = [f"{page}: {p}" for page, r in reports.items() for p in r.get(check, [])]
    if found:
        pytest.fail(f"{len(found)} problem(s) ({check}):\n" + "\n".join(found), pytrace=False)


def test_the_site_has_its_pages(reports):
    expected = {"intro.html"} | {f"{f}.html" for f in toc_files()}
    assert expected <= set(reports), sorted(expected - set(reports))


def test_every_formula_is_typeset(reports):
    assert_no("math", reports)


def test_every_image_loads_and_has_real_alt_text(reports):
    assert_no("images", reports)


def test_no_console_errors(reports):
    assert_no("console", reports)


def test_no_request_leaves_the_site(reports):
    assert_no("requests", reports)


def test_every_internal_link_and_anchor_resolves(reports):
    assert_no("links", reports)


def test_chapters_have_binder_colab_and_download_buttons(reports):
    assert_no("launch", reports)


def test_every_live_explorer_computes_when_its_sliders_move(reports):
    assert_no("live", reports)
    for nb in chapter_notebooks():  # a chapter that saved an explorer shows it
        if "nntrain-live" in nb.read_text(encoding="utf-8"):
            assert reports[f"chapters/{nb.stem}.html"]["live ids"], f"{nb.stem}: no explorer on the page"


def test_every_companion_responds_to_its_sliders(reports):
    assert_no("companions", reports)
    for nb in chapter_notebooks():  # a chapter that saved a companion shows it
        if "nntrain-companion" in nb.read_text(encoding="utf-8"):
            assert reports[f"chapters/{nb.stem}.html"]["companion ids"], f"{nb.stem}: no companion on the page"


def test_every_page_has_a_screenshot(reports):
    for rel in reports:
        shot = screenshot_path(rel)
        assert shot.stat().st_size > 10_000, f"{shot} is missing or blank"


def test_the_front_door_opens_the_intro(browser):
    with bc.serve(HTML) as origin:
        context = bc.offline_context(browser, origin, [])
        try:
            page = context.new_page()
            page.goto(f"{origin}/index.html")
            page.wait_for_url("**/intro.html")
        finally:
            context.close()


PLANTED = r"""
<section id="planted">
<h1>Planted problems</h1>
<p>A formula left as raw text: $$\frac{1}{$$</p>
<div class="math notranslate nohighlight">\[x^{2}^{3}\]</div>
<p>An unknown macro: <span class="math notranslate nohighlight">\(\notamacro x\)</span></p>
<img src="../_static/images/logo_binder.svg">
<img src="../_static/images/logo_binder.svg" alt="png">
<img src="https://example.org/remote.png" alt="A picture from another site">
<a href="02_backprop.html#no-such-section">a broken anchor</a> <a href="no_such_page.html">a broken link</a>
<div id="dead" class="nntrain-companion"><input type="range" min="0" max="4" value="2" aria-label="dead">
<img src="../_static/images/logo_binder.svg" alt="A slider that moves nothing"></div>
<figure id="still" class="nntrain-live" data-rate="0.5"><input type="range" min="0" max="4" value="2"
aria-label="still"><svg role="img" aria-label="A figure that computes nothing"></svg></figure>
<script>console.error("planted console error");</script>
</section>
"""


def test_the_checks_catch_planted_problems(browser, tmp_path):
    """Planted: raw and broken TeX, an unknown macro, missing and placeholder alt text, a request to another host,
    broken links, a dead slider, a console error, and launch buttons for another notebook (the frame is chapter 1's:
    same head, MathJax and theme)."""
    for entry in HTML.iterdir():  # the site, by symlinks, with one more page in chapters/
        if entry.name != "chapters":
            (tmp_path / entry.name).symlink_to(entry)
    (tmp_path / "chapters").mkdir()
    for entry in (HTML / "chapters").iterdir():
        (tmp_path / "chapters" / entry.name).symlink_to(entry)
    text = (HTML / "chapters" / "01_derivatives.html").read_text(encoding="utf-8")
    start = text.index(">", text.index('<article class="bd-article"')) + 1
    (tmp_path / "chapters" / "planted.html").write_text(text[:start] + PLANTED + text[text.index("</article>"):],
                                                        encoding="utf-8")
    with bc.serve(tmp_path) as origin:
        report = check_page(browser, tmp_path, origin, "chapters/planted.html", tmp_path / "planted.png")
    print("\n".join(f"{check}: {p}" for check, ps in report.items() for p in ps))

    def caught(check, *fragments):
        assert any(all(f in p for f in fragments) for p in report[check]), (check, fragments, report[check])

    caught("math", "raw TeX", r"\frac{1}{")
    caught("math", "MathJax error", "Double exponent")
    caught("math", "unknown macro", r"\notamacro")
    caught("images", "has no alt attribute")
    caught("images", "placeholder alt text 'png'")
    caught("images", "example.org", "did not load")
    caught("requests", "https://example.org/remote.png")
    caught("links", "02_backprop.html#no-such-section", "no id")
    caught("links", "no_such_page.html", "no such file")
    caught("companions", "dead", "does not change the picture")
    caught("live", "still", "does not change what the page computes")
    caught("live", "still", "does not change the figure's label")
    caught("console", "planted console error")
    caught("launch", "Binder button opens", "not chapters/planted.ipynb")  # the frame's buttons are chapter 1's
