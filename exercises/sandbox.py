"""Run `otter run` on one submission, fenced in.

Each submission gets its own scratch folder (its TMPDIR, HOME and Jupyter
runtime folder too, so otter's own temporary files and anything the notebook
writes or deletes beside itself stay inside it), its own process session, a
wall-clock limit and a cap on the size of any file it writes. When the limit
passes, every process started for it is killed, the kernel included (Jupyter
starts kernels in a session of their own, so they are found by a marker in
their environment rather than by process group).
"""
from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import resource
import signal
import subprocess
import sys
import time

import psutil

MARKER = "NNTRAIN_GRADING_SCRATCH"
LOG_TAIL = 20_000          # characters of otter's log kept for the report


@dataclasses.dataclass
class Outcome:
    results: dict | None     # otter's results.json, or None if it wrote none
    timed_out: bool
    returncode: int | None
    log_tail: str
    seconds: float


def _exec_limited(argv: list[str]) -> None:
    """``sandbox.py FILE_CAP CMD...``: cap file sizes, then become CMD.

    (A launcher rather than ``preexec_fn``, which is unsafe when the grader
    runs several submissions from threads.)
    """
    cap = int(argv[0])
    resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.execv(argv[1], argv[1:])


def _kill_marked(scratch: str) -> None:
    """Kill every process whose environment carries this scratch marker."""
    for proc in psutil.process_iter():
        try:
            if proc.pid != os.getpid() and \
                    proc.environ().get(MARKER) == scratch:
                proc.kill()
        except (psutil.Error, OSError):
            continue


def run_otter(notebook: pathlib.Path, autograder: pathlib.Path,
              scratch: pathlib.Path, timeout: float,
              file_cap: int) -> Outcome:
    """Grade ``notebook`` with ``autograder`` inside ``scratch``."""
    out = scratch / "out"
    env = dict(os.environ)
    for sub in ("out", "tmp", "home", "runtime"):
        (scratch / sub).mkdir(parents=True, exist_ok=True)
    env.update({
        MARKER: str(scratch),
        "TMPDIR": str(scratch / "tmp"),
        "HOME": str(scratch / "home"),
        "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        "IPYTHONDIR": str(scratch / "home" / ".ipython"),
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    })
    cmd = [sys.executable, __file__, str(file_cap),
           sys.executable, "-m", "otter", "run", "--no-logo",
           "-a", str(autograder), "-o", str(out), str(notebook)]
    log_path = scratch / "otter.log"
    start = time.monotonic()
    timed_out = False
    # The log stays open here: a submission may delete its path, not its data.
    with open(log_path, "w+b") as log:
        proc = subprocess.Popen(
            cmd, cwd=scratch, env=env, stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        finally:
            _kill_marked(str(scratch))
        seconds = time.monotonic() - start
        log.seek(max(0, os.fstat(log.fileno()).st_size - LOG_TAIL))
        tail = log.read().decode(errors="replace")
    results = None
    results_path = out / "results.json"
    if not timed_out and results_path.is_file():
        try:
            results = json.loads(results_path.read_text())
        except (ValueError, UnicodeDecodeError):
            results = None
    return Outcome(results, timed_out, proc.returncode, tail, seconds)


if __name__ == "__main__":
    _exec_limited(sys.argv[1:])
