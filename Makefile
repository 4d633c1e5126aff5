# Two commands matter (see README): `make demo` and `make test`. Both create .venv and install
# latentlearn into it on first use (pinned by constraints.txt), and skip that when it is current.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test test-slow bench docs clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/latentlearn demo

# Two workers (pytest-xdist, in the dev extra); a test file stays on one worker, so module
# fixtures (the two-process DDP runs) are made once.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

# The documentation site (Sphinx + numpydoc + sphinx-gallery), offline, into docs/_build/html;
# runs every gallery example; `make docs SPHINXOPTS="-D plot_gallery=0"` skips running them.
# Build output: docs/_build, docs/api, docs/auto_examples (ignored by git).
SPHINXOPTS ?=
docs: $(STAMP)
	$(BIN)/python -c "import sphinx, numpydoc, sphinx_gallery" 2>/dev/null || \
		$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[docs]'
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1 MPLBACKEND=Agg \
		$(BIN)/python -m sphinx -b html -W --keep-going $(SPHINXOPTS) docs docs/_build/html
	@echo "open docs/_build/html/index.html"

clean:
	rm -rf $(VENV) runs .pytest_cache
