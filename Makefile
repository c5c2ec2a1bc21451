# msdw: `make run` runs the pipeline on a synthetic inbox, `make test` runs the tests. Both set everything up.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
INBOX ?= data/inbox
WAREHOUSE ?= data/warehouse
DEMO_START ?= 2019-01
DEMO_END ?= 2019-06
DEMO_SCALE ?= 0.05
DOCS_ASSETS := deploy/data_docs

export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export GX_ANALYTICS_ENABLED := False

.PHONY: run test lint bench clean setup manifest generate

setup: $(VENV)/.installed

# Bytecode is compiled at install: with PYTHONDONTWRITEBYTECODE set (as on CI), Python would otherwise compile every
# module it imports in every process, about 11 s for each `msdw run`.
# The scripts and styles of the Data Docs pages are the npm packages pinned in $(DOCS_ASSETS)/package-lock.json,
# copied into each warehouse's data_docs/ so that it works without a network (msdw.quality.docs).
$(VENV)/.installed: requirements.lock pyproject.toml Makefile $(DOCS_ASSETS)/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	npm ci --prefix $(DOCS_ASSETS) --ignore-scripts --no-audit --no-fund --loglevel=error
	$(BIN)/python -m msdw.transform manifest >/dev/null
	touch $@

# The dbt manifest the DAG files read (dbt_project/target/manifest.json): parsed again only when the project changed.
manifest: $(VENV)/.installed
	$(BIN)/python -m msdw.transform manifest >/dev/null

$(INBOX): | $(VENV)/.installed
	$(BIN)/msdw generate --inbox $(INBOX) --start $(DEMO_START) --end $(DEMO_END) --scale $(DEMO_SCALE) --seed 1

run: $(VENV)/.installed | $(INBOX)
	$(BIN)/msdw run --inbox $(INBOX) --warehouse $(WAREHOUSE)

# Every artefact generated from the descriptions: dbt sources YAML and identifications model, GX suites, data
# dictionary.
generate: $(VENV)/.installed
	$(BIN)/python -m msdw.generated

lint: $(VENV)/.installed
	$(BIN)/ruff check include dags tests bench
	$(BIN)/ruff format --check include dags tests bench

test: manifest
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

bench: $(VENV)/.installed
	$(BIN)/python -m bench

clean:
	rm -rf data $(VENV) $(DOCS_ASSETS)/node_modules

# Further targets (local Airflow UI, ...)
-include make/*.mk
