"""Structure of the saved chapter notebooks (fast: nothing is executed here; nbval runs them)."""
import pytest

from bookcheck import chapter_notebooks, load, notebook_problems, toc_files

NOTEBOOKS = chapter_notebooks()


def test_every_chapter_is_in_the_toc_and_every_toc_entry_exists():
    toc = set(toc_files())
    stems = {f"chapters/{p.stem}" for p in NOTEBOOKS}
    assert stems, "no chapter notebooks found"
    assert stems <= toc, f"not in _toc.yml: {sorted(stems - toc)}"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.name)
def test_saved_notebook_is_executed_clean_and_accessible(nb_path):
    assert notebook_problems(load(nb_path)) == []


def _cell(src, count, outputs=(), metadata=None):
    return {"cell_type": "code", "source": src, "execution_count": count, "outputs": list(outputs), "metadata": metadata or {}}


def test_the_structure_check_catches_planted_problems():
    first = _cell("import numpy as np\nnp.set_printoptions(precision=4)\nuse_book_style()", 1)
    png = {"output_type": "display_data", "data": {"image/png": "..."}, "metadata": {}}
    nb = {"cells": [first, _cell("plot()", 3, [png]), _cell("# NBVAL_IGNORE_OUTPUT\nt()", 2)]}
    problems = " | ".join(notebook_problems(nb))
    assert "top to bottom" in problems
    assert "alt text" in problems
    assert "without a reason" in problems
    same_line = {"cells": [first, _cell("# NBVAL_IGNORE_OUTPUT: timings vary\nt()", 2)]}
    assert "exact line" in " ".join(notebook_problems(same_line))
    good = {"cells": [first, _cell("plot()", 2, [png], {"mystnb": {"image": {"alt": "A parabola and its tangent line."}}}),
                      _cell("# NBVAL_IGNORE_OUTPUT\n# a timing varies from run to run\nt()", 3)]}
    assert notebook_problems(good) == []


def test_the_colab_setup_cell_is_skipped_only_when_first_once_and_without_outputs():
    """tools/colab_cell.py puts an unexecuted set-up cell first; after a re-execution it is
    cell 1 and the chapter's cells run from 2. Anywhere else, twice, or with outputs, it is reported."""
    setup = _cell("import sys", None, metadata={"nntrain": {"colab_setup": True}, "tags": ["remove-cell"]})
    first = _cell("import numpy as np\nnp.set_printoptions(precision=4)\nuse_book_style()", 1)
    rest = _cell("t()", 2)
    assert notebook_problems({"cells": [setup, first, rest]}) == []
    shifted = [dict(first, execution_count=2), dict(rest, execution_count=3)]
    assert notebook_problems({"cells": [setup, *shifted]}) == []
    assert notebook_problems({"cells": [dict(setup, execution_count=1), *shifted]}) == []
    # an executed set-up cell leaves cell 1 to no one else
    assert "top to bottom" in " ".join(notebook_problems({"cells": [dict(setup, execution_count=1), first, rest]}))
    # without the set-up cell, counts must still start at 1
    assert "top to bottom" in " ".join(notebook_problems({"cells": shifted}))
    out = {"output_type": "stream", "name": "stdout", "text": "Installing nntrain\n"}
    title = {"cell_type": "markdown", "source": "# A chapter", "metadata": {}}
    for cells in ([first, setup, rest],                            # not first
                  [title, setup, first, rest],                     # not first, behind markdown
                  [setup, first, rest, setup],                     # twice
                  [_cell("import sys", None, [out], setup["metadata"]), first, rest]):  # outputs
        assert "Colab set-up cell" in " ".join(notebook_problems({"cells": cells})), cells
