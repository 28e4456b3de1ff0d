"""The Colab set-up cell (tools/colab_cell.py) and the Binder configuration.

The cell's source is executed here with Colab faked: a module named
``google.colab`` in ``sys.modules``, ``importlib.util.find_spec`` saying that
nntrain is not importable, and ``subprocess.run`` / ``urllib.request.urlopen``
replaced by recorders, so nothing is installed or fetched.
"""
from __future__ import annotations

import importlib.util
import io
import json
import pathlib
import re
import shutil
import subprocess
import sys
import types
import urllib.request

import pytest
import yaml

import assign   # exercises/assign.py (conftest puts exercises/ on sys.path)

ROOT = pathlib.Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "colab_cell", ROOT / "tools" / "colab_cell.py")
colab_cell = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(colab_cell)

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
URL = CONFIG["repository"]["url"]
BRANCH = CONFIG["repository"]["branch"]
OTTER = re.search(r"^otter-grader==\S+", (ROOT / "requirements.txt").read_text(),
                  re.M).group(0)
CHAPTER = ROOT / "chapters" / "01_derivatives.ipynb"
MASTER = ROOT / "exercises" / "source" / "01_derivatives.ipynb"


def _source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


@pytest.fixture
def processed(tmp_path) -> dict[str, pathlib.Path]:
    """Copies of a chapter and of an exercise master, run through the script."""
    (tmp_path / "ch").mkdir()
    (tmp_path / "ex").mkdir()
    copies = {"chapter": tmp_path / "ch" / CHAPTER.name,
              "exercise": tmp_path / "ex" / MASTER.name}
    shutil.copy(CHAPTER, copies["chapter"])
    shutil.copy(MASTER, copies["exercise"])
    assert colab_cell.main([str(p) for p in copies.values()]) == 0
    return copies


def _joined(source: str) -> str:
    """The source with implicitly concatenated string literals joined (the
    cell splits long URLs over lines to fit 79 columns)."""
    return re.sub(r'"\n\s*"', "", source)


class Recorder:
    FAKE = {"metadata": {"otter": {"tests": {"q1_fake": "# a check\n"}}}}

    def __init__(self):
        self.runs, self.urls = [], []

    def run(self, args, **kwargs):
        self.runs.append((list(args), kwargs))
        return subprocess.CompletedProcess(args, 0)

    def urlopen(self, url, *args, **kwargs):
        self.urls.append(url)
        return io.BytesIO(json.dumps(self.FAKE).encode())


def run_cell(source: str, monkeypatch, tmp_path, *, colab: bool,
             nntrain_importable: bool = True) -> Recorder:
    """Execute the cell's source in a fresh namespace, in ``tmp_path``."""
    rec = Recorder()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(subprocess, "run", rec.run)
    monkeypatch.setattr(urllib.request, "urlopen", rec.urlopen)
    if colab:
        monkeypatch.setitem(sys.modules, "google.colab",
                            types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    if not nntrain_importable:
        real = importlib.util.find_spec
        monkeypatch.setattr(
            importlib.util, "find_spec",
            lambda name, *a, **k: None if name == "nntrain" else real(name, *a, **k))
    exec(compile(source, "<colab set-up cell>", "exec"), {"__name__": "__main__"})
    return rec


def assert_installs_from(rec: Recorder, url: str, branch: str,
                         exercise: bool) -> None:
    """One pip call, in this interpreter, of the course package at url@branch."""
    assert len(rec.runs) == 1, rec.runs
    args, kwargs = rec.runs[0]
    assert args[:5] == [sys.executable, "-m", "pip", "install", "-q"], args
    assert args[5] == f"git+{url}@{branch}", args
    assert args[6:] == ([OTTER] if exercise else []), args
    assert kwargs.get("check") is True


def _sources(processed) -> list[tuple[str, str]]:
    """(kind, source) of the cell as saved in a processed copy and as built."""
    out = []
    for kind, path in processed.items():
        name = path.stem if kind == "exercise" else None
        out.append((kind, _source(json.loads(path.read_text())["cells"][0])))
        out.append((kind, colab_cell.cell_source(URL, BRANCH, name, OTTER)))
    return out


def test_off_colab_the_cell_does_nothing_and_prints_nothing(
        processed, monkeypatch, tmp_path, capsys):
    for _, source in _sources(processed):
        rec = run_cell(source, monkeypatch, tmp_path, colab=False,
                       nntrain_importable=False)
        assert rec.runs == [] and rec.urls == []
    assert not (tmp_path / "tests").exists()
    assert capsys.readouterr() == ("", "")


def test_on_colab_without_nntrain_it_installs_from_config(
        processed, monkeypatch, tmp_path, capsys):
    for i, (kind, source) in enumerate(_sources(processed)):
        work = tmp_path / f"run{i}"
        work.mkdir()
        rec = run_cell(source, monkeypatch, work, colab=True,
                       nntrain_importable=False)
        assert_installs_from(rec, URL, BRANCH, exercise=kind == "exercise")
        if kind == "exercise":
            org_repo = URL.removeprefix("https://github.com/")
            assert rec.urls == [
                f"https://raw.githubusercontent.com/{org_repo}/{BRANCH}/"
                f"exercises/student/{MASTER.stem}.ipynb"]
            assert (work / "tests" / "q1_fake.py").read_text() == "# a check\n"
            assert json.loads((work / MASTER.name).read_text()) == Recorder.FAKE
        else:
            assert rec.urls == []
    assert capsys.readouterr() == ("", "")


def test_on_colab_with_nntrain_installed_nothing_is_installed(
        processed, monkeypatch, tmp_path):
    (tmp_path / "tests").mkdir()      # an exercise's checks already fetched
    for _, source in _sources(processed):
        rec = run_cell(source, monkeypatch, tmp_path, colab=True,
                       nntrain_importable=True)
        assert rec.runs == [] and rec.urls == []


def test_the_install_check_can_fail(monkeypatch, tmp_path):
    """A cell built for another repository or branch is rejected."""
    for url, branch in [("https://github.com/someone-else/fork", BRANCH),
                        (URL, "not-" + BRANCH)]:
        rec = run_cell(colab_cell.cell_source(url, branch), monkeypatch,
                       tmp_path, colab=True, nntrain_importable=False)
        with pytest.raises(AssertionError):
            assert_installs_from(rec, URL, BRANCH, exercise=False)


def test_the_cell_is_first_marked_hidden_unexecuted_and_uses_config(processed):
    for kind, path in processed.items():
        cells = json.loads(path.read_text())["cells"]
        first = cells[0]
        assert first["cell_type"] == "code"
        assert first["metadata"]["nntrain"] == {"colab_setup": True}
        assert "remove-cell" in first["metadata"]["tags"]
        # unexecuted, or run as cell 1 by a top-to-bottom execution
        assert first["outputs"] == [] and first["execution_count"] in (None, 1)
        assert sum(colab_cell.is_setup_cell(c) for c in cells) == 1
        assert f'"git+{URL}@{BRANCH}"' in _joined(_source(first))
        assert (OTTER in _source(first)) == (kind == "exercise")
    assert colab_cell.repository() == (URL, BRANCH)


def test_the_script_is_idempotent_and_touches_only_the_first_cell(processed):
    before = {k: p.read_bytes() for k, p in processed.items()}
    assert colab_cell.main([str(p) for p in processed.values()]) == 0
    assert {k: p.read_bytes() for k, p in processed.items()} == before
    assert colab_cell.main(["--check", *map(str, processed.values())]) == 0
    for kind, original in [("chapter", CHAPTER), ("exercise", MASTER)]:
        old = json.loads(original.read_text())
        old["cells"] = [c for c in old["cells"] if not colab_cell.is_setup_cell(c)]
        new = json.loads(processed[kind].read_text())
        assert new["cells"][1:] == old["cells"]
        assert new["metadata"] == old["metadata"]


def test_a_changed_config_updates_the_cell(processed, tmp_path):
    text = (ROOT / "_config.yml").read_text(encoding="utf-8")
    fork = "https://github.com/a-course-fork/nn-course"
    config = tmp_path / "_config.yml"
    config.write_text(text.replace(URL, fork).replace(
        f"branch: {BRANCH}", "branch: spring"), encoding="utf-8")
    paths = [str(p) for p in processed.values()]
    assert colab_cell.main(["--check", "--config", str(config), *paths]) == 1
    assert colab_cell.main(["--config", str(config), *paths]) == 0
    for path in processed.values():
        cells = json.loads(path.read_text())["cells"]
        source = _joined(_source(cells[0]))
        assert "git+https://github.com/a-course-fork/nn-course@spring" in source
        assert URL not in source
        assert sum(colab_cell.is_setup_cell(c) for c in cells) == 1


def test_assign_keeps_the_colab_cell_first_in_the_student_notebook():
    """otter assign writes [init, colab, title, ...]; students get
    [colab, title, init, ...] so that `import otter` follows the install."""
    def cell(kind, src, meta=None):
        return {"cell_type": kind, "id": "x", "metadata": meta or {},
                "source": src, **({"outputs": [], "execution_count": None}
                                  if kind == "code" else {})}
    setup = colab_cell.build_cell(URL, BRANCH, "01_derivatives", OTTER)
    init = cell("code", '# Initialize Otter\nimport otter\ngrader = otter.Notebook("x.ipynb")')
    title = cell("markdown", "# Exercises")
    nb = {"metadata": {}, "cells": [init, setup, title, cell("code", "import numpy")]}
    out = assign.normalise(nb)["cells"]
    assert colab_cell.is_setup_cell(out[0])
    assert out[1] is title and out[2] is init
    assert [c["id"] for c in out] == [f"cell-{i:02d}" for i in range(4)]
    # a notebook without the cell is normalised as before
    nb = {"metadata": {}, "cells": [init, title]}
    assert assign.normalise(nb)["cells"] == [title, init]


def test_otter_on_colab_needs_and_uses_the_fetched_checks(monkeypatch, tmp_path):
    """otter on Colab reads checks only from ./tests and its init cell reads
    the notebook by name: in an empty working directory (Colab's /content)
    the init cell fails; after the set-up cell has fetched both, a check runs
    and reports the public test's message."""
    otter = pytest.importorskip("otter")
    from otter.check.utils import IPythonInterpreter
    student = json.loads((ROOT / "exercises" / "student" / MASTER.name).read_text())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(type(IPythonInterpreter.COLAB.value), "running",
                        lambda self: self is IPythonInterpreter.COLAB.value)
    with pytest.raises(ValueError, match="Tests directory"):
        otter.Notebook(MASTER.name)
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda url: io.BytesIO(json.dumps(student).encode()))
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(subprocess, "run", None)     # nntrain is installed here
    exec(colab_cell.cell_source(URL, BRANCH, MASTER.stem, OTTER), {})
    grader = otter.Notebook(MASTER.name)
    assert grader.interpreter is IPythonInterpreter.COLAB
    question = sorted(student["metadata"]["otter"]["tests"])[0]
    result = grader.check(question, {"jacobian_by_hand": lambda x: None})
    assert not result.passed_all_public and "returned None" in repr(result)


def test_binder_config_is_the_root_requirements_with_cpu_torch():
    root = (ROOT / "requirements.txt").read_text()
    binder = (ROOT / "binder" / "requirements.txt").read_text()
    lines = [ln.split("#", 1)[0].strip() for ln in binder.splitlines()]
    lines = [ln for ln in lines if ln]
    torch = re.search(r"^torch==(\S+)", root, re.M).group(1)
    assert lines == ["--extra-index-url https://download.pytorch.org/whl/cpu",
                     "-r ../requirements.txt", f"torch=={torch}+cpu"]
    assert (ROOT / "binder" / "runtime.txt").read_text() == \
        (ROOT / "runtime.txt").read_text()


def test_readme_binder_badge_points_where_the_book_buttons_do():
    org_repo = URL.removeprefix("https://github.com/")
    badge = f"https://mybinder.org/v2/gh/{org_repo}/{BRANCH}?urlpath=lab/tree/"
    assert CONFIG["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert CONFIG["launch_buttons"]["notebook_interface"] == "jupyterlab"
    assert badge in (ROOT / "README.md").read_text()


def test_committed_notebooks_have_an_up_to_date_cell():
    notebooks = colab_cell.default_notebooks()
    if not any(colab_cell.is_setup_cell(json.loads(p.read_text())["cells"][0])
               for p in notebooks):
        pytest.skip("no notebook has the Colab cell yet: run "
                    "`python tools/colab_cell.py`")
    assert colab_cell.main(["--check"]) == 0


def test_a_long_fork_url_is_wrapped_within_79_columns(monkeypatch, tmp_path):
    """A fork with a long name still gets a cell that fits the page and installs
    from the whole URL (the pieces are implicitly concatenated literals)."""
    url = "https://github.com/a-rather-long-organisation-name/" + "x" * 70
    for exercise in (None, "04_adaptive_methods"):
        source = colab_cell.cell_source(url, BRANCH, exercise, OTTER)
        assert max(map(len, source.splitlines())) <= 79
        rec = run_cell(source, monkeypatch, tmp_path, colab=True,
                       nntrain_importable=False)
        assert_installs_from(rec, url, BRANCH, exercise=exercise is not None)
