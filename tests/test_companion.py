"""nntrain.widgets.companion: the kernel-free slider figures of the website."""
import json
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from nntrain.widgets.companion import companion_html, slider_figure  # noqa: E402
from bookcheck import images_without_alt, remote_scripts  # noqa: E402


def _render(a, b):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, a * b])
    ax.set_title(f"a={a} b={b}")
    return fig


def test_one_frame_per_setting_in_row_major_order():
    out = slider_figure(_render, {"a": [1, 2, 3], "b": [0.5, 1.0]}, alt=lambda a, b: f"Line with slope {a * b}.", title="T")
    text = out.data
    data = json.loads(re.search(r'class="nntrain-frames">(.*?)</script>', text, re.S).group(1))
    assert data["sizes"] == [3, 2] and len(data["uris"]) == 6
    assert data["alts"][3] == "Line with slope 2.0."
    assert data["values"] == [["1", "2", "3"], ["0.5", "1"]]
    # the first frame shown is the middle setting (a=2, b=1.0): index 1*2 + 1 = 3
    assert f'src="{data["uris"][3]}"' in text
    assert text.count('type="range"') == 2
    assert out.nbytes == len(text.encode())


def test_the_page_snippet_is_self_contained_and_accessible():
    text = slider_figure(_render, {"a": [1, 2], "b": [1]}, alt="A straight line.").data
    assert remote_scripts(text) == []
    assert images_without_alt(text) == []


def test_frames_and_alts_must_match_the_grid():
    with pytest.raises(ValueError, match="expected 4 frames"):
        companion_html([b"x"] * 3, {"a": [1, 2], "b": [1, 2]}, ["alt"] * 3)


@pytest.mark.parametrize("params, message", [({}, "at least one slider"), ({"a": []}, "at least one value"),
                                             ({"a": list(range(30)), "b": list(range(30))}, "too many")])
def test_bad_grids_raise(params, message):
    with pytest.raises(ValueError, match=message):
        slider_figure(_render, params, alt="x")
