# Aduan: `make run` starts the service, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install browser run test openapi lint bench loadtest

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,deploy]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# the browser tests drive Debian's Chromium (Playwright cannot download its own here)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## make run: migrate SQLite under var/, load the Cimahi demo data, serve on 127.0.0.1:8000 with the scheduler
run: install
	$(PY) scripts/run_dev.py

## make test: the whole suite on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set,
##   in parallel (pytest-xdist; each worker has its own PostgreSQL database, <name>_gw0, ...);
##   TEST_WORKERS=0 runs it in one process
TEST_WORKERS ?= auto
test: install browser
	$(PY) -m pytest -n $(TEST_WORKERS)

## make openapi: regenerate the committed contract
openapi: install
	$(VENV)/bin/flask --app backend.app openapi write --format json openapi/openapi.json

## make lint: ruff (lint and format) on everything, mypy on backend/
lint: install
	$(VENV)/bin/ruff check backend tests scripts
	$(VENV)/bin/ruff format --check backend tests scripts
	$(VENV)/bin/mypy

## make bench: figures on PostgreSQL under gunicorn at 1,000,000 complaints (docs/PERFORMANCE.md)
##   BENCH_ARGS: --complaints N (seeds up to N first), --intake-requests, --intake-rounds, --read-requests,
##   --sweep-open, --workers, --threads, --processes, --clients, --skip-intake, --skip-sweep,
##   --skip-reads, --skip-exports (scripts/bench_exports.py alone: CSV/XLSX rows/s, peak memory);
##   ADUAN_BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/aduan_bench)
BENCH_ARGS ?=
bench: install
	$(PY) scripts/bench.py $(BENCH_ARGS)

## make loadtest: Locust plays a city's mix (citizens, officers, supervisors, third-party apps) at
##   rising rates on PostgreSQL under gunicorn at 1,000,000 complaints; prints the sustained rate
##   with p95 < 200 ms and no error, and where it breaks. LOADTEST_ARGS: --rates, --step-seconds,
##   --workers, --threads, --complaints; ADUAN_BENCH_DATABASE_URL as for make bench
LOADTEST_ARGS ?=
loadtest: install
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) scripts/loadtest.py $(LOADTEST_ARGS)
