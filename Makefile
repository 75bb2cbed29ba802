# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PYTHONPATH := src
PGPORT ?= 54329
PG_URL := postgres://postgres@127.0.0.1:$(PGPORT)/credo
PYTEST_WORKERS ?= 2

.PHONY: run test test-sqlite test-postgres test-browser setup system-deps messages lint bench demo-db clean

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q --disable-pip-version-check uv

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --extra dev --quiet
	touch $@

setup: $(VENV)/.synced messages

system-deps:
	bash scripts/system-deps.sh

messages: $(VENV)/.synced
	cd src/credo && ../../$(PY) -m django compilemessages --settings=credo.settings.test -v 0

run: setup
	@command -v msgfmt >/dev/null || bash scripts/system-deps.sh
	mkdir -p var
	$(PY) -m credo.cli migrate --no-input -v 0
	$(PY) -m credo.cli demo --customers $${DEMO_CUSTOMERS:-300} --seed 1 --if-empty
	@echo "credo is starting on http://127.0.0.1:8000  -- demo login: demo / demo-password-1 (administrator)"
	$(PY) -m credo.cli serve 127.0.0.1:8000 --insecure

test: system-deps setup
	$(PY) -m credo.cli check-catalogue
	$(VENV)/bin/ruff check src tests
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite:
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest -n $(PYTEST_WORKERS) -q

test-postgres:
	PGPORT=$(PGPORT) bash scripts/pg.sh start
	DATABASE_URL=$(PG_URL) DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest -n $(PYTEST_WORKERS) -q -m "not browser"; \
	  status=$$?; PGPORT=$(PGPORT) bash scripts/pg.sh stop; exit $$status

lint: setup
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests
	$(VENV)/bin/mypy

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) $(TOOLS) var
