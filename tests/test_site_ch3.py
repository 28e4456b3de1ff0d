"""The built page of chapter 3 embeds both static companions and works offline (`make build` first)."""
import json
import re

import pytest

from bookcheck import HTML, remote_scripts

pytestmark = pytest.mark.site

PAGE = HTML / "chapters" / "03_convergence.html"
COMPANIONS = {"ch3-step-size": (1, 9), "ch3-quadratic-2d": (3, 24)}   # sliders, frames


@pytest.fixture(scope="module")
def page():
    if not PAGE.exists():
        pytest.fail(f"{PAGE} is not built: run `make build` before the site tests")
    return PAGE.read_text(encoding="utf-8")


def companion(page, uid):
    start = page.find(f'id="{uid}"')
    assert start >= 0, f"companion {uid} is missing from the page"
    end = page.find("</div>", page.find("nntrain-frames", start))
    return page[start:end]


@pytest.mark.parametrize("uid", COMPANIONS)
def test_companion_has_sliders_and_every_frame_embedded(page, uid):
    n_sliders, n_frames = COMPANIONS[uid]
    html = companion(page, uid)
    assert html.count('type="range"') == n_sliders
    data = json.loads(re.search(r'<script type="application/json" class="nntrain-frames">(.*?)</script>', html, re.S).group(1))
    assert len(data["uris"]) == len(data["alts"]) == n_frames
    assert all(u.startswith("data:image/png;base64,") for u in data["uris"])
    assert all(len(a) > 30 for a in data["alts"])
    assert len(set(data["uris"])) == n_frames  # each setting really has its own picture
    assert "addEventListener" in html  # the inline script that switches frames


def test_no_script_from_the_network(page):
    # a frozen ipywidget would pull require.js and the widget manager from CDNs;
    # the book config must turn that off (sphinx config `nb_ipywidgets_js: {}`)
    assert remote_scripts(page) == []


def test_page_weight_is_reasonable(page):
    images = re.findall(r'<img[^>]+src="(\.\./_images/[^"]+)"', page)
    weight = len(page.encode("utf-8")) + sum((PAGE.parent / src).stat().st_size for src in set(images))
    assert weight < 3.5e6, f"chapter 3 weighs {weight / 1e6:.1f} MB"
