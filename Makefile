# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check bench run clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,check]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/loopkeeper demo

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Lint and format (ruff), types (mypy) and the layer contracts between packages (import-linter).
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check bot handlers models
	$(BIN)/mypy
	$(BIN)/lint-imports

# Benchmarks against floors measured in the same run (not part of `make test`); under 5 minutes.
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

run: $(STAMP)
	$(BIN)/loopkeeper run

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
