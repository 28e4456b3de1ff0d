"""The built page of chapter 7 embeds the batch-norm companion and loads no remote script."""
import pytest

from bookcheck import HTML, images_without_alt, remote_scripts

pytestmark = pytest.mark.site
PAGE = HTML / "chapters" / "07_batch_norm.html"


@pytest.fixture(scope="module")
def page() -> str:
    if not PAGE.exists():
        pytest.fail("chapter 7 is not built: run `make build` before the site tests")
    return PAGE.read_text(encoding="utf-8")


def test_page_embeds_the_batch_norm_companion(page):
    assert "Batch normalization and the learning rate" in page
    assert page.count("data:image/png;base64") >= 8  # one frame per learning rate
    assert page.count('type="range"') >= 1


def test_page_loads_no_remote_script(page):
    assert remote_scripts(page) == []


def test_page_images_have_alt_text(page):
    assert images_without_alt(page) == []
