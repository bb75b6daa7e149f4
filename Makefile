# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_STARTS_ON ?= today
# The suite runs on every core; on PostgreSQL each worker gets its own database.
PYTEST_ARGS ?= -n auto
SYSTEM_PACKAGES := fonts-nanum fonts-dejavu-core poppler-utils zbar-tools chromium

.PHONY: run test lint install install-dev system-deps frontend translations i18n-update db-upgrade demo \
        bench bench-booths bench-meetings bench-badges bench-scan bench-scan-config clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed frontend translations
install-dev: $(VENV)/.installed-dev frontend translations system-deps

# Fonts for Hangul (and the Latin letters NanumGothic lacks) in PDFs, PDF/QR readers and Chromium for the tests. Installed
# only when missing, and only where we may (root); otherwise the tests that need
# them say so.
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "note: missing system packages:$$missing (install them with apt-get)"; fi; \
	fi

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p node_modules && touch $@

frontend: node_modules/.installed
	@mkdir -p static/vendor
	@$(PYTHON) scripts/vendor_assets.py

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(BIN)/activate
	$(BIN)/pybabel compile --use-fuzzy -d translations -l $* >/dev/null

translations: $(VENV)/.installed translations/ko/LC_MESSAGES/messages.mo translations/en/LC_MESSAGES/messages.mo

# Extract every marked string and merge it into both catalogs.
i18n-update: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k plural_forms:1,2 --sort-output --no-location -o translations/messages.pot . >/dev/null
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching >/dev/null

db-upgrade: install
	$(BIN)/flask db upgrade

# The demo's fair opens today (in Seoul) unless told otherwise, so that its badges
# are valid at the gates and its meetings can still be booked:
# `make run DEMO_STARTS_ON=2025-09-17` loads it on the days it was held.
demo: db-upgrade
	$(BIN)/flask seed-demo --starts-on $(DEMO_STARTS_ON)

run: demo
	@$(BIN)/flask demo-accounts
	@echo "Serving on http://$(HOST):$(PORT)/"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

test: install-dev lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: bench-booths bench-meetings bench-badges bench-scan bench-scan-config

bench-booths: install
	$(BIN)/python benchmarks/booths.py

bench-meetings: install
	$(BIN)/python benchmarks/meetings.py

bench-badges: install
	$(BIN)/python benchmarks/badges.py

bench-scan: install
	$(BIN)/python benchmarks/scan_load.py

bench-scan-config: install
	$(BIN)/python benchmarks/scan_config.py

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .ruff_cache
	find translations -name '*.mo' -delete
