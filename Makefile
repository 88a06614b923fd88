# One place for the commands the README promises. `make run` and `make test` install
# what they need into .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint install install-dev bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/triage serve

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy triage workers

test: lint
	$(BIN)/pytest

bench: install-dev
	$(BIN)/python -m bench.intake_bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
