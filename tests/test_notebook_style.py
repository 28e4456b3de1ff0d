"""House style of the notebooks and of the book's text (fast: nothing runs).

* Code lines fit PEP 8's 79 columns (the site's code column holds about 78).
* The five sources are named as readers know them (intro.md, "The five
  sources"), never by their file numbers 000-004.
* A cell that only displays a live ipywidget is tagged ``remove-cell``: the
  site has no kernel, so it would show nothing; the static companion stands in.
"""
from __future__ import annotations

import ast
import io
import json
import pathlib
import re
import tokenize

from bookcheck import ROOT, is_colab_setup, toc_files

MAX_COLUMNS = 79

NOTEBOOK_DIRS = [ROOT / "chapters", ROOT / "exercises" / "student"]
PACKAGE = ROOT / "code" / "nntrain"

# 000-004 not part of a longer number (0.001, 1000, 20_000, "19 000"); in an
# identifier (Adam001, rprop_002_direction) it still names a source.
FILE_NUMBER = re.compile(r"(?<![\d.])(?<!\d[ _,\u2009\u202f])00[0-4](?!\d|[.,]\d)")
HINT = ("name the source as intro.md does (the CMU 11-685 notes, the "
        "CS231n-style notes, the Aalto slides, the MIT 6.036-style appendix, "
        "the ASU STP598 slides; CMU/CS231n/Aalto/MIT/ASU in legends)")

# A call that builds a live widget: foo_widget(...) or widgets.Something(...).
WIDGET_CALL = re.compile(r"\b\w*_widget\s*\(|\bwidgets\.[A-Z]\w*\s*\(")


def notebooks() -> list[pathlib.Path]:
    return sorted(p for d in NOTEBOOK_DIRS for p in d.glob("*.ipynb"))


def book_pages() -> list[pathlib.Path]:
    """The Markdown pages of the book: the root page and those in _toc.yml."""
    root = re.findall(r"^root:\s*(\S+)", (ROOT / "_toc.yml").read_text(), re.M)
    return [ROOT / f"{f}.md" for f in root + toc_files() if (ROOT / f"{f}.md").exists()]


def _name(path: pathlib.Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


# -- the three checks, each returning readable problems --------------------------
def long_code_lines(nb_path: pathlib.Path) -> list[str]:
    nb = json.loads(nb_path.read_text())
    return [f"{_name(nb_path)}, cell {i}, line {n}: {len(line)} > {MAX_COLUMNS} "
            f"characters: {line.strip()[:60]}"
            for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "code"
            for n, line in enumerate(_source(cell).splitlines(), 1)
            if len(line) > MAX_COLUMNS]


def _file_numbers(text: str, where: str) -> list[str]:
    return [f"{where}, line {n}: {line.strip()[:70]!r} refers to a source by "
            f"its file number; {HINT}"
            for n, line in enumerate(text.splitlines(), 1) if FILE_NUMBER.search(line)]


# String pieces: STRING, and on Python >= 3.12 the text inside f-strings.
TEXT_TOKENS = {tokenize.COMMENT, tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)}


def _code_text(src: str) -> list[tuple[int, str]]:
    """(line, text) of every comment and string literal in Python source."""
    try:
        return [(tok.start[0], tok.string)
                for tok in tokenize.generate_tokens(io.StringIO(src).readline)
                if tok.type in TEXT_TOKENS]
    except (tokenize.TokenError, SyntaxError):   # IPython magics: fall back to lines
        return list(enumerate(src.splitlines(), 1))


def notebook_file_numbers(nb_path: pathlib.Path) -> list[str]:
    """File numbers in markdown, in code comments and strings, and in alt texts."""
    nb = json.loads(nb_path.read_text())
    problems = []
    for i, cell in enumerate(nb["cells"]):
        where = f"{_name(nb_path)}, {cell['cell_type']} cell {i}"
        if cell["cell_type"] == "markdown":
            problems += _file_numbers(_source(cell), where)
        elif cell["cell_type"] == "code":
            for n, text in _code_text(_source(cell)):
                problems += _file_numbers(text, f"{where}, line {n}")
            alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt", "")
            problems += _file_numbers(alt, f"{where}, alt text")
    return problems


def python_text_file_numbers(py_path: pathlib.Path) -> list[str]:
    """File numbers in the comments and string literals (docstrings) of a module."""
    return [p for n, text in _code_text(py_path.read_text())
            for p in _file_numbers(text, f"{_name(py_path)}:{n}")]


def bib_note_file_numbers(bib_path: pathlib.Path) -> list[str]:
    notes = re.findall(r"^\s*note\s*=\s*\{(.*)\}", bib_path.read_text(), re.M)
    return [p for note in notes for p in _file_numbers(note, f"{bib_path.name} note")]


def is_widget_display(src: str) -> bool:
    """Does the cell only build a live widget and display it (last line a bare name or call)?"""
    if not WIDGET_CALL.search(src):
        return False
    try:
        body = ast.parse(src).body
    except SyntaxError:
        return False
    if not body or not isinstance(body[-1], ast.Expr):
        return False
    last = body[-1].value
    if isinstance(last, ast.Name):             # box = x_widget(); box
        return True
    if isinstance(last, ast.Call):              # display(box) or x_widget()
        fn = last.func
        name = fn.id if isinstance(fn, ast.Name) else getattr(fn, "attr", "")
        return name == "display" or WIDGET_CALL.search(ast.unparse(last)) is not None
    return False


def untagged_widget_cells(nb_path: pathlib.Path) -> list[str]:
    nb = json.loads(nb_path.read_text())
    return [f"{_name(nb_path)}, cell {i}: displays a live widget but is not tagged "
            f"'remove-cell' (the site has no kernel; the companion stands in)"
            for i, cell in enumerate(nb["cells"])
            if cell["cell_type"] == "code" and is_widget_display(_source(cell))
            and "remove-cell" not in cell.get("metadata", {}).get("tags", [])]


# -- the checks on the book --------------------------------------------------------
def test_there_is_something_to_check():
    assert len(notebooks()) >= 8 and list(PACKAGE.rglob("*.py"))
    assert ROOT / "intro.md" in book_pages()


def test_code_lines_fit_79_columns():
    problems = [p for nb in notebooks() for p in long_code_lines(nb)]
    assert problems == [], "wrap these lines (PEP 8, 79 columns):\n" + "\n".join(problems)


def test_sources_are_named_not_numbered():
    problems = [p for nb in notebooks() for p in notebook_file_numbers(nb)]
    problems += [p for page in book_pages() for p in _file_numbers(page.read_text(), _name(page))]
    problems += [p for py in sorted(PACKAGE.rglob("*.py")) for p in python_text_file_numbers(py)]
    problems += bib_note_file_numbers(ROOT / "references.bib")
    assert problems == [], "\n".join(problems)


def test_widget_only_cells_are_removed_from_the_site():
    problems = [p for nb in notebooks() for p in untagged_widget_cells(nb)]
    assert problems == [], "\n".join(problems)


# -- each check can fail ----------------------------------------------------------
def _planted_copy(tmp_path: pathlib.Path, edit) -> pathlib.Path:
    nb_path = ROOT / "chapters" / "01_derivatives.ipynb"
    nb = json.loads(nb_path.read_text())
    edit(nb["cells"])
    out = tmp_path / nb_path.name
    out.write_text(json.dumps(nb))
    return out


def test_planted_long_line_is_caught(tmp_path):
    def plant(cells):
        code = next(c for c in cells
                    if c["cell_type"] == "code" and not is_colab_setup(c))
        code["source"] = _source(code) + "\nx = " + "1 + " * 30 + "1"
    problems = long_code_lines(_planted_copy(tmp_path, plant))
    assert len(problems) == 1 and "01_derivatives.ipynb, cell" in problems[0]


def test_planted_file_number_is_caught(tmp_path):
    def plant(cells):
        md = next(c for c in cells if c["cell_type"] == "markdown")
        md["source"] = _source(md) + "\nAs in the linear decay of 004 (000 §4)."
        code = next(c for c in cells
                    if c["cell_type"] == "code" and not is_colab_setup(c))
        code["source"] = _source(code) + '\nprint("Rprop (000)")  # 0.001 is fine'
    problems = notebook_file_numbers(_planted_copy(tmp_path, plant))
    assert len(problems) == 2 and all("file number" in p for p in problems)
    assert sorted(p.split(",")[1].split()[0] for p in problems) == [
        "code", "markdown"]
    py = tmp_path / "m.py"
    py.write_text('"""Adam as the notes 001 write it."""\nx = 0.001  # see 003\nAdam001 = 1000\n')
    assert len(python_text_file_numbers(py)) == 2
    bib = tmp_path / "r.bib"
    bib.write_text("@misc{a,\n  note = {Lecture notes, course notes file 002}\n}\n")
    assert len(bib_note_file_numbers(bib)) == 1


def test_numbers_that_are_not_file_numbers_pass():
    for text in ["lr = 0.001", "1000 steps", "max_iter=20_000", "about 19 000",
                 "errata.AdamCS231n", "0.0040"]:
        assert _file_numbers(text, "t") == [], text
    for text in ["004's linear decay", "(000 §4)", "lecture 002", "file 003.",
                 "errata.Adam001", "rprop_002_direction(g)"]:
        assert _file_numbers(text, "t") != [], text


def test_planted_untagged_widget_cell_is_caught(tmp_path):
    widget = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
              "source": "box = batch_widget.batch_widget()\nbox"}

    def plant(cells):
        cells.append(widget)
    problems = untagged_widget_cells(_planted_copy(tmp_path, plant))
    assert len(problems) == 1 and "remove-cell" in problems[0]
    widget["metadata"] = {"tags": ["remove-cell"]}
    assert untagged_widget_cells(_planted_copy(tmp_path, lambda cells: cells.append(widget))) == []
    # a cell that computes with a widget's module but displays a companion is not flagged
    assert not is_widget_display("c = batch_widget.batch_companion()\nc")
    assert is_widget_display("import ipywidgets as widgets\nw = widgets.IntSlider()\ndisplay(w)")
