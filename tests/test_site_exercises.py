"""The Exercises part of the built website: one page per set, launch and
download buttons, and no solution or hidden test anywhere in `_build/html`."""
import html
import json
import re

import pytest

from bookcheck import HTML
from exercisecheck import masters, secret_lines, set_names

pytestmark = pytest.mark.site


def readable(text: str) -> str:
    """A page's text as a reader sees it: highlighted code splits each line
    into many tags, so tags go and entities are decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def shows(text: str, line: str) -> bool:
    return line in text or json.dumps(line)[1:-1] in text


@pytest.fixture(scope="module")
def site_text():
    if not (HTML / "index.html").exists():
        pytest.fail("the site is not built: run `make build` first")
    pages = {}
    for p in HTML.rglob("*"):
        if p.is_file() and p.suffix in {".html", ".ipynb", ".txt", ".md",
                                        ".js", ".json", ".py"}:
            text = p.read_text(errors="replace")
            pages[p.relative_to(HTML).as_posix()] = (
                readable(text) if p.suffix == ".html" else text)
    return pages


@pytest.mark.parametrize("name", set_names())
def test_each_set_has_a_page_with_launch_and_download_buttons(site_text,
                                                              name):
    page = (HTML / "exercises" / "student" / f"{name}.html").read_text()
    assert "mybinder.org/v2/gh/" in page and \
        f"urlpath=lab/tree/exercises/student/{name}.ipynb" in page
    assert "colab.research.google.com/github/" in page
    assert f"_sources/exercises/student/{name}.ipynb" in page
    assert "grader.check(" in readable(page), "the page shows no checks"


def test_no_solution_or_hidden_test_reaches_the_site(site_text):
    """A set's solution lines and hidden test names appear in none of the
    site's files for that set (its page, its downloadable notebook, any
    other copy), and no master or build output is copied to the site."""
    leaks = {}
    for master in masters():
        mine = {n: t for n, t in site_text.items()
                if f"exercises/student/{master.stem}" in n}
        assert len(mine) >= 2, f"{master.stem}: its page is missing"
        for secret in secret_lines(master):
            where = [n for n, t in mine.items() if shows(t, secret)]
            if where:
                leaks[secret] = where[:2]
    assert not leaks, f"solution text on the site: {list(leaks.items())[:3]}"
    copied = [p for p in HTML.rglob("*") if "source" in p.parts
              and "exercises" in p.parts or "build" in p.parts]
    assert not copied, f"masters or build outputs on the site: {copied[:3]}"


def test_the_leak_check_finds_code_in_highlighted_pages(site_text):
    """The same match finds a line of chapter code in its built page and its
    downloadable notebook, so a leaked solution line would be found."""
    line = "np.set_printoptions(precision=4, suppress=True)"
    assert shows(site_text["chapters/01_derivatives.html"], line)
    assert shows(site_text["_sources/chapters/01_derivatives.ipynb"], line)
    assert not (HTML / "exercises" / "source").exists()
