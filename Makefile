# PatrolGate: `make demo` builds and shows the London demo; `make test` runs every check.
# Both create the virtual environment on first use and are safe to run again.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench-import bench-forecast bench-evaluation bench-api bench-cli serve clean-demo

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } || echo "chromium could not be installed: browser tests will skip"
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

bench-evaluation: $(STAMP)
	$(BIN)/python benchmarks/evaluation_benchmark.py

bench-api: $(STAMP)
	$(BIN)/python benchmarks/api_benchmark.py

bench-cli: $(STAMP)
	$(BIN)/python benchmarks/bench_cli.py

serve: $(STAMP)
	$(BIN)/patrolgate serve

clean-demo:
	rm -rf patrolgate-data
