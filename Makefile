# The two commands of the README:  make book  and  make test.
# Both create .venv (Python 3.11) and install requirements.txt when needed.

PYTHON   ?= $(shell command -v python3.11 || command -v python3)
VENV     := .venv
BIN      := $(VENV)/bin
STAMP    := $(VENV)/.installed
MATHJAX  := _assets/mathjax
SANITIZE := tests/nbval_sanitize.cfg
export TQDM_DISABLE := 1
export MPLBACKEND := Agg
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: setup book build test unit nbval site clean constraints mathjax _static/mathjax \
        exercises exercise-tests grade bench

setup: $(STAMP)

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (nntrain)" > /dev/null
	@touch $(STAMP)

# MathJax is served from the site itself, so formulas render with no network.
# (Not under _static/: Jupyter Book adds every .js file there to every page.)
$(MATHJAX): $(STAMP)
	@rm -rf $(MATHJAX) && mkdir -p $(dir $(MATHJAX))
	@src=$$($(BIN)/python -c "import mathjax, pathlib; print(pathlib.Path(mathjax.__file__).parent / 'static' / 'mathjax' / 'es5')") \
	  && cp -r "$$src" $(MATHJAX)

mathjax _static/mathjax: $(MATHJAX)

build: $(STAMP) $(MATHJAX)
	$(BIN)/jupyter-book build . -W -n --keep-going

book: build
	@echo
	@echo "The book is built. Open this file in a browser:"
	@echo "    $(CURDIR)/_build/html/index.html"

unit: $(STAMP)
	$(BIN)/python -m pytest -m "not site and not exercises" tests

# Student notebooks and autograders from the masters (fails unless every
# solution scores full marks); see exercises/README.md.
exercises: $(STAMP)
	$(BIN)/python exercises/assign.py

# The exercise sets and the grader: solutions full, blanks zero, planted
# mistakes caught, hostile submissions contained, student notebooks current.
exercise-tests: $(STAMP)
	$(BIN)/python -m pytest -m exercises tests

# make grade SUBMISSIONS=folder [TIMEOUT=120] [JOBS=1]: grades.csv and
# grades_by_question.csv in that folder.
TIMEOUT ?= 120
JOBS ?= 1
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder [TIMEOUT=seconds] [JOBS=n]" >&2; exit 2; }
	@ls exercises/build/*/autograder/*-autograder_*.zip > /dev/null 2>&1 || $(BIN)/python exercises/assign.py --build-only
	$(BIN)/python exercises/grade.py "$(SUBMISSIONS)" --timeout $(TIMEOUT) --jobs $(JOBS)

# make bench [BENCH_ARGS="--chapters 06,07 --threads 2 --full"]: benchmarks/results.md
# and results.json (timings against the targets of issue 16); not part of make test.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

nbval: $(STAMP)
	$(BIN)/python -m pytest --nbval --nbval-current-env --nbval-sanitize-with $(SANITIZE) chapters

site: $(STAMP)
	$(BIN)/python -m pytest -m site tests

test: unit exercise-tests nbval build site
	@echo "make test: all checks passed"

constraints: $(STAMP)
	@{ echo "# Full resolution of requirements.txt (pip freeze on Python 3.11), used as constraints."; \
	   echo "# Regenerate after changing requirements.txt: make constraints"; \
	   $(BIN)/python -m pip freeze --exclude-editable | grep -v -i -E '^(torch|nntrain)=='; } > constraints.txt

clean:
	rm -rf _build $(MATHJAX) .pytest_cache .hypothesis exercises/build
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
