# Résorption-bidonvilles — developer commands. `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: run worker install test test-postgres quality format docs bench clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $$(scripts/find-python.sh) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

## The platform with demo data on SQLite, at http://$(HOST):$(PORT)/ (`make run PORT=8001 HOST=0.0.0.0`). Links in
## emails follow the address served, unless BASE_URL is set in the environment.
RUN_BASE_URL = $(or $(BASE_URL),http://$(HOST):$(PORT))
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) load_territories
	$(MANAGE) load_demo_data
	BASE_URL='$(RUN_BASE_URL)' scripts/run-dev.sh $(HOST):$(PORT)

## A task worker and the scheduler alone (production runs them as two services).
worker: install
	$(MANAGE) db_worker

## The whole suite (unit, integration, browser) on SQLite — or on PostgreSQL with DATABASE_URL set.
test: install
	scripts/ensure-chromium.sh
	scripts/ensure-redis.sh
	$(MANAGE) makemigrations --check --dry-run --settings=config.settings.test
	$(PY) -m pytest -n auto --create-db $(PYTEST_ARGS)

test-postgres:
	DATABASE_URL=$(POSTGRES_URL) $(MAKE) test

quality: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/djlint resorption/templates --lint
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy resorption/accounts/permissions.py
	$(MANAGE) generate_permissions_doc --check

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Load test as in production (gunicorn, 2 workers, PostgreSQL; load from wrk) on `seed_scale` data; writes
## docs/benchmarks.md.
bench: install
	scripts/bench.sh

## Regenerate docs/permissions.md from the permission matrix.
docs: install
	$(MANAGE) generate_permissions_doc

clean:
	rm -rf $(VENV) node_modules var staticfiles
