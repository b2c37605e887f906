# kefu -- developer / CI entry points (GNU make).
#   make run     set up .venv and start the demo (web server + task worker)
#   make test    full check: ruff, pytest on SQLite (incl. browser), pytest on PostgreSQL
#   make lint    ruff check + format check;  make format  apply ruff fixes/formatting
#   make bench   benchmarks;  make lock  regenerate requirements.lock
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
SRC := kefu tests bench scripts
# pytest-xdist workers; `make test XDIST=` runs serially.
XDIST ?= -n 2
PYTEST_ARGS ?=
DEMO_ARGS ?=
# Browser tests drive Debian's Chromium (Playwright cannot download its own here).
export KEFU_CHROMIUM ?= /usr/bin/chromium

.PHONY: help run test test-sqlite test-postgres lint format bench lock lock-upgrade \
        venv venv-dev chromium pg pg-stop

help:
	@sed -n '2,5p' Makefile | sed 's/^# //'

venv:
	scripts/setup-venv.sh

venv-dev:
	scripts/setup-venv.sh --dev

chromium:
	scripts/ensure-chromium.sh

pg:
	scripts/ensure-postgres.sh

pg-stop:
	scripts/ensure-postgres.sh stop

run: venv
	$(BIN)/kefu demo $(DEMO_ARGS)

# The suite runs the mypyc-compiled inspection engine (as `make run` does, built by setup-venv),
# and the inspection tests once more as pure Python, the same source uncompiled.
test: venv-dev chromium
	$(BIN)/ruff check $(SRC)
	$(BIN)/python scripts/build-compiled.py --require
	KEFU_REQUIRE_COMPILED=1 $(MAKE) --no-print-directory test-sqlite
	KEFU_REQUIRE_COMPILED=1 $(MAKE) --no-print-directory test-postgres
	KEFU_PURE_PYTHON=1 env -u DATABASE_URL $(BIN)/pytest -q $(XDIST) tests/domain/inspection

# The whole suite, browser tests included, on SQLite (the default database).
test-sqlite: venv-dev
	env -u DATABASE_URL $(BIN)/pytest -q $(XDIST) $(PYTEST_ARGS)

# Everything but the browser tests again on PostgreSQL.
test-postgres: venv-dev
	url="$$(scripts/ensure-postgres.sh | tail -n 1)"; \
	[[ "$$url" == postgres://* ]] || { echo "ensure-postgres.sh gave no DATABASE_URL" >&2; exit 1; }; \
	DATABASE_URL="$$url" $(BIN)/pytest -q $(XDIST) -m "not browser" $(PYTEST_ARGS)

lint: venv-dev
	$(BIN)/ruff check $(SRC)
	$(BIN)/ruff format --check $(SRC)

format: venv-dev
	$(BIN)/ruff check --fix $(SRC)
	$(BIN)/ruff format $(SRC)

bench: venv
	$(BIN)/python -m bench.deadlines
	$(BIN)/python -m bench.inspection
	KEFU_PURE_PYTHON=1 $(BIN)/python -m bench.inspection

# requirements.lock = pip freeze of a dev venv (setuptools included: mypyc builds with it), minus
# kefu itself and pip. $(1) = venv dir.
write_lock = { printf '%s\n' \
    '\# requirements.lock -- pip constraints pinning every third-party package of the' \
    '\# kefu virtualenv (runtime + [dev] extra). Used as `pip install -c requirements.lock -e .[dev]`' \
    '\# by scripts/setup-venv.sh. Do not edit by hand; regenerate with:' \
    '\#' \
    '\#     make lock' \
    '\#' \
    '\# (installs the dev venv, then `.venv/bin/pip freeze --exclude-editable`, minus kefu itself).'; \
  $(1)/bin/pip freeze --all --exclude-editable | grep -viE '^(kefu([=@ ]|$$)|pip==|\#)'; \
  } > requirements.lock.tmp && mv requirements.lock.tmp requirements.lock && \
  echo "requirements.lock: $$(grep -vc '^\#' requirements.lock) packages pinned"

# Pin what .venv has now (after installing any newly declared dependency).
lock: venv-dev
	@$(call write_lock,$(VENV))

# Re-resolve everything to the newest versions pyproject.toml allows, pin them, sync .venv.
lock-upgrade:
	tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	python3 -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip; \
	"$$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check -e '.[dev,compiled]'; \
	$(call write_lock,"$$tmp/venv")
	scripts/setup-venv.sh --dev
