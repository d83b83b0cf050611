# Anbud: the commands the README names. Everything runs from a local .venv.
SHELL := /bin/bash
.DEFAULT_GOAL := help

HOST ?= 127.0.0.1
PORT ?= 8000
WEB_CONCURRENCY ?= 2
WEB_THREADS ?= 2
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Python keeps compiled modules in __pycache__ (git ignores it): each test worker and each
# manage.py command would otherwise compile every module again, about 5 s per process.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help venv install run serve migrate demo test test-fast screenshots lint openapi openapi-check contract messages worker beat bench clean

help:
	@echo "make run            set up, migrate, load demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test           the whole test suite (DATABASE_URL picks the database)"
	@echo "make screenshots    the browser tests, keeping each page they check as a PNG"
	@echo "make lint           ruff + import-linter + mypy + migrations check"
	@echo "make openapi        regenerate openapi.yaml;  make openapi-check  fail when it drifted"
	@echo "make contract       the OpenAPI gates: spec validator, Redocly and Spectral lint, a generated client"
	@echo "make messages       update locale/sv/LC_MESSAGES/django.po and compile django.mo (needs gettext)"
	@echo "make worker         a Celery worker (needs CELERY_BROKER_URL)"
	@echo "make beat           the periodic upkeep: stuck evaluations, orphan files (needs CELERY_BROKER_URL)"
	@echo "make bench          benchmarks in bench/"

$(PY):
	@PYBIN="$$(command -v python3.12 || true)"; \
	if [ -z "$$PYBIN" ] && command -v pyenv >/dev/null 2>&1; then \
	  PYBIN="$$(pyenv root)/versions/$$(pyenv versions --bare | grep -E '^3\.12(\.|$$)' | sort -V | tail -1)/bin/python3.12"; \
	fi; \
	if [ -z "$$PYBIN" ] || [ ! -x "$$PYBIN" ]; then \
	  for c in $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	    if [ -x "$$c" ]; then PYBIN="$$c"; break; fi; done; \
	fi; \
	if [ -z "$$PYBIN" ] || [ ! -x "$$PYBIN" ]; then \
	  echo "Anbud needs Python 3.12: install it (e.g. 'pyenv install 3.12') and run make again." >&2; exit 1; \
	fi; \
	echo "Creating $(VENV) with $$PYBIN"; \
	"$$PYBIN" -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip==26.3" "setuptools==84.2.1"
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

venv install: $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo_data

run: demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@$(PY) manage.py demo_banner --host $(HOST) --port $(PORT)
	WEB_CONCURRENCY=$(WEB_CONCURRENCY) WEB_THREADS=$(WEB_THREADS) $(PY) -m config.server --host $(HOST) --port $(PORT)

test: $(STAMP)
	DB_CONN_MAX_AGE=$${DB_CONN_MAX_AGE:-0} $(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder -p no:cacheprovider

# The pages the browser tests check, as a person sees them (in English and Swedish).
SHOTS ?= /tmp/anbud-screenshots
screenshots: $(STAMP)
	ANBUD_SCREENSHOTS=$(SHOTS) $(PY) -m pytest -p no:cacheprovider -q tests/browser
	@echo "screenshots: $(SHOTS)"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

openapi: $(STAMP)
	DATABASE_URL= $(PY) manage.py spectacular --validate --fail-on-warn --file openapi.yaml

# The contract's gates (README, "For integrators"): the committed document is valid
# OpenAPI 3.1, Redocly's recommended rules and Spectral's OpenAPI rules (.spectral.yaml) pass
# with no error and no warning, and openapi-python-client generates a client from it with its
# default settings and no warning (into build/, not committed).
REDOCLY_VERSION := 2.77.0
SPECTRAL_VERSION := 6.16.3
contract: openapi-check
	$(VENV)/bin/openapi-spec-validator openapi.yaml
	@mkdir -p build/node
	@test -x build/node/node_modules/.bin/redocly || (cd build/node && npm install --no-audit --no-fund --silent @redocly/cli@$(REDOCLY_VERSION))
	build/node/node_modules/.bin/redocly lint openapi.yaml --config redocly.yaml
	@test -x build/node/node_modules/.bin/spectral || (cd build/node && npm install --no-audit --no-fund --silent @stoplight/spectral-cli@$(SPECTRAL_VERSION))
	build/node/node_modules/.bin/spectral lint openapi.yaml --ruleset .spectral.yaml --fail-severity=warn
	@rm -rf build/client && mkdir -p build
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/openapi-python-client generate --path openapi.yaml \
	  --config clients/openapi-python-client.yaml --meta none --output-path build/client > build/client.log 2>&1
	@if grep -iE "warning|cannot parse|unable to" build/client.log; then \
	  echo "openapi-python-client warned (build/client.log)" >&2; exit 1; fi
	@echo "client generated without warnings: build/client ($$(find build/client -name '*.py' | wc -l) modules)"

openapi-check: $(STAMP)
	@DATABASE_URL= $(PY) manage.py spectacular --validate --fail-on-warn --file /tmp/anbud-openapi-check.yaml
	@diff -u openapi.yaml /tmp/anbud-openapi-check.yaml && echo "openapi.yaml is up to date" || \
	  (echo "openapi.yaml is out of date: run 'make openapi' and commit it" >&2; exit 1)

# The Swedish catalogue: collect the marked texts into django.po (translate the new entries),
# then compile django.mo; both are committed, so running Anbud needs no gettext.
messages: $(STAMP)
	$(PY) manage.py makemessages -l sv --no-location --ignore=.venv --ignore=tests --ignore=bench --ignore=var
	$(PY) manage.py compilemessages -l sv --ignore=.venv

worker: $(STAMP)
	$(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=2

beat: $(STAMP)
	@mkdir -p var
	$(VENV)/bin/celery -A config beat --loglevel=INFO --schedule var/celerybeat-schedule

bench: $(STAMP)
	@for b in bench/*.py; do case "$$(basename $$b)" in __init__.py|_*) continue;; esac; echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf var/static .pytest_cache build/test-db
