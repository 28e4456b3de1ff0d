"""The exercise sets: masters build, solutions score full marks, blanks score
zero, typical mistakes lose their points with the intended message, and the
committed student notebooks are what `make exercises` makes."""
from __future__ import annotations

import csv
import json
import shutil

import pytest

import assign
import grade
from exercisecheck import (BUILD, STUDENT, load_mistakes, masters, plant,
                           run_question_tests, secret_lines, set_names)
from bookcheck import chapter_notebooks

pytestmark = pytest.mark.exercises


@pytest.fixture(scope="session")
def built() -> dict[str, str]:
    """otter assign on every master (raises unless solutions pass)."""
    return {m.stem: assign.assign(m) for m in masters()}


@pytest.fixture(scope="session")
def graded(built, tmp_path_factory) -> dict[str, grade.Result]:
    """One batch: each set's blank and solutions notebooks."""
    folder = tmp_path_factory.mktemp("submissions")
    for name in built:
        shutil.copy(STUDENT / f"{name}.ipynb", folder / f"{name}_blank.ipynb")
        solutions = BUILD / name / "autograder" / f"{name}.ipynb"
        shutil.copy(solutions, folder / f"{name}_solutions.ipynb")

    results = grade.grade_folder(folder, timeout=240, jobs=2)
    return {r.submission: r for r in results} | {"_folder": folder}


def test_every_chapter_ships_an_exercise_set():
    missing = [p.stem for p in chapter_notebooks()
               if p.stem not in set_names()]
    assert not missing, f"chapters without an exercise set: {missing}"


def test_committed_student_notebooks_are_regenerated_exactly(built):
    stale = [n for n, text in built.items()
             if not (STUDENT / f"{n}.ipynb").is_file()
             or (STUDENT / f"{n}.ipynb").read_text() != text]
    assert not stale, f"run `make exercises`: stale student notebooks {stale}"
    extra = sorted({p.stem for p in STUDENT.glob("*.ipynb")} - set(built))
    assert not extra, f"student notebooks without a master: {extra}"


@pytest.mark.parametrize("name", set_names())
def test_student_notebook_hides_solutions_and_hidden_tests(name):
    secrets = secret_lines(next(m for m in masters() if m.stem == name))
    assert len(secrets) >= 8, "too few solution lines found to check"
    text = (STUDENT / f"{name}.ipynb").read_text()
    leaked = [s for s in secrets if json.dumps(s)[1:-1] in text]
    assert not leaked, f"{name}: the student notebook shows {leaked[:3]}"


@pytest.mark.parametrize("name", set_names())
def test_the_hiding_check_sees_solutions_where_they_are(built, name):
    """The same match finds every solution line in otter's solutions
    notebook, so a solution left in the student notebook would be found."""
    master = next(m for m in masters() if m.stem == name)
    solution = [s for s in secret_lines(master)
                if not s.startswith("test_")]
    text = (BUILD / name / "autograder" / f"{name}.ipynb").read_text()
    assert [s for s in solution if json.dumps(s)[1:-1] in text] == solution


@pytest.mark.parametrize("name", set_names())
def test_sets_have_four_graded_questions_each_with_hidden_tests(name):
    ex = grade.load_exercise(name)
    assert len(ex.points) >= 4, f"{name} has {len(ex.points)} questions"
    for q, hidden in ex.hidden_cases.items():
        assert any(hidden) and not all(hidden), (
            f"{name}/{q} needs public and hidden test cases; got {hidden}")


@pytest.mark.parametrize("name", set_names())
def test_solutions_score_full_marks(graded, name):
    r = graded[f"{name}_solutions.ipynb"]
    assert (r.status, r.score) == ("graded", r.possible), r.feedback


@pytest.mark.parametrize("name", set_names())
def test_untouched_student_notebook_scores_zero_everywhere(graded, name):
    r = graded[f"{name}_blank.ipynb"]
    assert r.status == "graded" and r.possible > 0
    scored = [q.question for q in r.questions if q.score != 0]
    assert not scored, f"a blank {name} earns points on {scored}"
    assert "TypeError" not in r.feedback, (
        f"a blank should get readable feedback, not {r.feedback}")


@pytest.mark.parametrize("name", set_names())
def test_each_planted_mistake_loses_points_with_its_message(built, name):
    """Each typical mistake, planted alone into the solutions (so a wrong q1
    cannot mask q3's own message), fails a test of its question with the
    intended message. The tests run in this process on trusted code; the
    grader itself is exercised by the blank, solutions and hostile batches."""
    mistakes = load_mistakes(name)
    assert {m[0] for m in mistakes} == set(grade.load_exercise(name).points), (
        "every question needs a planted mistake in tests/mistakes/")
    solutions = json.loads(
        (BUILD / name / "autograder" / f"{name}.ipynb").read_text())
    autograder = grade.load_exercise(name).autograder
    for question, old, new, message in mistakes:
        assert all(ok for ok, _ in run_question_tests(
            solutions, autograder, question)), f"{question}: solution fails"
        planted = plant(json.loads(json.dumps(solutions)), old, new)
        outcomes = run_question_tests(planted, autograder, question)
        failures = [msg for ok, msg in outcomes if not ok]
        assert failures, f"{question}: the mistake passes every test"
        assert any(message in m for m in failures), (
            f"{question}: no failure says {message!r}: {failures}")


def test_grade_csvs_have_a_row_per_submission(graded):
    folder = graded["_folder"]
    with open(folder / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["submission"] for r in rows] == sorted(
        p.name for p in folder.glob("*.ipynb"))
    assert set(rows[0]) == {"submission", "exercise", "score", "possible",
                            "status", "feedback"}
    with open(folder / "grades_by_question.csv") as f:
        per_q = list(csv.DictReader(f))
    for r in rows:
        mine = [q for q in per_q if q["submission"] == r["submission"]]
        assert abs(sum(float(q["score"]) for q in mine)
                   - float(r["score"])) < 1e-9
