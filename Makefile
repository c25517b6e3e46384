# Entry points for people and CI. Every target creates .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help venv demo run check report test lint format dbt docs bench clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip 2>/dev/null
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v 'is ignored' || true
	$(BIN)/python -c "import dlt, dbt.version, duckdb, pytest"
	touch $(STAMP)

venv: $(STAMP) ## create .venv and install the project

demo: $(STAMP) ## the whole pipeline on the built-in demo enterprise (no GitHub account needed)
	$(BIN)/github-billing demo $(ARGS)

run: $(STAMP) ## incremental load with your config and secrets, then dbt build (ARGS="--since 2026-01-01")
	$(BIN)/github-billing run $(ARGS)

check: $(STAMP) ## validate token, scopes and enterprise without loading anything
	$(BIN)/github-billing check

report: $(STAMP) ## write the HTML cost report of your DuckDB file (ARGS="--months 12 --out FILE")
	$(BIN)/github-billing report $(ARGS)

test: $(STAMP) ## the whole test suite
	$(BIN)/ruff check pipelines tests
	$(BIN)/pytest $(ARGS)

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check pipelines tests bench
	$(BIN)/ruff format --check pipelines tests bench

format: $(STAMP) ## apply ruff formatting
	$(BIN)/ruff format pipelines tests bench
	$(BIN)/ruff check --fix pipelines tests bench

dbt: $(STAMP) ## dbt on your DuckDB file: make dbt ARGS="test" (default build; GITHUB_BILLING_DUCKDB picks the file)
	cd dbt_project && GITHUB_BILLING_DUCKDB=$${GITHUB_BILLING_DUCKDB:-$(CURDIR)/data/github_billing.duckdb} DO_NOT_TRACK=1 ../$(BIN)/dbt $(or $(ARGS),build)

docs: $(STAMP) ## build the dbt docs site (offline) into dbt_project/target
	cd dbt_project && GITHUB_BILLING_DUCKDB=$${GITHUB_BILLING_DUCKDB:-$(CURDIR)/data/demo.duckdb} DO_NOT_TRACK=1 ../$(BIN)/dbt docs generate
	@echo "Serve it with: cd dbt_project && ../$(BIN)/dbt docs serve"

bench: $(STAMP) ## benchmarks on a large simulated enterprise (ratios against in-run baselines)
	$(BIN)/python -m bench $(ARGS)

clean: ## remove the virtualenv, data and dbt artifacts
	rm -rf $(VENV) data dbt_project/target dbt_project/logs
