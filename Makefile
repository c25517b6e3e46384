# Entry points for people and CI. Every target creates .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help venv demo run check report test lint format dbt docs bench clean focus-validator

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

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

# one pytest worker per core; tests sharing an expensive module fixture stay on one worker
# (pytest.mark.xdist_group). TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

test: $(STAMP) ## the whole test suite (ARGS="tests/test_models.py -k cent", TEST_WORKERS=0)
	$(BIN)/ruff check pipelines tests
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(ARGS)

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

# The FinOps Foundation's focus-validator needs Python >= 3.12 (pyenv's on these machines, or
# PYTHON312=...), so it has a venv of its own. It pins numpy<2 but not pyarrow, and with
# pyarrow 26 every rule fails: hence pyarrow<26.
FOCUS_VENV  := .venv-focus
FOCUS_STAMP := $(FOCUS_VENV)/.installed
PYTHON312   ?= $(or $(lastword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12)),$(shell command -v python3.12 2>/dev/null))

$(FOCUS_STAMP): | $(STAMP)
	@test -n "$(PYTHON312)" || { echo "focus-validator needs Python 3.12: install it (pyenv install 3.12) or set PYTHON312=/path/to/python3.12"; exit 2; }
	rm -rf $(FOCUS_VENV)
	$(BIN)/uv venv --quiet --python $(PYTHON312) $(FOCUS_VENV)
	$(BIN)/uv pip install --quiet --python $(FOCUS_VENV)/bin/python --compile-bytecode 'focus-validator==2.2.1' 'pyarrow<26'
	touch $(FOCUS_STAMP)

focus-validator: $(FOCUS_STAMP) ## the FOCUS validator in .venv-focus (used by the focus tests)

clean: ## remove the virtualenv, data and dbt artifacts
	rm -rf $(VENV) $(FOCUS_VENV) data dbt_project/target dbt_project/logs
