"""Helpers for the structural checks of notebooks and of the built site (imported by tests)."""
from __future__ import annotations

import json
import pathlib
import re
from html.parser import HTMLParser

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
HTML = ROOT / "_build" / "html"

# nbval honours only the exact comment line `# NBVAL_IGNORE_OUTPUT`; the reason goes on the next line.
IGNORE_WITH_REASON = re.compile(r"^[ \t]*# NBVAL_IGNORE_OUTPUT[ \t]*\n[ \t]*#[ \t]*\S+\s+\S+\s+\S+", re.M)


def chapter_notebooks() -> list[pathlib.Path]:
    return sorted(p for p in CHAPTERS.glob("*.ipynb"))


def toc_files() -> list[str]:
    return re.findall(r"file:\s*(\S+)", (ROOT / "_toc.yml").read_text())


def load(nb_path: pathlib.Path) -> dict:
    return json.loads(nb_path.read_text())


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def is_colab_setup(cell: dict) -> bool:
    """The Colab set-up cell that tools/colab_cell.py puts first in every notebook."""
    meta = cell.get("metadata", {}).get("nntrain", {})
    return isinstance(meta, dict) and meta.get("colab_setup") is True


def colab_setup_problems(nb: dict) -> list[str]:
    """The Colab set-up cell, where there is one, must be the notebook's first cell, a code cell,
    there only once, with no outputs, and saved unexecuted or executed as cell 1."""
    marked = [c for c in nb["cells"] if is_colab_setup(c)]
    if not marked:
        return []
    cell = marked[0]
    if len(marked) > 1 or nb["cells"][0] is not cell or cell["cell_type"] != "code" \
            or cell.get("outputs") or cell.get("execution_count") not in (None, 1):
        return ["the Colab set-up cell (tools/colab_cell.py) must be the first cell, once, "
                "with no outputs and no execution count other than 1"]
    return []


def notebook_problems(nb: dict) -> list[str]:
    """Everything wrong with a saved chapter notebook, as readable sentences.

    The Colab set-up cell (tools/colab_cell.py) is checked on its own (``colab_setup_problems``)
    and left out of the other checks: it is saved unexecuted, or executed as cell 1 after a
    re-execution, so the other cells' execution counts run from 1 or from 2 (from 2 only when
    the notebook has the cell; always from 2 when the cell's own count is 1)."""
    problems = colab_setup_problems(nb)
    setup = [c for c in code_cells(nb) if is_colab_setup(c)]
    cells = [c for c in code_cells(nb) if not is_colab_setup(c)]
    starts = [1]
    if len(setup) == 1:
        starts = [2] if setup[0].get("execution_count") == 1 else [1, 2]
    counts = [c.get("execution_count") for c in cells]
    if any(n is None for n in counts):
        problems.append("some code cells were saved unexecuted")
    elif not any(counts == list(range(s, s + len(cells))) for s in starts):
        problems.append(f"cells were not executed once, top to bottom (execution counts {counts[:12]}...)")
    for i, cell in enumerate(code_cells(nb)):       # i: the cell's place among all code cells
        if is_colab_setup(cell):
            continue
        src = source(cell)
        tags = cell.get("metadata", {}).get("tags", [])
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and "raises-exception" not in tags:
                problems.append(f"code cell {i} saved an error: {out.get('ename')}")
            if out.get("output_type") == "stream" and out.get("name") == "stderr" and "Warning" in "".join(out.get("text", "")):
                problems.append(f"code cell {i} printed a warning to stderr")
            if "image/png" in out.get("data", {}):
                alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt", "")
                if len(alt.strip()) < 15:
                    problems.append(f"code cell {i} makes a figure without alt text (metadata mystnb.image.alt)")
        if "NBVAL_IGNORE_OUTPUT" in src or "nbval-ignore-output" in tags:
            markers = [ln for ln in src.splitlines() if "NBVAL_IGNORE_OUTPUT" in ln]
            if any(ln.strip().lstrip("#").strip() != "NBVAL_IGNORE_OUTPUT" for ln in markers):
                problems.append(f"code cell {i}: nbval only honours the exact line `# NBVAL_IGNORE_OUTPUT` (put the reason on the next line)")
            elif not IGNORE_WITH_REASON.search(src):
                problems.append(f"code cell {i} ignores its output without a reason (a comment line right after the marker)")
    if cells:
        first = source(cells[0])
        if "use_book_style" not in first or "set_printoptions" not in first:
            problems.append("the first code cell must set the print precision and the book's plotting style")
    return problems


class _ImgParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs: list[dict] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a)
        elif tag == "script" and a.get("src"):
            self.scripts.append(a["src"])


def parse_html(text: str) -> _ImgParser:
    p = _ImgParser()
    p.feed(text)
    return p


def images_without_alt(text: str) -> list[str]:
    """The ``src`` of every <img> whose alt text is missing, empty or just a file name."""
    bad = []
    for img in parse_html(text).imgs:
        alt = (img.get("alt") or "").strip()
        if not alt or re.fullmatch(r"[\w./-]+\.(png|svg|jpg|jpeg|gif)", alt) or re.fullmatch(r"[0-9a-f]{20,}", alt):
            bad.append(img.get("src", "?"))
    return bad


def remote_scripts(text: str) -> list[str]:
    """Scripts loaded from another host (the site must work from disk, offline)."""
    return [s for s in parse_html(text).scripts if re.match(r"(https?:)?//", s)]
