# Two commands do everything on a fresh machine: `make run` and `make test`.
#   make run    install what is missing, migrate, load the demo portfolio once, serve on :8000
#   make test   system packages, venv, catalogue check, ruff, suite on SQLite, suite on PostgreSQL
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
CREDO := $(PY) -m credo.cli
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Python comes from the machine (pyenv 3.12 via .python-version); never download one.
export UV_PYTHON_DOWNLOADS := never
export PYTHONPATH := $(CURDIR)/src
PGPORT ?= 54329
PG_URL := postgres://postgres@127.0.0.1:$(PGPORT)/credo
PYTEST_WORKERS ?= 2
PYTEST := DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest -n $(PYTEST_WORKERS) -q
DEMO_CUSTOMERS ?= 300
# e.g. DEMO_FLAGS=--fast: bulk load in about a second, without per-record change history
DEMO_FLAGS ?=

.PHONY: run test test-sqlite test-postgres test-browser setup system-deps gettext messages \
	catalogue lint bench clean

# uv itself comes from PyPI into .tools (no curl | sh); it then builds .venv from uv.lock.
$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q --disable-pip-version-check uv

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --extra dev --extra modeling --quiet
	touch $@

setup: $(VENV)/.synced messages

system-deps:
	bash scripts/system-deps.sh

gettext:
	bash scripts/system-deps.sh gettext

# Compile the zh-hans catalogue (.mo files are build output, not committed).
messages: gettext $(VENV)/.synced
	@if compgen -G "src/credo/locale/*/LC_MESSAGES/*.po" >/dev/null; then \
	  cd src/credo && $(CURDIR)/$(PY) -m django compilemessages --settings=credo.settings.test -v 0; \
	else echo "no catalogue yet: skipping compilemessages"; fi

run: setup
	mkdir -p var
	$(CREDO) migrate --no-input -v 0
	$(CREDO) demo --customers $(DEMO_CUSTOMERS) --seed 1 --if-empty $(DEMO_FLAGS)
	@echo "credo is starting on http://127.0.0.1:8000  -- demo login: demo / demo-password-1 (administrator)"
	$(CREDO) serve 127.0.0.1:8000 --insecure

test: system-deps setup
	$(CREDO) check-catalogue
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/mypy
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

catalogue: setup
	$(CREDO) check-catalogue

# The whole suite, browser tests included, on SQLite (in-memory database per worker).
test-sqlite: $(VENV)/.synced
	$(PYTEST)

# The suite again on a throw-away PostgreSQL cluster; browser tests exercise the UI, not the
# database, and already ran on SQLite. The cluster is stopped whatever the outcome.
test-postgres: $(VENV)/.synced
	PGPORT=$(PGPORT) bash scripts/pg.sh start
	status=0; DATABASE_URL=$(PG_URL) $(PYTEST) -m "not browser" || status=$$?; \
	  PGPORT=$(PGPORT) bash scripts/pg.sh stop; exit $$status

test-browser: $(VENV)/.synced
	$(PYTEST) -m browser

lint: setup
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests
	$(VENV)/bin/mypy

bench: setup
	$(UV) sync --frozen --extra dev --extra modeling --extra bench --quiet
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) $(TOOLS) var
