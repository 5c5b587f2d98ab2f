# Staff Passport: `make run` serves the product on the embedded store; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench postgres chromium interop demo clean assets

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# A local passphrase for the embedded store's key store, made once and kept out of git.
.env:
	@umask 077; echo "PASSPORT_KEY_PASSPHRASE=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(32))')" > .env
	@echo "wrote .env with a new key-store passphrase"

run: $(STAMP) .env
	$(BIN)/passport demo
	$(BIN)/passport serve --host 127.0.0.1 --port 8000

# PostgreSQL from Debian's packages when it is absent; the tests start their own throwaway cluster.
postgres:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	else echo "installing PostgreSQL from Debian packages"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; fi

# Chromium from Debian's packages when it is absent, for the page tests (tests/pages). They drive
# /usr/bin/chromium through Playwright; `playwright install` is never run (it fetches browsers
# from a CDN). fonts-liberation gives screenshots the metric-compatible Arial/Times faces.
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	else echo "installing Chromium from Debian packages"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends chromium fonts-liberation >/dev/null; fi

# The browser assets (NHS design system, Swagger UI, axe-core) from npm, pinned by version and
# hash; only to upgrade them: the built files are committed, so nothing else needs npm.
assets:
	scripts/vendor_assets.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

# The pinned Digital Bazaar libraries the interop tests run, installed once before the tests
# start (the two test workers would otherwise both run `npm ci` in the same folder).
interop:
	@cd tests/interop && if [ node_modules/.package-lock.json -nt package-lock.json ]; then :; \
	elif command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent; fi

# Two workers, each test file on one of them: most tests wait on servers, not on the CPU.
test: $(STAMP) postgres chromium lint interop
	$(BIN)/pytest -q -n 2 --dist loadfile

bench: $(STAMP)
	$(BIN)/python -m bench.ledger
	$(BIN)/python -m bench.issuance
	$(BIN)/python -m bench.log
	$(BIN)/python -m bench.rdfc

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
