"""`make grade` on a batch of hostile submissions next to a correct one.

Each hostile notebook is the untouched student notebook of the first set with
one cell added right after otter's init cell (which follows the Colab set-up
cell, where there is one, and the title); the correct one is otter's
solutions notebook. Every notebook must get a row with the right status and no
undeserved points, and the correct one must still score full marks.
"""
from __future__ import annotations

import json
import time

import pytest

import grade
import tamper
from exercisecheck import BUILD, STUDENT, set_names

pytestmark = pytest.mark.exercises
# A correct submission takes about 10 s alone; 60 s leaves room for a busy
# machine (at 40 s a loaded 2-core runner timed correct notebooks out).
TIMEOUT = 60

OTTER_PATCH = """\
from otter.test_files import abstract_test, exception_test

def _all_pass(self, env):
    self.test_case_results = [
        abstract_test.TestCaseResult(test_case=tc, message="ok", passed=True)
        for tc in self.test_cases]

exception_test.ExceptionTestFile.run = _all_pass
"""

HOSTILE = {
    "loops_forever": "while True:\n    pass",
    "raises": 'raise RuntimeError("top-level error in a submission")',
    "kills_kernel": "import os\nos._exit(3)",
    "deletes_files": """\
import glob, os, shutil
for level in ("", "../", "../../", "../../../", "../../../../"):
    for p in glob.glob(level + "*"):
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p, ignore_errors=True)
        else:
            try:
                os.remove(p)
            except OSError:
                pass
    with open(level + "overwritten.txt", "w") as f:
        f.write("x")""",
    "prints_40MB": 'import sys\nfor _ in range(40):\n    print("x" * 10**6)',
    "rebinds_numpy": """\
import numpy as np
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: np.True_
np.testing.assert_allclose = lambda *a, **k: None""",
    "patches_otter": OTTER_PATCH,
}

EXPECTED_STATUS = {
    "loops_forever": {"timeout"},
    "raises": {"graded"},
    "kills_kernel": {"error: the notebook's kernel died (os._exit, a crash "
                     "or out of memory)"},
    "prints_40MB": {"graded"},
    "rebinds_numpy": {"error: tampering detected"},
    "patches_otter": {"error: tampering detected"},
}


def _after_otter_init(nb: dict) -> int:
    """The index just after otter's init cell (``grader = otter.Notebook(...)``),
    wherever the Colab set-up cell and the title put it."""
    for i, cell in enumerate(nb["cells"]):
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        if cell["cell_type"] == "code" and "otter.Notebook(" in src:
            return i + 1
    raise AssertionError("the student notebook has no otter init cell")


def _with_cell(source: str) -> dict:
    name = set_names()[0]
    nb = json.loads((STUDENT / f"{name}.ipynb").read_text())
    nb["cells"].insert(_after_otter_init(nb), {
        "cell_type": "code", "execution_count": None, "id": "hostile",
        "metadata": {}, "outputs": [], "source": source})
    return nb


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    name = set_names()[0]
    if not (BUILD / name / "autograder").is_dir():
        pytest.fail("run the exercise tests (or make exercises) first")
    folder = tmp_path_factory.mktemp("hostile")
    for label, src in HOSTILE.items():
        (folder / f"{name}_{label}.ipynb").write_text(
            json.dumps(_with_cell(src)))
    solutions = BUILD / name / "autograder" / f"{name}.ipynb"
    (folder / f"{name}_correct.ipynb").write_bytes(solutions.read_bytes())
    (folder / "notes.ipynb").write_text("this is not { a notebook")
    (folder / "essay.ipynb").write_text(json.dumps(
        {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    before = sorted(p.name for p in folder.iterdir())
    start = time.monotonic()
    results = grade.grade_folder(folder, timeout=TIMEOUT, jobs=2)
    elapsed = time.monotonic() - start
    return folder, before, {r.submission: r for r in results}, elapsed


def test_correct_submission_keeps_full_marks_in_a_hostile_batch(batch):
    _, _, results, _ = batch
    r = results[f"{set_names()[0]}_correct.ipynb"]
    assert (r.status, r.score) == ("graded", r.possible), r.feedback


@pytest.mark.parametrize("label", sorted(EXPECTED_STATUS))
def test_hostile_submission_gets_its_status_and_no_points(batch, label):
    _, _, results, _ = batch
    r = results[f"{set_names()[0]}_{label}.ipynb"]
    assert r.status in EXPECTED_STATUS[label], (r.status, r.feedback)
    assert r.score == 0, f"{label} earned {r.score}"


def test_file_deleting_submission_harms_only_its_own_scratch(batch):
    folder, before, results, _ = batch
    r = results[f"{set_names()[0]}_deletes_files.ipynb"]
    assert r.score == 0 and r.status != "timeout"
    after = sorted(p.name for p in folder.iterdir())
    assert set(before) <= set(after), "a submission deleted its neighbours"
    assert set(after) - set(before) == {"grades.csv",
                                        "grades_by_question.csv"}


def test_unreadable_and_unmatched_files_get_rows(batch):
    _, _, results, _ = batch
    assert results["notes.ipynb"].status == "unreadable"
    assert results["essay.ipynb"].status == "unmatched"


def test_batch_time_is_bounded_by_the_limit(batch):
    *_, elapsed = batch
    # one notebook runs into the limit; the others take seconds each
    assert elapsed < TIMEOUT + 30 * (len(HOSTILE) + 1)


def test_grades_csv_stays_small_after_a_40MB_print(batch):
    folder, *_ = batch
    assert (folder / "grades.csv").stat().st_size < 20_000


def test_tampering_is_caught_at_run_time_without_the_source_screen(
        batch, monkeypatch, tmp_path):
    """Disable the screen: the canaries alone catch the patched otter; disable
    both and the same notebook earns points it did not answer for, which is
    what the checks exist to prevent."""
    name = set_names()[0]
    (tmp_path / f"{name}_patches_otter.ipynb").write_text(
        json.dumps(_with_cell(OTTER_PATCH)))
    monkeypatch.setattr(tamper, "screen", lambda nb, allowed=(): [])
    [r] = grade.grade_folder(tmp_path, timeout=TIMEOUT)
    assert r.status == "error: tampering detected" and r.score == 0
    assert "must fail" in r.feedback
    monkeypatch.setattr(tamper, "canary_problems", lambda tests: [])
    monkeypatch.setattr(grade, "_scored", _scored_without_case_count)
    [r] = grade.grade_folder(tmp_path, timeout=TIMEOUT)
    assert r.status == "graded" and r.score == r.possible


def _scored_without_case_count(ex, results):
    by_name = {t.get("name"): t for t in results.get("tests", [])}
    return [grade.Question(q, float(by_name[q]["score"]), p, "")
            for q, p in ex.points.items()], []
