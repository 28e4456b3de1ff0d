"""`make exercises`: turn every master into a student notebook and autograder.

    python exercises/assign.py [--check | --build-only] [NN_topic ...]

For each master ``exercises/source/NN_topic.ipynb``, ``otter assign`` writes
``exercises/build/NN_topic/`` (the autograder zip and the solutions notebook)
and fails unless every solution scores full marks. The student notebook is
then normalised (otter gives the cells it adds random ids, and execution
timestamps are noise) and copied to ``exercises/student/NN_topic.ipynb``.

With ``--check`` nothing in ``exercises/student/`` is written; the command
fails if a committed student notebook differs from the regenerated one. With
``--build-only`` it only builds (what ``make grade`` needs).
"""
from __future__ import annotations

import argparse
import json
import pathlib
import shutil
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
SOURCE, STUDENT, BUILD = HERE / "source", HERE / "student", HERE / "build"
VOLATILE_CELL_METADATA = ("execution", "lines_to_next_cell", "collapsed",
                          "scrolled", "jupyter")


def is_colab_setup(cell: dict) -> bool:
    """The Colab set-up cell that tools/colab_cell.py puts first in a master."""
    meta = cell.get("metadata", {}).get("nntrain", {})
    return isinstance(meta, dict) and meta.get("colab_setup") is True


def normalise(nb: dict) -> dict:
    """The notebook with stable cell ids and no volatile metadata, the Colab
    set-up cell first (otter puts its own init cell above it, but on Colab
    that cell's ``import otter`` needs the set-up cell to have run), then the
    title, then otter's init cell."""
    setup = [c for c in nb["cells"] if is_colab_setup(c)]
    cells = [c for c in nb["cells"] if not is_colab_setup(c)]
    if len(cells) > 1 and "otter.Notebook" in "".join(cells[0]["source"]) \
            and cells[1]["cell_type"] == "markdown":
        cells[0], cells[1] = cells[1], cells[0]
    nb["cells"] = setup + cells
    nb["metadata"].pop("jupytext", None)
    nb["metadata"].pop("widgets", None)
    for i, cell in enumerate(nb["cells"]):
        cell["id"] = f"cell-{i:02d}"
        for key in VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
    return nb


def dumps(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def masters() -> list[pathlib.Path]:
    return sorted(SOURCE.glob("[0-9][0-9]_*.ipynb"))


def assign(master: pathlib.Path, build: pathlib.Path = BUILD) -> str:
    """Run otter assign on one master; return the normalised student text."""
    name = master.stem
    out = build / name
    shutil.rmtree(out, ignore_errors=True)
    done = subprocess.run(
        [sys.executable, "-m", "otter", "assign", str(master), str(out)],
        capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        raise RuntimeError(
            f"otter assign failed for {master.name} (a solution that does "
            f"not pass its own tests fails it):\n{tail}")
    student = json.loads((out / "student" / f"{name}.ipynb").read_text())
    return dumps(normalise(student))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with exercises/student/, write nothing")
    parser.add_argument("--build-only", action="store_true",
                        help="build the autograders, leave students alone")
    parser.add_argument("names", nargs="*", help="sets to build (all)")
    args = parser.parse_args(argv)
    chosen = [m for m in masters() if not args.names or m.stem in args.names]
    if not chosen:
        print("assign: no masters found in exercises/source/",
              file=sys.stderr)
        return 2
    stale = []
    for master in chosen:
        try:
            text = assign(master)
        except RuntimeError as e:
            print(e, file=sys.stderr)
            return 1
        target = STUDENT / f"{master.stem}.ipynb"
        if args.build_only:
            pass
        elif args.check:
            if not target.is_file() or target.read_text() != text:
                stale.append(target.name)
        else:
            STUDENT.mkdir(exist_ok=True)
            target.write_text(text)
        print(f"assign: {master.stem}: solutions pass; autograder in "
              f"{(BUILD / master.stem / 'autograder').relative_to(HERE.parent)}")
    if stale:
        print("assign: out of date in exercises/student/ (run `make "
              f"exercises`): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
