"""The built page of chapter 5 embeds the batch-size companion and loads no remote script."""
import pytest

from bookcheck import HTML, images_without_alt, remote_scripts

pytestmark = pytest.mark.site
PAGE = HTML / "chapters" / "05_minibatches.html"


@pytest.fixture(scope="module")
def page() -> str:
    if not PAGE.exists():
        pytest.fail("chapter 5 is not built: run `make build` before the site tests")
    return PAGE.read_text(encoding="utf-8")


def test_page_embeds_the_batch_companion(page):
    assert "Batch size, learning rate and gradient noise" in page
    assert page.count("data:image/png;base64") >= 12
    assert page.count('type="range"') >= 2


def test_page_loads_no_remote_script(page):
    assert remote_scripts(page) == []


def test_page_images_have_alt_text(page):
    assert images_without_alt(page) == []
