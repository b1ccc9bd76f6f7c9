# Cupola: `make demo` and `make test` on a machine with only python3 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test lint format bench bench-tracking clean

install: $(STAMP)

# Debian's chromium for the browser tests (never `playwright install`).
SUDO := $(shell test "$$(id -u)" = 0 || echo sudo)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	test -x /usr/bin/chromium || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium)
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cupola run city-mixed-raid --seed 1 --out runs/demo --overwrite

test: lint
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_stages.py
	$(BIN)/python benchmarks/bench_warnings.py
	$(BIN)/python benchmarks/bench_threshold.py
	$(BIN)/python benchmarks/bench_radar_accuracy.py
	$(BIN)/python benchmarks/bench_wta.py
	$(BIN)/python benchmarks/bench_fire_control.py
	$(BIN)/python benchmarks/bench_campaign.py
	$(BIN)/python benchmarks/bench_siting.py
	$(BIN)/python benchmarks/bench_live.py
	$(BIN)/python benchmarks/bench_feed.py

bench-tracking: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_tracking.py

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache
