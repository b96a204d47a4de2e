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
.PHONY: help setup java build run serve test lint typecheck unit bench clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*?## "}{printf "  %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
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
	$(BIN)/ruff check ontology ingest service tests bench

typecheck: setup ## mypy
	$(BIN)/mypy ontology ingest service

unit: setup ## pytest only
	$(BIN)/pytest

test: lint typecheck unit ## Lint, type-check and run the tests

clean: ## Remove build outputs (keeps .venv)
	rm -rf build
