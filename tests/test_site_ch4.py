"""The built page of chapter 4: the race's small-multiples companion, the momentum explorer that
computes in the page, the link to the appendix "Where the notes disagree", and no remote script."""
import re

import pytest

from bookcheck import HTML, images_without_alt, remote_scripts

pytestmark = pytest.mark.site
PAGE = HTML / "chapters" / "04_adaptive_methods.html"
APPENDIX = HTML / "appendix" / "notes_disagree.html"


@pytest.fixture(scope="module")
def page() -> str:
    if not PAGE.exists():
        pytest.fail("chapter 4 is not built: run `make build` before the site tests")
    return PAGE.read_text(encoding="utf-8")


def test_page_embeds_the_race_companion(page):
    assert "Optimizer race: settings side by side" in page
    # 3 problems x 2 values of beta2 = 6 frames of small multiples (plus the page's own figures)
    assert page.count("data:image/png;base64") >= 6
    assert 'type="range"' in page
    assert "one panel per learning rate and momentum" in page      # the frames' alt text


def test_page_holds_the_momentum_explorer(page):
    # nntrain.widgets.live_momentum: one <figure class="nntrain-live ..."> with its inline script
    assert re.search(r'<figure[^>]*id="ch4-momentum"', page)
    assert 'class="nntrain-live' in page


def test_page_links_to_the_notes_appendix(page):
    assert 'href="../appendix/notes_disagree.html' in page


def test_appendix_tables_link_back_to_the_computations():
    if not APPENDIX.exists():
        pytest.fail("the appendix page is not built: run `make build` before the site tests")
    text = APPENDIX.read_text(encoding="utf-8")
    assert text.count("<table") >= 3
    for label in ("ch4-errata-adam-cs231n", "ch4-errata-beta2", "ch4-errata-cmu-adam", "ch4-errata-delta",
                  "ch4-noise-floor", "ch4-errata-eps"):
        assert f"04_adaptive_methods.html#{label}" in text, label
    # the study question on beta = 0.1 against 0.9, and Rprop's two variants, link where they are answered
    for label in ("ch4-beta-effect", "ch4-per-parameter"):
        assert f"04_adaptive_methods.html#{label}" in text, label


def test_page_loads_no_remote_script(page):
    assert remote_scripts(page) == []


def test_page_images_have_alt_text(page):
    assert images_without_alt(page) == []
