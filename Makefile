# Everything runs inside .venv, created on first use from pyproject.toml pinned by constraints.txt.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export PREFECT_HOME := $(CURDIR)/var/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: venv demo test lint bench ui clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)
	@mkdir -p var/prefect

demo: venv
	$(BIN)/coursier demo

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python bench/dsn_check.py
	$(BIN)/python bench/dsn_deposit.py

# The Prefect UI over the runs kept under var/prefect (the demo's among them).
ui: venv
	$(BIN)/prefect server start --host 127.0.0.1 --port 4200

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
