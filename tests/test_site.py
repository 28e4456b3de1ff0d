"""Checks of the built website (`make build` first; `make test` runs these last)."""
import re

import pytest

from bookcheck import HTML, chapter_notebooks, images_without_alt, remote_scripts

pytestmark = pytest.mark.site


@pytest.fixture(scope="module")
def pages():
    if not (HTML / "index.html").exists():
        pytest.fail("the site is not built: run `make build` before the site tests")
    return {p.relative_to(HTML).as_posix(): p.read_text(encoding="utf-8") for p in HTML.rglob("*.html")}


def test_every_chapter_has_a_page(pages):
    for nb in chapter_notebooks():
        assert f"chapters/{nb.stem}.html" in pages


def test_every_image_has_real_alt_text(pages):
    bad = {name: images_without_alt(text) for name, text in pages.items() if name.startswith("chapters/")}
    assert {k: v for k, v in bad.items() if v} == {}


def test_chapters_show_figures(pages):
    for nb in chapter_notebooks():
        assert "<img" in pages[f"chapters/{nb.stem}.html"], f"{nb.stem} shows no figure"


def test_mathjax_is_served_locally(pages):
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").exists()
    for name, text in pages.items():
        assert not [s for s in remote_scripts(text) if "mathjax" in s.lower()], f"{name} loads MathJax from the network"
        if name.startswith("chapters/"):
            assert "mathjax/tex-chtml.js" in text


def test_front_page_has_the_notation_table_and_chapter_map(pages):
    index = pages["intro.html"] if "intro.html" in pages else pages["index.html"]
    assert "Notation" in index and "learning rate" in index and "condition number" in index
    assert "chapters/01_derivatives.html" in index


def test_bibliography_renders_citations(pages):
    bib = pages["bibliography.html"]
    assert "Rumelhart" in bib and "Kingma" in bib
    assert not re.search(r"\?\?|Citation .* not found", bib)


def test_the_alt_and_script_checks_catch_planted_problems():
    assert images_without_alt('<img src="a.png"><img src="b.png" alt="b.png"><img src="c.png" alt="A curve.">') == ["a.png", "b.png"]
    assert remote_scripts('<script src="https://cdn.example/x.js"></script><script src="_static/y.js"></script>') == ["https://cdn.example/x.js"]


def test_chapters_have_launch_download_and_repository_buttons(pages):
    for nb in chapter_notebooks():
        page = pages[f"chapters/{nb.stem}.html"]
        assert f"mybinder.org/v2/gh/" in page and "urlpath=lab/tree/chapters/" in page, f"{nb.stem}: no Binder (JupyterLab) button"
        assert "colab.research.google.com/github/" in page, f"{nb.stem}: no Colab button"
        # no Thebe ("live code") button: it needs a Jupyter server online, and
        # the site works offline (launch_buttons.thebe is false in _config.yml)
        assert "thebe-launch-button" not in page, f"{nb.stem}: a Thebe button that cannot work offline"
        assert "REPLACE-WITH-YOUR-ORG" in page, f"{nb.stem}: no repository button"
        assert f"_sources/chapters/{nb.stem}.ipynb" in page, f"{nb.stem}: no download button for the notebook"
