# The commands the README names. Each sets itself up on a fresh machine with Python 3.11+.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
PYTEST_ARGS ?=
TEST_PATHS := libs services gateway cli deploy bench

.PHONY: run test lint format bench setup clean

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv

setup: $(UV)
	$(UV) sync --all-packages --frozen --quiet
	@# The keyword analyzer's extraction compiled with mypyc (a no-op when current; without a
	@# C compiler it says so and the Python sources serve).
	$(UV) run --frozen python -m keyword_analyzer.native

run: setup ## start the whole stack on embedded defaults
	$(UV) run --frozen jobhunt up

test: setup ## every test, on SQLite and (when configured) PostgreSQL and Redis
	$(UV) run --frozen pytest $(PYTEST_ARGS) $(wildcard $(TEST_PATHS))

lint: setup
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy

format: setup
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

bench: setup ## benchmarks print figures; see bench/README.md
	$(UV) sync --all-packages --frozen --quiet --group bench
	@for script in bench/*.py; do echo "== $$script"; $(UV) run --frozen --group bench python $$script || exit 1; done

clean:
	rm -rf .tools .venv .mypy_cache .ruff_cache .pytest_cache
	rm -rf services/keyword-analyzer/src/keyword_analyzer/extraction/_mypyc
