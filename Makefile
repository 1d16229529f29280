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

# axe-core for the browser tests (tests/browser/), pinned by its package-lock.json.
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund
	touch $@

# SQLite always; PostgreSQL too when ACADEMICHUB_TEST_DATABASE_URL is set (.ci/run sets it).
# The browser tests need Debian's Chromium at /usr/bin/chromium (.ci/run installs it).
test: install-dev $(AXE)
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
