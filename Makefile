# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
DEV_ENV := DEBUG=1 OMNISYNC_SANDBOX=1 OMNISYNC_SITE_URL=http://$(HOST):$(PORT)

.PHONY: install run test lint bench messages

$(BIN)/.installed: requirements.txt
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "omnisync needs Python 3.11 or newer")'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

install: $(BIN)/.installed

# Compiled catalogues are committed; refresh them when gettext is here.
messages: install
	@if command -v msgfmt >/dev/null 2>&1; then $(DEV_ENV) $(BIN)/python manage.py compilemessages -v0; \
	else echo "msgfmt not found: using the committed translations"; fi

run: install messages
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py demo_seed
	$(DEV_ENV) $(BIN)/python manage.py ensure_admin
	@echo "omnisync: http://$(HOST):$(PORT)/ (Ctrl-C stops the server and the job cluster)"
	@trap 'kill 0' INT TERM EXIT; \
	$(DEV_ENV) $(BIN)/python manage.py qcluster & \
	$(DEV_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT) --noreload & \
	wait

lint: install
	$(BIN)/ruff check .

test: install messages
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(DEV_ENV) $(BIN)/python -m bench $(BENCH_ARGS)
