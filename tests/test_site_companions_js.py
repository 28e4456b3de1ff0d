"""The static companions really respond to their sliders in a browser, offline.

Runs the built pages in headless Chromium (skipped when no Chromium is
installed: `apt-get install chromium`), with every host name unresolvable, and
a small probe script that moves each slider of each companion to its ends and
records which frame (and alt text) is shown.
"""
import json
import re
import shutil
import subprocess
import tempfile

import pytest

from bookcheck import HTML

pytestmark = pytest.mark.site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")

PROBE = """
<script>
document.addEventListener("DOMContentLoaded", function () {
  var report = [];
  document.querySelectorAll(".nntrain-companion").forEach(function (root) {
    var img = root.querySelector("img"), entry = {id: root.id, moves: []};
    root.querySelectorAll("input[type=range]").forEach(function (s) {
      [s.min, s.max].forEach(function (v) {
        var before = img.getAttribute("src");
        s.value = v;
        s.dispatchEvent(new Event("input"));
        entry.moves.push({value: v, changed: img.getAttribute("src") !== before,
                          alt: img.alt, label: s.nextElementSibling.textContent});
      });
    });
    report.push(entry);
  });
  document.body.setAttribute("data-probe", JSON.stringify(report));
});
</script>
"""


def run_probe(page_path):
    text = page_path.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>")
    with tempfile.TemporaryDirectory() as tmp:
        probe_page = page_path.with_name(f"_probe_{page_path.name}")
        probe_page.write_text(text, encoding="utf-8")
        try:
            out = subprocess.run(
                [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp}", "--host-resolver-rules=MAP * ~NOTFOUND",
                 "--virtual-time-budget=5000", "--dump-dom", probe_page.as_uri()],
                capture_output=True, text=True, timeout=120,
            ).stdout
        finally:
            probe_page.unlink()
    match = re.search(r"data-probe=\"([^\"]*)\"", out)
    assert match, "the probe script did not run (no data-probe attribute in the DOM)"
    return json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium)")
# chapter 3 has no precomputed companion any more: its two explorers compute in the page
# (nntrain.widgets.live_quadratic; tests/test_live_quadratic.py and tests/test_site_ch3.py check them)
@pytest.mark.parametrize("page, n_companions", [("03_convergence.html", 0), ("04_adaptive_methods.html", 1),
                                               ("05_minibatches.html", 1), ("06_initialization.html", 1),
                                               ("07_batch_norm.html", 1)])
def test_sliders_switch_frames_offline(page, n_companions):
    path = HTML / "chapters" / page
    if not path.exists():
        pytest.fail(f"{path} is not built: run `make build` first")
    report = run_probe(path)
    assert len(report) == n_companions
    for companion in report:
        assert companion["moves"], f"{companion['id']} has no slider"
        # moving a slider to an end (from the middle, or from the other end) shows another frame
        assert any(m["changed"] for m in companion["moves"]), companion["id"]
        for m in companion["moves"]:
            assert len(m["alt"]) > 20 and m["label"].strip()


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium)")
def test_the_probe_catches_a_dead_slider():
    """Planted bug: the same page with the frame-switching listener removed must fail the check."""
    path = HTML / "chapters" / "05_minibatches.html"
    if not path.exists():
        pytest.fail(f"{path} is not built: run `make build` first")
    dead = path.with_name("_dead_05_minibatches.html")
    dead.write_text(path.read_text(encoding="utf-8").replace('s.addEventListener("input", show);', ""), encoding="utf-8")
    try:
        report = run_probe(dead)
    finally:
        dead.unlink()
    assert report and not any(m["changed"] for c in report for m in c["moves"])
