# Decoded: `make run` starts the site on a fresh machine, `make test` runs the whole suite.
SHELL := /bin/sh
PYTHON_BIN := $(shell scripts/find-python)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/python -m pip --disable-pip-version-check -q
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint messages compilemessages migrate demo lock system-deps js-deps clean prod-check bench drills

$(VENV)/bin/python:
	@test -n "$(PYTHON_BIN)" || { echo "Python 3.12+ is required" >&2; exit 1; }
	$(PYTHON_BIN) -m venv $(VENV)

$(VENV)/.installed-base: requirements/base.txt | $(VENV)/bin/python
	$(PIP) install -r requirements/base.txt
	@touch $@

$(VENV)/.installed-dev: requirements/dev.txt | $(VENV)/bin/python
	$(PIP) install -r requirements/dev.txt
	@touch $@ $(VENV)/.installed-base

# Compiles locale/*/LC_MESSAGES/*.po with babel, so no system gettext is needed.
compilemessages: $(VENV)/.installed-base
	@for po in locale/*/LC_MESSAGES/*.po; do \
		$(VENV)/bin/pybabel compile -i "$$po" -o "$${po%.po}.mo" || exit 1; \
	done

migrate: $(VENV)/.installed-base
	$(PY) manage.py migrate --noinput -v 0

demo: migrate compilemessages
	$(PY) manage.py load_demo

run: demo
	@echo ""
	@echo "  Decoded is starting on http://$(HOST):$(PORT)/"
	@echo "    public site (EN):  http://$(HOST):$(PORT)/en/"
	@echo "    public site (RU):  http://$(HOST):$(PORT)/ru/"
	@echo "    organiser admin:   http://$(HOST):$(PORT)/en/admin/"
	@echo "    demo organiser:    see the lines printed by load_demo above"
	@echo "  Emails are printed on this console. Stop with Ctrl-C."
	@echo ""
	$(PY) manage.py send_due_messages --schedule
	$(PY) manage.py purge_expired_personal_data --schedule
	@# One task worker beside the dev server: emails, reminders and certificates run there.
	$(PY) manage.py db_worker --interval 2 & W=$$!; trap 'kill $$W 2>/dev/null' EXIT INT TERM; \
		$(PY) manage.py runserver $(HOST):$(PORT)

# Debian packages the suite needs: Chromium for browser tests, HarfBuzz's subsetter for
# WeasyPrint. Installed only when missing (needs root, as on CI).
system-deps:
	@scripts/ensure-system-deps

# Mozilla's ical.js (Thunderbird's parser), the second parser of the calendar tests.
tests/js/node_modules/.package-lock.json: tests/js/package-lock.json
	cd tests/js && npm ci --no-audit --no-fund --ignore-scripts --silent

js-deps: tests/js/node_modules/.package-lock.json

test: $(VENV)/.installed-dev compilemessages system-deps js-deps
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .

# Extracts strings into locale/ru (needs GNU gettext; only translators and developers run it).
messages: $(VENV)/.installed-dev
	$(PY) manage.py makemessages -l ru --no-obsolete --no-location --ignore=.venv --ignore=bench

# Regenerates the pinned requirement files from pyproject.toml.
lock: $(VENV)/.installed-dev
	$(PIP) install uv
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.12 --universal -q -o requirements/base.txt
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.12 --universal -q -o requirements/dev.txt

# Production (issue 9): the production configuration (DJANGO_ENV=production, gunicorn,
# PostgreSQL, Redis) on loopback, smoke-tested, then stopped. Starts PostgreSQL/Redis if down.
prod-check: $(VENV)/.installed-dev compilemessages system-deps
	scripts/services postgres redis
	$(PY) scripts/smoke_test.py

# Load and throughput benchmarks against a plain-Django floor (bench/run.py); writes
# bench/results/<timestamp>.md and bench/results/latest.md. Installs wrk with apt when missing.
bench: $(VENV)/.installed-dev compilemessages system-deps
	@command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
	scripts/services postgres redis
	$(PY) bench/run.py

# Fault drills (bench/drills.py, docs/deploy.md "Fault drills"): a db_worker SIGKILLed in the middle
# of a certificate batch and of a reminder run, the SMTP server stopped, PostgreSQL restarted during
# a registration rush (a throwaway cluster made with initdb, never the shared server). Prints
# PASS/FAIL with the evidence, writes bench/results/drills-latest.md, fails if a drill fails.
drills: $(VENV)/.installed-dev compilemessages
	scripts/services postgres redis
	$(PY) bench/drills.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
