# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
DEV_ENV := DEBUG=1 OMNISYNC_SANDBOX=1 OMNISYNC_SITE_URL=http://$(HOST):$(PORT)

.PHONY: install install-dev run test lint bench messages

$(BIN)/python:
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "omnisync needs Python 3.11 or newer")'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# What runs in production.
$(BIN)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

# The test and lint tools on top.
$(BIN)/.installed-dev: requirements.txt requirements-dev.txt $(BIN)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed
install-dev: $(BIN)/.installed-dev

# Local settings for `python manage.py …` after `make run` (git-ignored; manage.py reads it,
# production's WSGI server does not): development mode, the sandbox, a generated secret key.
.env:
	@printf '# Written by `make run` for local use; not read in production.\nDEBUG=1\nOMNISYNC_SANDBOX=1\nOMNISYNC_SITE_URL=http://%s:%s\nSECRET_KEY=%s\n' \
		"$(HOST)" "$(PORT)" "$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "omnisync: wrote .env (local settings for manage.py commands)"

# Compiled catalogues are committed; refresh them when gettext is here.
messages: install
	@if command -v msgfmt >/dev/null 2>&1; then $(DEV_ENV) $(BIN)/python manage.py compilemessages -v0; \
	else echo "msgfmt not found: using the committed translations"; fi

run: install messages .env
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py demo_seed
	$(DEV_ENV) $(BIN)/python manage.py ensure_admin
	@echo "omnisync: http://$(HOST):$(PORT)/ (Ctrl-C stops the server and the job cluster)"
	@trap 'kill 0' INT TERM EXIT; \
	$(DEV_ENV) $(BIN)/python manage.py qcluster & \
	$(DEV_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT) --noreload & \
	wait

lint: install-dev
	$(BIN)/ruff check .

test: install-dev messages
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install-dev
	$(DEV_ENV) $(BIN)/python -m bench $(BENCH_ARGS)
