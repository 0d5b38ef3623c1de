# The two commands: `make run` (set up everything and serve the demo) and `make test`.
# Each does every set-up step it needs on a fresh machine; both are safe to repeat.

PYTHON ?=
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup messages lint format clean

run: setup
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py make_demo_certificate
	@echo "TTHC Scoring: http://$(HOST):$(PORT)/  (demo users: see README.md)"
	sh bin/run-dev $(HOST):$(PORT)

test: setup
	@sh bin/system-deps
	$(BIN)/pytest

setup: $(VENV)/.installed messages

$(BIN)/python:
	@py=$$(PYTHON="$(PYTHON)" sh bin/find-python) || exit 1; \
	  echo "Creating $(VENV) with $$py"; \
	  "$$py" -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The compiled catalogues are shipped; recompile when gettext is there so edits show at once.
messages: | $(BIN)/python
	@if command -v msgfmt >/dev/null 2>&1; then \
	  $(BIN)/python manage.py compilemessages --ignore=.venv -v0; \
	else echo "msgfmt not found: using the shipped compiled translations"; fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var db.sqlite3 .pytest_cache .ruff_cache
