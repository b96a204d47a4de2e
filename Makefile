# coprod: `make run` builds the graph and serves it; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export COPROD_DATA_DIR ?= build
export COPROD_PORT ?= 8000
export COPROD_HOST ?= 127.0.0.1

.DEFAULT_GOAL := help
.PHONY: help setup java build run serve test lint typecheck unit bench bench-large bench-build clean browser web test-web screenshots test-virtuoso test-comunica loadtest audit

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*?## "}{printf "  %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

java: ## Install a Java runtime for HermiT when none is present
	@command -v java >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q default-jre-headless; }

setup: $(STAMP) java ## Create .venv and install coprod with its dev tools

build: setup ## Build the graph from sources/ and load it into the embedded store
	$(BIN)/coprod build

run: build ## Build (if needed) and serve on http://127.0.0.1:$(COPROD_PORT)
	$(BIN)/coprod serve

serve: setup ## Serve what is already built
	$(BIN)/coprod serve

lint: setup ## ruff
	$(BIN)/ruff check ontology ingest service tests bench tools

typecheck: setup ## mypy
	$(BIN)/mypy ontology ingest service tools/audit.py

unit: setup browser ## pytest only (the browser tests need chromium: `browser`)
	$(BIN)/pytest

test: lint typecheck audit unit ## Lint, type-check, audit the dependencies and run the tests

bench: setup ## Benchmark against raw Oxigraph at 1,000 and 100,000 synthetic cases (bench/README.md)
	$(BIN)/python -m bench.run 1000 100000

bench-large: setup ## The benchmark at 1,000,000 synthetic cases (29 M triples; needs ~20 GB)
	$(BIN)/python -m bench.run 1000000 --reps 5

bench-build: setup ## A whole `coprod build` from synthetic sources at 10,000 and 100,000 cases against `oxigraph load`
	$(BIN)/python -m bench.fullbuild 10000 100000

browser: ## Install Debian's chromium for the browser tests and screenshots when missing
	@test -x /usr/bin/chromium || { apt-get update -q && apt-get install -y -q chromium; }

web: ## Rebuild the bundled YASGUI editor from web/package-lock.json (needs npm)
	cd web && npm ci --no-audit --no-fund && npm run build

test-web: setup browser ## The browser tests (tests/web) in Debian's chromium
	$(BIN)/pytest tests/web

screenshots: build browser ## PNGs of the home, matrix, charts, case and query pages in build/screenshots
	$(BIN)/python tools/screenshots.py --out build/screenshots

test-virtuoso: setup ## Contract and lookup tests on a real Virtuoso 7 (installs Debian's package)
	@command -v virtuoso-t >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q virtuoso-opensource; }
	$(BIN)/pytest -m virtuoso tests/service/test_virtuoso.py

test-comunica: setup ## Comunica (npm) querying coprod's /sparql
	mkdir -p build/comunica && cp tests/comunica/package.json build/comunica/
	cd build/comunica && npm install --no-audit --no-fund
	$(BIN)/pytest -m comunica tests/service/test_comunica.py

loadtest: setup ## 32 clients for 60s against 100,000 synthetic cases on 127.0.0.1; p50/p95/p99 (bench/loadtest.py)
	$(BIN)/python -m bench.loadtest --cases 100000 --clients 32 --seconds 60

audit: setup ## Dependency audit: pip-audit, or the registry's own advisories where pip-audit cannot read them (tools/audit.py)
	$(BIN)/python tools/audit.py

clean: ## Remove build outputs (keeps .venv)
	rm -rf build
