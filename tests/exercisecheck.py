"""Helpers for the tests of the exercise sets and their grader."""
from __future__ import annotations

import importlib.util
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
SOURCE, STUDENT, BUILD = (EXERCISES / "source", EXERCISES / "student",
                          EXERCISES / "build")
MISTAKES = ROOT / "tests" / "mistakes"


def masters() -> list[pathlib.Path]:
    return sorted(SOURCE.glob("[0-9][0-9]_*.ipynb"))


def set_names() -> list[str]:
    return [m.stem for m in masters()]


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def code_sources(nb: dict) -> list[str]:
    return [_source(c) for c in nb["cells"] if c["cell_type"] == "code"]


def secret_lines(master: pathlib.Path) -> list[str]:
    """Lines of a master that students must never see.

    Solution lines (between ``# BEGIN SOLUTION`` and ``# END SOLUTION``
    comments, or ending in ``# SOLUTION``) and the names of hidden test
    functions, less anything the master also shows in public (its prompts,
    public tests and given code) and lines too short to be telling.
    """
    nb = json.loads(master.read_text())
    secret, public = [], []
    for cell in nb["cells"]:
        src = _source(cell)
        if cell["cell_type"] != "code":
            public.append(src)
            continue
        hidden_test = bool(re.match(r'\s*"""\s*# BEGIN TEST CONFIG', src)
                           and re.search(r"^hidden:\s*true", src, re.M | re.I))
        if hidden_test:
            secret += re.findall(r"^def (test_\w+)", src, re.M)
            continue
        inside = False
        for line in src.splitlines():
            s = line.strip()
            if s.startswith("# BEGIN SOLUTION"):
                inside = True
            elif s.startswith("# END SOLUTION"):
                inside = False
            elif inside or s.endswith("# SOLUTION"):
                s = s.removesuffix("# SOLUTION").strip()
                if len(s) >= 12 and not s.startswith(("#", "return ...")):
                    secret.append(s)
            else:
                public.append(line)
    shown = "\n".join(public)
    return [s for s in dict.fromkeys(secret) if s not in shown]


def load_mistakes(name: str) -> list[tuple[str, str, str, str]]:
    path = MISTAKES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"mistakes_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.MISTAKES)


def plant(nb: dict, old: str, new: str) -> dict:
    """Replace ``old`` (which must occur exactly once in code) by ``new``."""
    hits = [c for c in nb["cells"]
            if c["cell_type"] == "code" and old in _source(c)]
    count = sum(_source(c).count(old) for c in hits)
    if count != 1:
        raise AssertionError(
            f"the planted mistake's text {old!r} occurs {count} times in the "
            "solutions notebook; it must occur exactly once")
    cell = hits[0]
    cell["source"] = _source(cell).replace(old, new)
    return nb


def run_question_tests(nb: dict, autograder: pathlib.Path,
                       question: str) -> list[tuple[bool, str]]:
    """(passed, message) for each test case of ``question``, hidden ones
    included, run in this process against the code cells of ``nb``.

    For checking the tests themselves on known (trusted) code, such as the
    solutions with a planted mistake; students are graded by `make grade`.
    """
    import zipfile

    from otter.test_files import test_case

    env: dict = {"__name__": "__main__"}
    for src in code_sources(nb):
        lines = [ln for ln in src.splitlines()
                 if not ln.lstrip().startswith(("%", "!", "grader"))
                 and ln.strip() != "import otter"]
        exec(compile("\n".join(lines), "<cell>", "exec"), env)
    with zipfile.ZipFile(autograder) as zf:
        tests_src = zf.read(f"tests/{question}.py").decode()
    tests_env: dict = {}
    exec(compile(tests_src, f"{question}.py", "exec"), tests_env)
    outcomes = []
    for case in (v for v in tests_env.values() if isinstance(v, test_case)):
        try:
            case.call_func(env)
            outcomes.append((True, ""))
        except Exception as e:          # noqa: BLE001 - any failure counts
            outcomes.append((False, f"{type(e).__name__}: {e}"))
    return outcomes
