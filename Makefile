# Alur: `make run` brings the whole stack up; `make test` runs the whole test suite.
# Both make their own virtualenv (.venv) with python3 and install what they need.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test fuzz bench bench-scale lint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m alur.run

test: $(STAMP)
	$(PY) -m pytest

fuzz: $(STAMP)
	$(PY) -m tests.fuzz_stack

bench: $(STAMP)
	$(PY) -m bench.throughput

bench-scale: $(STAMP)
	$(PY) -m bench.scale --db $(or $(DB),sqlite)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy alur api activities db sop workflows worker.py bench
