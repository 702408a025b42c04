# PatrolGate: `make demo` builds and shows the London demo; `make test` runs every check.
# Both create the virtual environment on first use and are safe to run again.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench-import bench-forecast clean-demo

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/patrolgate demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck pytest

bench-import: $(STAMP)
	$(BIN)/python benchmarks/import_benchmark.py

bench-forecast: $(STAMP)
	$(BIN)/python benchmarks/forecast_benchmark.py

clean-demo:
	rm -rf patrolgate-data
