"""Put the Colab set-up cell at the top of every chapter and exercise notebook.

    python tools/colab_cell.py [--check] [NOTEBOOK ...]

Colab opens a notebook in a runtime that has never installed ``nntrain``.
The first cell of every notebook therefore installs it, from the repository
and branch named in ``_config.yml`` (``repository: url/branch``, the one place
a course fork changes), but only when it runs on Colab: anywhere else
(Binder, a local install, CI, nbval, the book's build) it does nothing and
prints nothing. An exercise notebook's cell also installs otter-grader (the
pin of ``requirements.txt``) and downloads the set's student notebook from
the repository into the working directory, with its public checks written to
``./tests``: otter on Colab reads checks only from a tests folder, never from
the notebook's metadata, and its init cell reads the notebook file by name.

The cell is tagged ``remove-cell`` (the website does not show it), marked
``{"nntrain": {"colab_setup": true}}`` in its metadata, and saved with no
outputs and no execution count. Running this script again changes nothing
unless ``_config.yml`` or the otter pin changed. Without arguments it processes
``chapters/*.ipynb`` and ``exercises/source/*.ipynb``; with ``--check`` it
writes nothing and fails if a notebook's cell is missing or out of date.
Standard library only.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONFIG = ROOT / "_config.yml"
REQUIREMENTS = ROOT / "requirements.txt"
CELL_ID = "colab-setup"
TAG = "remove-cell"


def repository(config: pathlib.Path = CONFIG) -> tuple[str, str]:
    """``(url, branch)`` of the ``repository:`` block of ``_config.yml``."""
    url = branch = None
    inside = False
    for line in config.read_text(encoding="utf-8").splitlines():
        if re.match(r"repository:\s*(#.*)?$", line):
            inside = True
            continue
        if inside and line.strip() and not line[0].isspace():
            break                                   # the next top-level key
        m = re.match(r"\s+(url|branch):\s*(.*?)\s*(#.*)?$", line) if inside \
            else None
        if m:
            value = m.group(2).strip("\"'")
            if m.group(1) == "url":
                url = value.rstrip("/").removesuffix(".git")
            else:
                branch = value
    if not url or not branch:
        raise ValueError(f"{config}: no repository url and branch")
    return url, branch


def otter_requirement(requirements: pathlib.Path = REQUIREMENTS) -> str:
    """The otter-grader line of ``requirements.txt``, e.g. ``otter-grader==7.0.0``."""
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if re.match(r"otter-grader\s*==", line):
            return line.replace(" ", "")
    raise ValueError(f"{requirements}: no pinned otter-grader")


def raw_url(url: str, branch: str, path: str) -> str:
    """The URL of one file of a GitHub repository at ``branch``."""
    m = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", url)
    if not m:
        raise ValueError(f"{url}: Colab opens notebooks from GitHub only")
    return (f"https://raw.githubusercontent.com/{m.group(1)}/{m.group(2)}/"
            f"{branch}/{path}")


WIDTH = 79   # the book's code column (tests/test_notebook_style.py)


def _literal(text: str, indent: int, end: str = "") -> list[str]:
    """A string literal as source lines within WIDTH: one line if it fits,
    else implicitly concatenated pieces broken after '/' (then anywhere)."""
    pad = " " * indent
    if indent + len(text) + 2 + len(end) <= WIDTH:
        return [f'{pad}"{text}"{end}']
    room = WIDTH - indent - 2 - len(end)
    pieces, rest = [], text
    while len(rest) > room:
        cut = rest.rfind("/", 0, room) + 1 or room
        pieces.append(rest[:cut])
        rest = rest[cut:]
    pieces.append(rest)
    return [f'{pad}"{p}"' for p in pieces[:-1]] + [f'{pad}"{pieces[-1]}"{end}']


def cell_source(url: str, branch: str, exercise: str | None = None,
                otter: str | None = None) -> str:
    """The set-up cell's code; ``exercise`` is a set's name (``01_derivatives``).

    Every line fits the book's 79 columns: long URLs are split into
    implicitly concatenated string literals.
    """
    packages = [f"git+{url}@{branch}"]
    if exercise:
        packages.append(otter or otter_requirement())
    lines = [
        "# Set-up for Google Colab only: install the course package (nntrain)",
        *(["# and otter-grader, and fetch this set's public checks into ./tests"]
          if exercise else []),
        "# from the course repository. Anywhere else this cell does nothing.",
        "import sys",
        'if "google.colab" in sys.modules:',
        "    import importlib, importlib.util, subprocess",
        '    if importlib.util.find_spec("nntrain") is None:',
        '        subprocess.run([sys.executable, "-m", "pip", "install", "-q",',
    ]
    for i, package in enumerate(packages):
        lines += _literal(package, 24, "]," if i == len(packages) - 1 else ",")
    lines += [
        "                       check=True)",
        "        importlib.invalidate_caches()",
    ]
    if exercise:
        student = raw_url(url, branch, f"exercises/student/{exercise}.ipynb")
        lines += [
            "    import json, os, urllib.request",
            '    if not os.path.isdir("tests"):',
            "        with urllib.request.urlopen(",
            *_literal(student, 16),
            "        ) as f:",
            "            student = f.read()",
            f'        with open("{exercise}.ipynb", "wb") as f:  # otter reads it',
            "            f.write(student)",
            '        os.makedirs("tests")',
            '        checks = json.loads(student)["metadata"]["otter"]["tests"]',
            "        for name, code in checks.items():",
            '            with open(f"tests/{name}.py", "w") as f:',
            "                f.write(code)",
        ]
    return "\n".join(lines)


def is_setup_cell(cell: dict) -> bool:
    meta = cell.get("metadata", {}).get("nntrain", {})
    return isinstance(meta, dict) and meta.get("colab_setup") is True


def is_exercise(nb: dict) -> bool:
    """An otter master (its ASSIGNMENT CONFIG cell) or an otter student notebook."""
    if "otter" in nb.get("metadata", {}):
        return True
    return any(c["cell_type"] == "raw" and "".join(c["source"]).lstrip()
               .startswith("# ASSIGNMENT CONFIG") for c in nb["cells"])


def build_cell(url: str, branch: str, exercise: str | None = None,
               otter: str | None = None) -> dict:
    source = cell_source(url, branch, exercise, otter)
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": CELL_ID,
        "metadata": {"nntrain": {"colab_setup": True}, "tags": [TAG]},
        "outputs": [],
        "source": source.splitlines(keepends=True),   # as nbformat saves it
    }


def with_setup_cell(nb: dict, name: str, url: str, branch: str,
                    otter: str | None = None) -> dict:
    """``nb`` with exactly one set-up cell, first; every other cell untouched."""
    cell = build_cell(url, branch, name if is_exercise(nb) else None, otter)
    old = [c for c in nb["cells"] if is_setup_cell(c)]
    if old and old[0] is nb["cells"][0] and old[0]["source"] == cell["source"]:
        # a notebook re-executed top to bottom ran the cell as cell 1 (it
        # prints nothing): keep that count, so the file stays as saved
        cell["execution_count"] = old[0].get("execution_count")
        if "execution" in old[0].get("metadata", {}):      # nbconvert's times
            cell["metadata"]["execution"] = old[0]["metadata"]["execution"]
    nb["cells"] = [cell] + [c for c in nb["cells"] if not is_setup_cell(c)]
    return nb


def dumps(nb: dict) -> str:
    """The notebook's text as nbformat (and nbconvert) write it."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def process(path: pathlib.Path, url: str, branch: str, write: bool = True,
            otter: str | None = None) -> bool:
    """Insert or update the cell; return whether the file changed (or would)."""
    before = path.read_text(encoding="utf-8")
    after = dumps(with_setup_cell(json.loads(before), path.stem, url, branch,
                                  otter))
    if after != before and write:
        path.write_text(after, encoding="utf-8")
    return after != before


def default_notebooks() -> list[pathlib.Path]:
    return sorted((ROOT / "chapters").glob("*.ipynb")) + sorted(
        (ROOT / "exercises" / "source").glob("[0-9][0-9]_*.ipynb"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; fail if a notebook is out of date")
    parser.add_argument("--config", type=pathlib.Path, default=CONFIG,
                        help="the book's _config.yml (default: %(default)s)")
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path,
                        help="notebooks (default: chapters/ and exercises/source/)")
    args = parser.parse_args(argv)
    url, branch = repository(args.config)
    changed = [p for p in (args.notebooks or default_notebooks())
               if process(p, url, branch, write=not args.check)]
    for p in changed:
        print(f"colab_cell: {'out of date' if args.check else 'updated'}: {p}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
