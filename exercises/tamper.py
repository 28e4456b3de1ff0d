"""How `make grade` notices a submission that games the checks.

otter runs the hidden tests in the submission's own Python process, after its
cells, so a submission can in principle rebind what the tests call
(``np.allclose = lambda *a, **k: True``), patch otter's test runner, or
overwrite the test files beside it. Nothing inside that process is
tamper-proof; three independent checks make tampering visible instead:

1. a screen of the submission's code (``screen``) for the ways such code is
   written: assigning to an attribute of an imported module, ``setattr`` on
   one, ``exec``/``eval``/``compile``/``__import__``, reaching into
   ``sys.modules``, ``builtins`` or ``gc``, and touching otter or the test
   files (the course's own Colab set-up cell, unedited, is exempt);
2. canary tests added to every submission's copy of the autograder
   (``add_canaries``): one that must fail (an always-pass test runner makes it
   pass), and one that must pass only if numpy's and the standard library's
   comparison functions still compare and the test files are unchanged;
3. a count of test cases per question in otter's report against the
   autograder's files (an overwritten test file rarely has as many).

A submission caught by any of them gets status ``error: tampering detected``
and no points.
"""
from __future__ import annotations

import ast
import hashlib
import io
import json
import re
import threading
import zipfile
from collections.abc import Iterable

CANARY_FAIL = "zz_canary_must_fail"
CANARY_INTEGRITY = "zz_canary_integrity"
CANARIES = (CANARY_FAIL, CANARY_INTEGRITY)

_FAIL_TEST = '''\
from otter.test_files import test_case

OK_FORMAT = False

name = "{name}"
points = 1


@test_case(points=1, hidden=True)
def test_canary_must_fail():
    assert 1 == 2, "this canary must fail"
'''

_INTEGRITY_TEST = '''\
from otter.test_files import test_case

OK_FORMAT = False

name = "{name}"
points = 1
DIGESTS = {digests!r}


@test_case(points=1, hidden=True)
def test_canary_integrity():
    import hashlib, math, os
    import numpy as np
    import numpy.testing as npt
    from otter import Notebook

    assert not np.allclose(0.0, 1.0) and not np.isclose(0.0, 1.0).any()
    assert not np.array_equal([0.0], [1.0]) and not math.isclose(0.0, 1.0)
    assert not np.all(np.array([1.0]) == np.array([2.0]))
    for check in (npt.assert_allclose, npt.assert_array_equal,
                  npt.assert_array_almost_equal):
        try:
            check(np.zeros(2), np.ones(2))
        except AssertionError:
            pass
        else:
            raise RuntimeError("a numpy.testing check passes wrong values")
    folder = Notebook._tests_dir_override or "tests"
    for file, digest in DIGESTS.items():
        with open(os.path.join(folder, file), "rb") as f:
            got = hashlib.sha256(f.read()).hexdigest()
        assert got == digest, "a test file was changed"
'''


def _question_files(zf: zipfile.ZipFile) -> dict[str, str]:
    """{file name: source} of the autograder's test files."""
    return {
        n.split("/", 1)[1]: zf.read(n).decode()
        for n in zf.namelist()
        if n.startswith("tests/") and n.endswith(".py")
    }


def test_case_counts(autograder: bytes) -> dict[str, int]:
    """Number of test cases per question in an autograder zip."""
    with zipfile.ZipFile(io.BytesIO(autograder)) as zf:
        files = _question_files(zf)
    return {
        f[:-3]: len(re.findall(r"^@test_case", src, re.M))
        for f, src in files.items()
    }


def add_canaries(autograder: bytes) -> bytes:
    """A copy of an autograder zip with the two canary tests added."""
    src = io.BytesIO(autograder)
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        digests = {
            f: hashlib.sha256(s.encode()).hexdigest()
            for f, s in _question_files(zin).items()
        }
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr(f"tests/{CANARY_FAIL}.py",
                      _FAIL_TEST.format(name=CANARY_FAIL))
        zout.writestr(
            f"tests/{CANARY_INTEGRITY}.py",
            _INTEGRITY_TEST.format(name=CANARY_INTEGRITY, digests=digests))
    return out.getvalue()


def canary_problems(tests: list[dict]) -> list[str]:
    """What the canaries in otter's results.json ``tests`` list report."""
    by_name = {t.get("name"): t for t in tests}
    problems = []
    fail, integrity = by_name.get(CANARY_FAIL), by_name.get(CANARY_INTEGRITY)
    if fail is None or integrity is None:
        problems.append("a canary check did not report")
    else:
        if fail.get("score") != 0:
            problems.append("a check that must fail passed")
        if integrity.get("score") != integrity.get("max_score"):
            problems.append("comparison functions or test files were altered")
    return problems


# --- the source screen ------------------------------------------------------

_FORBIDDEN_CALLS = {"exec", "eval", "compile", "__import__", "setattr",
                    "delattr", "globals", "vars"}
_FORBIDDEN_NAMES = {"__builtins__", "builtins", "gc", "ctypes", "importlib",
                    "otter"}
_FORBIDDEN_ATTRS = {"modules", "__dict__", "__code__", "__globals__",
                    "__class__", "__subclasses__", "_tests_dir_override"}
_ALLOWED_OTTER = re.compile(
    r"^\s*(import otter|grader = otter\.Notebook\(.*\)|grader\.check\(.*\))"
    r"\s*$")


def _imported_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name for a in node.names}
    return names


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


# CPython 3.11's ast.parse keeps its recursion depth in shared state, so two
# threads parsing at once (grade.py grades with a thread pool) can fail with
# "SystemError: AST constructor recursion depth mismatch" (CPython gh-106905).
_AST_LOCK = threading.Lock()


def _parse(code: str) -> ast.AST:
    with _AST_LOCK:
        return ast.parse(code)


def _screen_code(code: str) -> list[str]:
    code = "\n".join(
        "" if ln.lstrip().startswith(("%", "!")) or _ALLOWED_OTTER.match(ln)
        else ln for ln in code.splitlines())
    try:
        tree = _parse(code)
    except SyntaxError:
        return []          # it will fail to run; nothing to game
    modules = _imported_names(tree)
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [
                node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for t in targets:
            # np.allclose = ... rebinds a module's function; an item such as
            # plt.rcParams["figure.dpi"] = 100 is ordinary settings code
            if isinstance(t, ast.Attribute) and _root(t) in modules or (
                    _root(t) in _FORBIDDEN_NAMES):
                found.append(f"assigns to {ast.unparse(t)}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in _FORBIDDEN_CALLS:
                found.append(f"calls {node.func.id}()")
        if isinstance(node, ast.Name) and node.id in _FORBIDDEN_NAMES:
            found.append(f"uses {node.id}")
        if isinstance(node, ast.alias) and node.name.split(".")[0] in (
                _FORBIDDEN_NAMES):
            found.append(f"imports {node.name}")
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(
                ".")[0] in _FORBIDDEN_NAMES:
            found.append(f"imports from {node.module}")
        if isinstance(node, ast.Attribute) and node.attr in _FORBIDDEN_ATTRS:
            found.append(f"uses .{node.attr}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and re.search(r"(^|/)tests(/|$)|\.otter|otter_", node.value):
            found.append(f"names {node.value!r}")
    return found


def screen(nb: dict, allowed: Iterable[str] = ()) -> list[str]:
    """Tampering patterns in a notebook's code cells, as short phrases.

    A code cell whose source is exactly one of ``allowed`` is not screened:
    the Colab set-up cell (``tools/colab_cell.py``) imports importlib, reads
    ``sys.modules`` and writes ``tests/``, and ``grade.py`` passes the set-up
    cell sources of the submission's set. A cell that differs from them in
    any character (an edited set-up cell) is screened like any other.
    """
    allowed = set(allowed)
    found = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        if src in allowed:
            continue
        found += _screen_code(src)
    return sorted(set(found))

