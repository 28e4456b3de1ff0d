"""Fast checks of the grader's pieces (no otter run): matching a submission to
its set, the tampering screen, the canaries, and reading otter's output."""
from __future__ import annotations

import io
import zipfile

import pytest

import grade
import tamper

NAMES = ["01_derivatives", "02_backprop"]


def _nb(*sources, meta=None):
    return {"cells": [{"cell_type": "code", "source": s} for s in sources],
            "metadata": {"otter": meta} if meta else {}}


def test_match_prefers_the_stored_assignment_name():
    nb = _nb(meta={"assignment_name": "02_backprop"})
    assert grade.match(nb, "01_mine.ipynb", NAMES) == "02_backprop"


def test_match_falls_back_to_the_file_name_prefix():
    assert grade.match(_nb(), "01_jane_doe.ipynb", NAMES) == "01_derivatives"
    assert grade.match(_nb(meta={"assignment_name": "hw9"}),
                       "02_x.ipynb", NAMES) == "02_backprop"


def test_match_gives_none_when_nothing_fits():
    assert grade.match(_nb(), "jane.ipynb", NAMES) is None
    assert grade.match(_nb(), "07_jane.ipynb", NAMES) is None


@pytest.mark.parametrize("code", [
    "import numpy as np\nnp.allclose = lambda *a, **k: True",
    "import numpy\nnumpy.testing.assert_allclose = print",
    "import numpy as np\nsetattr(np, 'isclose', len)",
    "from otter.test_files import exception_test",
    "import builtins\nbuiltins.abs = len",
    "import sys\nsys.modules['numpy'] = None",
    "exec('np.allclose = 1')",
    "open('tests/q1.py', 'w').write('')",
    "import math\ndel math.isclose",
])
def test_screen_flags_ways_of_tampering(code):
    assert tamper.screen(_nb(code)), code


@pytest.mark.parametrize("code", [
    "import numpy as np\nx = np.zeros(3)\nx[0] = 1.0",
    "def f(w):\n    w.grad = None\n    return w",
    "import otter\ngrader = otter.Notebook(\"01_derivatives.ipynb\")",
    'grader.check("q1_jacobian")',
    "%matplotlib inline\nimport matplotlib.pyplot as plt",
    "import matplotlib.pyplot as plt\nplt.rcParams['figure.dpi'] = 100",
    "def broken(:",
])
def test_screen_leaves_ordinary_code_alone(code):
    assert tamper.screen(_nb(code)) == [], code


def test_screen_exempts_the_unedited_colab_setup_cell_only():
    """The set-up cell of tools/colab_cell.py imports importlib, reads
    sys.modules and writes tests/: screened, every submission would be
    flagged. Exactly the cell grade.py builds for the set passes; the same
    cell with one extra import is screened like any other cell."""
    allowed = grade.colab_sources("01_derivatives")
    [cell] = allowed
    nb = _nb(cell, "import numpy as np\nx = np.zeros(3)")
    assert tamper.screen(nb), "the screen does not see the set-up cell"
    assert tamper.screen(nb, allowed=allowed) == []
    # saved as nbformat saves it, a list of lines
    as_lines = _nb(cell.splitlines(keepends=True))
    assert tamper.screen(as_lines, allowed=allowed) == []
    edited = cell.replace("import sys\n", "import sys\nimport gc\n", 1)
    assert edited != cell
    found = tamper.screen(_nb(edited), allowed=allowed)
    assert "imports gc" in found and "uses .modules" in found, found
    # another set's cell, or tampering next to the exact cell, is still seen
    assert tamper.screen(_nb(cell), allowed=grade.colab_sources(
        "02_backprop"))
    assert tamper.screen(_nb(cell, "import numpy as np\nnp.allclose = max"),
                         allowed=allowed) == ["assigns to np.allclose"]


def test_colab_sources_match_the_cell_of_tools_colab_cell():
    url, branch = grade.colab_cell.repository()
    cell = grade.colab_cell.build_cell(url, branch, "01_derivatives")
    assert grade.colab_sources("01_derivatives") == ("".join(cell["source"]),)
    assert "01_derivatives.ipynb" in grade.colab_sources("01_derivatives")[0]


def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, s in files.items():
            zf.writestr(n, s)
    return buf.getvalue()


def test_canaries_are_added_and_counted():
    src = "points = 2\n@test_case(points=1, hidden=False)\n" \
          "def t(): pass\n@test_case(points=1, hidden=True)\ndef u(): pass\n"
    z = tamper.add_canaries(_zip({"tests/q1.py": src, "otter_config.json":
                                  "{}"}))
    counts = tamper.test_case_counts(z)
    assert counts["q1"] == 2
    assert set(counts) == {"q1", *tamper.CANARIES}
    with zipfile.ZipFile(io.BytesIO(z)) as zf:
        body = zf.read(f"tests/{tamper.CANARY_INTEGRITY}.py").decode()
    assert "q1.py" in body          # its digest is checked


def test_canary_problems_reads_results():
    ok = [{"name": tamper.CANARY_FAIL, "score": 0, "max_score": 1},
          {"name": tamper.CANARY_INTEGRITY, "score": 1, "max_score": 1}]
    assert tamper.canary_problems(ok) == []
    forged = [dict(ok[0], score=1), ok[1]]
    assert tamper.canary_problems(forged) == ["a check that must fail passed"]
    assert tamper.canary_problems(ok[:1]) == ["a canary check did not report"]


def test_case_messages_parse_otter_output():
    out = ("q2 results:\n    q2 - 1 result:\n        ✅ Test case passed\n\n"
           "    q2 - 2 result:\n        ❌ Test case failed\n"
           "        Error at line 3 in test q2:\n"
           "        AssertionError: dW has shape (3, 2); expected (2, 3)\n")
    assert grade._case_messages(out, "q2") == [
        (2, "dW has shape (3, 2); expected (2, 3)")]


def test_grade_folder_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="folder"):
        grade.grade_folder(tmp_path / "missing")
    with pytest.raises(ValueError, match="timeout"):
        grade.grade_folder(tmp_path, timeout=0)
