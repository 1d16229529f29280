# Workflows are commands. `make run` and `make test` are the README's two commands.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint format check bench install-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs the app (every runtime dependency), upgrades the schema, serves on SQLite in ./data.
run: $(BIN)/python
	$(BIN)/pip install --quiet .
	$(BIN)/academichub serve

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

# SQLite always; PostgreSQL too when ACADEMICHUB_TEST_DATABASE_URL is set (.ci/run sets it).
test: install-dev
	$(BIN)/pytest -q

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: lint test

bench: install-dev
	$(BIN)/python bench/ingest.py
