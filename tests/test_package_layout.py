"""The package's layers: numerics need numpy alone; presentation sits on top.

Every module outside ``nntrain.widgets``, ``nntrain.bridge`` and the two
drawing modules must import with matplotlib, ipywidgets, IPython and torch
unavailable, and none of them may import from ``nntrain.widgets``.
"""
from __future__ import annotations

import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import nntrain

PKG = Path(nntrain.__file__).parent
DRAWING = {"nntrain.plotting", "nntrain.graph_drawing"}
BLOCKED = ("matplotlib", "ipywidgets", "IPython", "torch")


def numerics_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages([str(PKG)], prefix="nntrain."):
        if info.name.startswith(("nntrain.widgets", "nntrain.bridge")) or info.name in DRAWING:
            continue
        names.append(info.name)
    return names


def test_numerics_import_without_plotting_widgets_or_torch():
    names = numerics_modules()
    assert "nntrain.optim.sgd" in names and "nntrain.momentum_theory" in names
    code = (
        "import sys\n"
        f"for m in {BLOCKED!r}: sys.modules[m] = None\n"
        "import importlib\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {BLOCKED!r} "
        "and sys.modules[m] is not None)\n"
        "assert not bad, bad\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]


def widget_imports(text: str) -> list[str]:
    return re.findall(r"^\s*(?:from\s+(?:nntrain\.widgets|\.+widgets)\b.*|import\s+nntrain\.widgets\b.*)$",
                      text, flags=re.M)


def test_no_numerics_module_imports_the_presentation_layer():
    found = {}
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG.parent).with_suffix("").as_posix().replace("/", ".")
        if rel.startswith("nntrain.widgets"):
            continue
        hits = widget_imports(path.read_text(encoding="utf-8"))
        if hits:
            found[rel] = hits
    assert not found, found


def test_planted_layer_violation_is_caught():
    assert widget_imports("import numpy as np\nfrom .widgets import race\n")
    assert widget_imports("from nntrain.widgets.live_page import fix\n")
    assert not widget_imports('"""see nntrain.widgets.race"""\n')
