# Pasar Mandiri: `make run` serves the demo, `make test` runs everything CI runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app marketplace
PYTEST_ARGS ?=

.PHONY: run install install-test translations extract-messages lint test test-sqlite \
        test-postgres browser postgres clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Catalogs are compiled here, never committed as .mo.
translations: $(VENV)/.installed
	@for dir in translations/*/; do $(BIN)/pybabel compile -d "$$dir" >/dev/null || exit 1; done

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract --quiet -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .

run: translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

# Debian's Chromium for the browser tests (Playwright's own download does not work offline),
# and PostgreSQL 15's server binaries with the unprivileged user the test cluster runs as.
browser:
	@command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }

postgres:
	@test -x /usr/lib/postgresql/15/bin/initdb || { apt-get update -q && \
		apt-get install -y -q postgresql-15; }
	@id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres

test-sqlite: install-test translations browser
	$(BIN)/pytest --db sqlite $(PYTEST_ARGS)

test-postgres: install-test translations browser postgres
	$(BIN)/pytest --db postgres $(PYTEST_ARGS)

test: lint test-sqlite test-postgres

clean:
	rm -rf $(VENV) instance .bench
