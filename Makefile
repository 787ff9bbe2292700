# Pasar Mandiri: `make run` serves the demo, `make test` runs everything CI runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app marketplace
#: Port of `make run` (e.g. `make run PORT=8000`).
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: run install install-test translations extract-messages lint test test-sqlite \
        test-postgres test-browser test-cluster browser postgres production-parts \
        system-packages clean

# uv installs the packages: a new .venv's ~100 packages in about 4 s, where pip took 30-45 s
# (a tenth of `make test` from a fresh clone, with one core idle). pip remains the fallback.
# uv compiles no bytecode, and some machines set PYTHONDONTWRITEBYTECODE: unset here, each
# module is compiled once, when first imported, not in every process (each test run, gunicorn
# worker and CLI call) nor all ~8,000 at install.
unexport PYTHONDONTWRITEBYTECODE
UV_VERSION := 0.13.9
define pip_install
	$(BIN)/uv pip install -q --python $(BIN)/python $(1) || $(BIN)/pip install -q $(1)
endef

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q uv==$(UV_VERSION)

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(call pip_install,-e .)
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/python
	$(call pip_install,-e '.[test]')
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Catalogs are compiled here, never committed as .mo.
translations: $(VENV)/.installed
	@for dir in translations/*/; do $(BIN)/pybabel compile -d "$$dir" >/dev/null || exit 1; done

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract --quiet -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .

# The demo's NIK hash key: for `make run` only, never set by the app itself (production without
# NIK_HASH_KEY refuses roster imports and NIK matching).
DEMO_NIK_HASH_KEY := demo-only-nik-hash-key-for-make-run-not-for-production

# Links in the demo's email (the seed's orders, password resets) point at this run's port.
run: translations
	$(FLASK) db upgrade
	LOCAL_SERVER_NAME=127.0.0.1:$(PORT) $(FLASK) seed-demo
	NIK_HASH_KEY="$${NIK_HASH_KEY:-$(DEMO_NIK_HASH_KEY)}" LOCAL_SERVER_NAME=127.0.0.1:$(PORT) \
		$(FLASK) run --host 127.0.0.1 --port $(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

# Debian's packages, each installed when missing: Chromium for the browser tests (Playwright's
# own download does not work offline), PostgreSQL 15's server binaries with the unprivileged user
# the test cluster runs as, and redis-server, nginx and wrk for the production path (jobs,
# limits, cluster). `system-packages` installs all of them in one apt-get run.
define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${db:Status-Status}' $$p 2>/dev/null \
		| grep -qx installed || echo $$p; done); \
	test -z "$$missing" || { apt-get update -q && apt-get install -y -q $$missing; }
endef
CHROMIUM_PACKAGES := chromium
POSTGRES_PACKAGES := postgresql-15
PRODUCTION_PACKAGES := redis-server nginx wrk

browser:
	$(call apt_install,$(CHROMIUM_PACKAGES))

postgres:
	$(call apt_install,$(POSTGRES_PACKAGES))
	@id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres

production-parts:
	$(call apt_install,$(PRODUCTION_PACKAGES))

system-packages:
	$(call apt_install,$(CHROMIUM_PACKAGES) $(POSTGRES_PACKAGES) $(PRODUCTION_PACKAGES))
	@id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres

# `make test` runs each test once where the database makes no difference and on both
# databases where it does: unit and web tests on SQLite (with the tests that touch no
# database, marked `nodb` by tests/conftest.py), the same minus `nodb` on PostgreSQL, and the
# browser journeys once, on SQLite. The three runs share the two cores (-j2); each prints its
# output when it ends. PYTEST_ARGS narrows every run (a run left with nothing to do passes).
test-sqlite: install-test translations production-parts
	$(BIN)/pytest --db sqlite --part unit-web --durations=15 $(PYTEST_ARGS)

test-postgres: install-test translations postgres production-parts
	$(BIN)/pytest --db postgres --part db --durations=15 $(PYTEST_ARGS)

test-browser: install-test translations browser
	$(BIN)/pytest --db sqlite --part browser $(PYTEST_ARGS)

# Installs first: pip and apt-get side by side (never two of one kind at once), then the runs
# two at a time, in this order: the two database runs first, then the browser journeys and the
# cluster test, each as soon as a run before it ends.
test:
	$(MAKE) --no-print-directory -j2 --output-sync=target install-test system-packages
	$(MAKE) --no-print-directory lint translations
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres test-browser \
		test-cluster

# The production path end to end, once (not per database): PostgreSQL primary + streaming
# replica, Redis, moto (S3), two gunicorn nodes, an RQ worker and nginx, on free local ports.
test-cluster: install-test translations postgres production-parts
	$(BIN)/pytest --cluster -s tests/cluster $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .bench

# --- catalog and discovery (issue 4): benchmarks and Lighthouse -------------------------------
# `make bench [DB=sqlite|postgres] [SIZE=100k|1m] [DURATION=6] [CACHE=on|off|both]`: seeds once,
# serves with gunicorn (2 workers), drives each page with wrk and prints the table.
DB ?= sqlite
SIZE ?= 100k
DURATION ?= 6
CACHE ?= both
LIGHTHOUSE := .bench/node/node_modules/.bin/lighthouse

.PHONY: bench lighthouse

bench: install translations
	@command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
	$(call pip_install,gunicorn)
	$(BIN)/python -m bench.run --db $(DB) --size $(SIZE) --duration $(DURATION) --cache $(CACHE)

$(LIGHTHOUSE):
	mkdir -p .bench/node
	cd .bench/node && { test -f package.json || echo '{"private":true}' > package.json; } \
		&& npm install --no-audit --no-fund -q lighthouse@12.2.3

# Lighthouse (mobile) performance and accessibility on home, search and product pages of the
# benchmark data set, plus each page's HTML+CSS+JS weight compressed.
lighthouse: install translations browser $(LIGHTHOUSE)
	$(call pip_install,gunicorn)
	CHROME_PATH=/usr/bin/chromium LIGHTHOUSE=$(LIGHTHOUSE) $(BIN)/python -m bench.lighthouse

# Vendor area figures (issue 3): image pipeline time per 12 MP photo, CSV import of 5,000 rows,
# and seed-demo at the benchmark size (10,000 stores / 100,000 products) on a scratch database.
.PHONY: bench-vendor
bench-vendor: install-test translations
	$(BIN)/pytest -p no:warnings -q -s --db sqlite \
		tests/unit/test_images.py::test_twelve_megapixel_photo_time \
		tests/unit/test_vendor_import.py::test_five_thousand_rows_import_time
	rm -rf /tmp/pm-seed-bench && mkdir -p /tmp/pm-seed-bench
	export DATABASE_URL=sqlite:////tmp/pm-seed-bench/bench.db MEDIA_DIR=/tmp/pm-seed-bench/media \
		INSTANCE_DIR=/tmp/pm-seed-bench && $(FLASK) db upgrade && \
		time $(FLASK) seed-demo --quiet --stores 10000 --products 100000 --orders 0

# Sales dashboard (issue 6): one store with 50,000 orders, dashboard server time per period,
# on SQLite and on a throwaway PostgreSQL cluster.
.PHONY: bench-sales
bench-sales: install-test translations
	$(BIN)/python bench/sales_dashboard.py --orders 50000 --db sqlite
	$(BIN)/python bench/sales_dashboard.py --orders 50000 --db postgres

# --- staff area (issue 7): programme dashboard benchmark -------------------------------------
# `make bench-staff [DB=sqlite|postgres]`: 10,000 stores / 500,000 orders, summary refresh,
# then the server time of /staff/programme.
.PHONY: bench-staff
bench-staff: install translations
	$(BIN)/python -m bench.staff_programme --db $(DB)

# --- cart, checkout, payments (issue 5) ------------------------------------------------------
# `make bench-checkout [BUYERS=300] [THREADS=1]`: orders placed per second through POST /checkout.
BUYERS ?= 300
THREADS ?= 1
.PHONY: bench-checkout
bench-checkout: install translations
	$(BIN)/python bench/checkout_testclient.py --buyers $(BUYERS) --threads $(THREADS)
