# Co-production CRM. `make run` to use it, `make test` to check it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := app.py
export CRM_ENV ?= development
# Links printed at start (the set-up link) point at the address actually served.
export BASE_URL ?= http://$(HOST):$(PORT)

.DEFAULT_GOAL := help

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^[^:]*:([a-z-]+):.*## /\1\t/; s/^([a-z-]+):.*## /\1\t/' | column -t -s $$'\t'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed ## Create the virtualenv and install the app

run: $(VENV)/.installed ## Migrate the SQLite database under instance/ and serve on http://127.0.0.1:5000
	$(BIN)/flask db upgrade
	$(BIN)/flask crm setup-link
	$(BIN)/flask run --host $(HOST) --port $(PORT)

demo: $(VENV)/.installed ## Serve the app on a separate demo database filled with believable data
	rm -f instance/demo.sqlite instance/demo.sqlite-wal instance/demo.sqlite-shm
	DATABASE_URL=sqlite:///$(CURDIR)/instance/demo.sqlite $(BIN)/flask db upgrade
	DATABASE_URL=sqlite:///$(CURDIR)/instance/demo.sqlite $(BIN)/flask crm demo
	DATABASE_URL=sqlite:///$(CURDIR)/instance/demo.sqlite $(BIN)/flask run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev ## Install and run the whole test suite (SQLite; browser tests when Chromium is installed)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-dev ## The suite against PostgreSQL (TEST_DATABASE_URL, default the local `test` database)
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed ## Time the key pages with 10,000 and 100,000 people, on SQLite and PostgreSQL (see bench/README.md)
	$(BIN)/python -m bench.run

$(VENV)/.installed-load: pyproject.toml $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -e '.[dev,load]'
	touch $@

load: $(VENV)/.installed-load ## Load test: gunicorn (4 workers) on PostgreSQL and SQLite under locust for 60 s, then two servers sharing one database (LOAD_SECONDS, LOAD_USERS…: see load/run.py)
	$(BIN)/python -m load.run

lint: $(VENV)/.installed-dev ## Check style and formatting with ruff
	$(BIN)/ruff check crm tests migrations load bench gunicorn.conf.py
	$(BIN)/ruff format --check crm tests migrations load bench gunicorn.conf.py

include assets/assets.mk

.PHONY: help install run demo test test-postgres bench load lint
