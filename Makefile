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

.PHONY: setup book build test unit nbval site clean constraints mathjax _static/mathjax

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
	$(BIN)/python -m pytest -m "not site" tests

nbval: $(STAMP)
	$(BIN)/python -m pytest --nbval --nbval-current-env --nbval-sanitize-with $(SANITIZE) chapters

site: $(STAMP)
	$(BIN)/python -m pytest -m site tests

test: unit nbval build site
	@echo "make test: all checks passed"

constraints: $(STAMP)
	@{ echo "# Full resolution of requirements.txt (pip freeze on Python 3.11), used as constraints."; \
	   echo "# Regenerate after changing requirements.txt: make constraints"; \
	   $(BIN)/python -m pip freeze --exclude-editable | grep -v -i -E '^(torch|nntrain)=='; } > constraints.txt

clean:
	rm -rf _build $(MATHJAX) .pytest_cache .hypothesis
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
