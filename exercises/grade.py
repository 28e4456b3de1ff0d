"""`make grade SUBMISSIONS=<folder>`: grade every notebook in a folder.

    python exercises/grade.py FOLDER [--timeout SECONDS]

Each ``*.ipynb`` in FOLDER is matched to an exercise set (by the assignment
name otter stores in the notebook, else by its ``NN_`` file-name prefix),
graded by ``otter run`` against that set's autograder in a fenced-in process
of its own (``sandbox.py``), and checked for tampering (``tamper.py``; the
unedited Colab set-up cell of ``tools/colab_cell.py`` is exempt from its
screen). Two files are written into FOLDER:

* ``grades.csv``: submission, exercise, score, possible, status, feedback;
* ``grades_by_question.csv``: submission, exercise, question, score,
  possible.

``status`` is ``graded``, ``timeout``, ``unreadable``, ``unmatched`` or
``error: <reason>``. Every notebook gets a row; none is skipped.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import csv
import dataclasses
import functools
import importlib.util
import json
import pathlib
import re
import sys
import tempfile
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sandbox  # noqa: E402
import tamper  # noqa: E402

# tools/colab_cell.py builds the Colab set-up cell that every student notebook
# starts with; the grader rebuilds it to exempt it, unedited, from the
# tampering screen. tools/ is not a package and is not put on sys.path (that
# could shadow other modules): the file is loaded by path, as
# tests/test_colab.py loads it.
_spec = importlib.util.spec_from_file_location(
    "colab_cell", HERE.parent / "tools" / "colab_cell.py")
colab_cell = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(colab_cell)

BUILD = HERE / "build"
FILE_CAP = 256 * 2**20      # bytes any one file written while grading may reach
FEEDBACK_CHARS = 600


@dataclasses.dataclass
class Question:
    question: str
    score: float
    possible: float
    output: str = ""


@dataclasses.dataclass
class Result:
    submission: str
    exercise: str
    score: float
    possible: float
    status: str
    feedback: str = ""
    questions: list[Question] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Exercise:
    name: str
    autograder: pathlib.Path
    points: dict[str, float]          # question -> points
    hidden_cases: dict[str, list[bool]]   # question -> hidden flag per case

    @property
    def possible(self) -> float:
        return sum(self.points.values())


def load_exercise(name: str, build: pathlib.Path = BUILD) -> Exercise:
    zips = sorted((build / name / "autograder").glob(
        f"{name}-autograder_*.zip"))
    if not zips:
        raise FileNotFoundError(
            f"no autograder for {name} in {build / name / 'autograder'}: "
            "run `make exercises`")
    points, hidden = {}, {}
    with zipfile.ZipFile(zips[-1]) as zf:
        for n in sorted(zf.namelist()):
            if n.startswith("tests/") and n.endswith(".py"):
                src = zf.read(n).decode()
                q = n[len("tests/"):-3]
                points[q] = float(re.search(r"^points = (\S+)$", src,
                                            re.M).group(1))
                hidden[q] = [h == "True" for h in re.findall(
                    r"^@test_case\(.*?hidden=(True|False)", src, re.M)]
    return Exercise(name, zips[-1], points, hidden)


def exercise_names(build: pathlib.Path = BUILD) -> list[str]:
    return sorted(p.name for p in build.iterdir()
                  if (p / "autograder").is_dir()) if build.is_dir() else []


def match(nb: dict, filename: str, names: list[str]) -> str | None:
    """The exercise a submission belongs to, or None."""
    meta = nb.get("metadata", {}).get("otter", {})
    stored = meta.get("assignment_name") if isinstance(meta, dict) else None
    if stored in names:
        return stored
    prefix = re.match(r"(\d\d)_", filename)
    if prefix:
        hits = [n for n in names if n.startswith(prefix.group(0))]
        if len(hits) == 1:
            return hits[0]
    return None


@functools.lru_cache(maxsize=None)
def colab_sources(exercise: str) -> tuple[str, ...]:
    """The Colab set-up cell sources a submission of ``exercise`` may hold
    unscreened: the one ``tools/colab_cell.py`` builds from ``_config.yml``
    (repository url and branch) and the otter pin of ``requirements.txt``."""
    url, branch = colab_cell.repository()
    return (colab_cell.cell_source(url, branch, exercise),)


def _case_messages(output: str, question: str) -> list[tuple[int, str]]:
    """(case number, last line of the message) for each failed case."""
    found = []
    parts = re.split(rf"^\s*{re.escape(question)} - (\d+) result:\s*$",
                     output, flags=re.M)
    for number, body in zip(parts[1::2], parts[2::2]):
        if "Test case failed" in body:
            lines = [ln.strip() for ln in body.strip().splitlines()
                     if ln.strip()]
            last = lines[-1] if lines else "failed"
            found.append((int(number), last.removeprefix("AssertionError: ")))
    return found


def _feedback(ex: Exercise, questions: list[Question]) -> str:
    notes = []
    for q in questions:
        if q.score >= q.possible:
            continue
        hidden = ex.hidden_cases.get(q.question, [])
        public = [msg for n, msg in _case_messages(q.output, q.question)
                  if n - 1 < len(hidden) and not hidden[n - 1]]
        notes.append(f"{q.question}: {public[0] if public else 'hidden checks failed'}")
    text = " | ".join(notes) if notes else "all checks passed"
    return text if len(text) <= FEEDBACK_CHARS else \
        text[:FEEDBACK_CHARS - 1] + "…"


def _scored(ex: Exercise, results: dict) -> tuple[list[Question], list[str]]:
    """Per-question scores from results.json, and any tampering it shows."""
    tests = results.get("tests", [])
    problems = tamper.canary_problems(tests)
    by_name = {t.get("name"): t for t in tests}
    questions = []
    for q, pts in ex.points.items():
        t = by_name.get(q)
        if t is None:
            questions.append(Question(q, 0.0, pts, "no result"))
            continue
        output = t.get("output", "") or ""
        ran = len(re.findall(rf"^\s*{re.escape(q)} - \d+ result:", output,
                             re.M))
        if ran and ran != len(ex.hidden_cases.get(q, [])):
            problems.append(f"{q} ran {ran} test cases")
        score = float(t.get("score") or 0.0)
        questions.append(Question(q, min(score, pts), pts, output))
    return questions, problems


def grade_one(path: pathlib.Path, exercises: dict[str, Exercise],
              timeout: float) -> Result:
    name = path.name
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise ValueError("not a notebook")
    except (OSError, ValueError, UnicodeDecodeError):
        return Result(name, "", 0.0, 0.0, "unreadable",
                      "not a readable Jupyter notebook")
    exercise = match(nb, name, sorted(exercises))
    if exercise is None:
        return Result(name, "", 0.0, 0.0, "unmatched",
                      "no exercise set has this assignment name or prefix")
    ex = exercises[exercise]
    screened = tamper.screen(nb, allowed=colab_sources(exercise))
    nb.setdefault("metadata", {}).setdefault("otter", {})
    nb["metadata"]["otter"]["assignment_name"] = exercise
    with tempfile.TemporaryDirectory(prefix="grade-",
                                     ignore_cleanup_errors=True) as tmp:
        scratch = pathlib.Path(tmp)
        work = scratch / "submission"
        work.mkdir()
        (work / f"{exercise}.ipynb").write_text(json.dumps(nb))
        zip_path = scratch / "autograder.zip"
        zip_path.write_bytes(tamper.add_canaries(ex.autograder.read_bytes()))
        outcome = sandbox.run_otter(work / f"{exercise}.ipynb", zip_path,
                                    scratch, timeout, FILE_CAP)
    if outcome.timed_out:
        return Result(name, exercise, 0.0, ex.possible, "timeout",
                      f"stopped after {timeout:g} s: does a cell never end?")
    if outcome.results is None:
        died = "DeadKernelError" in outcome.log_tail or \
            "Kernel died" in outcome.log_tail
        reason = ("the notebook's kernel died (os._exit, a crash or out of "
                  "memory)" if died else "otter wrote no results")
        return Result(name, exercise, 0.0, ex.possible, f"error: {reason}",
                      outcome.log_tail.strip().splitlines()[-1][:200]
                      if outcome.log_tail.strip() else "")
    questions, problems = _scored(ex, outcome.results)
    problems += screened
    if problems:
        for q in questions:
            q.score = 0.0
        return Result(name, exercise, 0.0, ex.possible,
                      "error: tampering detected", "; ".join(problems)[:600],
                      questions)
    score = round(sum(q.score for q in questions), 6)
    return Result(name, exercise, score, ex.possible, "graded",
                  _feedback(ex, questions), questions)


def write_csvs(folder: pathlib.Path, results: list[Result]) -> None:
    with open(folder / "grades.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["submission", "exercise", "score", "possible", "status",
                    "feedback"])
        for r in results:
            w.writerow([r.submission, r.exercise, f"{r.score:g}",
                        f"{r.possible:g}", r.status, r.feedback])
    with open(folder / "grades_by_question.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["submission", "exercise", "question", "score",
                    "possible"])
        for r in results:
            for q in r.questions:
                w.writerow([r.submission, r.exercise, q.question,
                            f"{q.score:g}", f"{q.possible:g}"])


def grade_folder(folder: pathlib.Path, timeout: float = 120.0,
                 build: pathlib.Path = BUILD, echo=None,
                 jobs: int = 1) -> list[Result]:
    """Grade every notebook in ``folder`` (``jobs`` at a time) into CSVs."""
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise ValueError(f"SUBMISSIONS must be a folder; got {folder}")
    if timeout <= 0:
        raise ValueError(f"the timeout must be positive seconds; got {timeout}")
    if jobs < 1:
        raise ValueError(f"jobs must be a positive integer; got {jobs}")
    exercises = {n: load_exercise(n, build) for n in exercise_names(build)}
    if not exercises:
        raise ValueError(f"no autograders in {build}: run `make exercises`")
    def one(path: pathlib.Path) -> Result:
        r = grade_one(path, exercises, timeout)
        if echo:
            echo(f"{r.submission}: {r.exercise or '-'} {r.score:g}/"
                 f"{r.possible:g} {r.status}")
        return r

    paths = sorted(folder.glob("*.ipynb"))
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(one, paths))
    write_csvs(folder, results)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds per notebook (default 120)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="notebooks graded at once (default 1)")
    args = parser.parse_args(argv)
    try:
        results = grade_folder(args.folder, args.timeout, echo=print,
                               jobs=args.jobs)
    except ValueError as e:
        print(f"grade: {e}", file=sys.stderr)
        return 2
    print(f"{len(results)} submission(s) graded into "
          f"{args.folder / 'grades.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
