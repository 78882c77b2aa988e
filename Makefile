# Everything runs inside .venv, created on first use from pyproject.toml pinned by constraints.txt.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# In a checkout, coursier's state is the checkout's var/ (elsewhere: the user's data directory).
# `make ui-demo COURSIER_HOME=DIR` points every target at another home.
export COURSIER_HOME := $(CURDIR)/var
export PREFECT_HOME := $(COURSIER_HOME)/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
DEMO_HOME := $(COURSIER_HOME)/demo
# Prefect's block encryption key, kept out of its database (coursier init writes it once).
KEY_FILE = $(1)/secrets/prefect-encryption.key

.PHONY: venv demo test test-scale lint bench ui ui-demo clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(BIN)/coursier demo

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Tests keep their state under tmp folders; anything one leaves by mistake lands in var/test,
# never in the user's data directory nor in the checkout's own state. Four workers: the tests
# mostly wait on sockets and servers, not on the two cores (about 7 minutes instead of 10 here).
test: lint
	rm -rf var/test && mkdir -p var/test/prefect
	COURSIER_HOME=$(CURDIR)/var/test PREFECT_HOME=$(CURDIR)/var/test/prefect \
		$(BIN)/python -m pytest -n 4 --maxschedchunk 2

# Two process workers on a pool, server and store on PostgreSQL, 40 runs (make test leaves it out).
test-scale: venv
	rm -rf var/test && mkdir -p var/test/prefect
	COURSIER_HOME=$(CURDIR)/var/test PREFECT_HOME=$(CURDIR)/var/test/prefect \
		$(BIN)/python -m pytest -m scale_out tests/deployments/test_scale_out.py

bench: venv
	$(BIN)/python bench/dsn_check.py
	$(BIN)/python bench/dsn_deposit.py

# The Prefect UI over the runs kept under var/prefect, with the key of their credential blocks.
ui: venv
	@$(BIN)/coursier init >/dev/null
	PREFECT_SERVER_ENCRYPTION_KEY="$${PREFECT_SERVER_ENCRYPTION_KEY:-$$(cat '$(call KEY_FILE,$(COURSIER_HOME))')}" \
	  $(BIN)/prefect server start --host 127.0.0.1 --port 4200

# The Prefect UI over the demo's own world (var/demo/prefect), beside `make ui`.
ui-demo: venv
	@test -f '$(call KEY_FILE,$(DEMO_HOME))' || { echo "Pas de démo sous $(DEMO_HOME) : lancez make demo."; exit 1; }
	PREFECT_HOME='$(DEMO_HOME)/prefect' PREFECT_UI_API_URL=http://127.0.0.1:4201/api \
	  PREFECT_SERVER_ENCRYPTION_KEY="$$(cat '$(call KEY_FILE,$(DEMO_HOME))')" \
	  $(BIN)/prefect server start --host 127.0.0.1 --port 4201

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
