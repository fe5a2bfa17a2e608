# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test run clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/loopkeeper demo

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

run: $(STAMP)
	$(BIN)/loopkeeper run

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
