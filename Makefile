# One task runner: CI and the README call these targets as they are.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: demo test test-fast lint typecheck bench clean help

help:
	@echo "make demo   - install labwatch in $(VENV) and run the demo on the bundled seed site"
	@echo "make test   - install the dev extras and run the whole test suite"
	@echo "make test-fast - the suite without the tests marked slow (own Prefect servers, bench smoke)"
	@echo "make lint   - ruff and mypy"
	@echo "make bench  - benchmarks: ingest vs its limit and a naive script, tagging, warehouse, web, lake (~10-20 min)"
	@echo "make clean  - remove $(VENV) and ./data"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project's metadata changes, or extractors/hitloop.py or story_scan.pyx, which
# setup.py compiles; the install is editable, so other code edits need none.
$(STAMP_RUN): pyproject.toml setup.py extractors/hitloop.py extractors/story_scan.pyx | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(STAMP_DEV): pyproject.toml setup.py extractors/hitloop.py extractors/story_scan.pyx | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/labwatch demo

test: $(STAMP_DEV)
	$(BIN)/python -m pytest

# Everything but the tests that start their own Prefect server or run the benchmark.
test-fast: $(STAMP_DEV)
	$(BIN)/python -m pytest -m 'not slow'

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Not part of `make test` (a smoke test at tiny sizes is). BENCH_ARGS="--help" lists the sizes.
bench: $(STAMP_DEV)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data
