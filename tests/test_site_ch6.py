"""The built page of chapter 6 embeds the variance-flow companion and loads no remote script."""
import pytest

from bookcheck import HTML, images_without_alt, remote_scripts

pytestmark = pytest.mark.site
PAGE = HTML / "chapters" / "06_initialization.html"


@pytest.fixture(scope="module")
def page() -> str:
    if not PAGE.exists():
        pytest.fail("chapter 6 is not built: run `make build` before the site tests")
    return PAGE.read_text(encoding="utf-8")


def test_page_embeds_the_flow_companion(page):
    assert "Depth, activation and weight scale" in page
    assert page.count("data:image/png;base64") >= 15
    assert page.count('type="range"') >= 2


def test_page_loads_no_remote_script(page):
    assert remote_scripts(page) == []


def test_page_images_have_alt_text(page):
    assert images_without_alt(page) == []
