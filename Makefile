# Fundtrail: `make run` starts everything locally, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install run test test-unit lint bench kafka-jars clean

install: $(INSTALLED)

# Re-install whenever the dependencies change.
$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

run: $(INSTALLED)
	$(BIN)/fundtrail run

test: $(INSTALLED)
	$(BIN)/python -m pytest

test-unit: $(INSTALLED)
	$(BIN)/python -m pytest tests/unit

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy services shared infra

bench: $(INSTALLED)
	$(BIN)/python -m bench

# Fetch the Kafka broker's jars ahead of time (make run and the tests do it on demand).
kafka-jars: $(INSTALLED)
	$(BIN)/python -c "from infra.broker import jar_dir; print(jar_dir())"

clean:
	rm -rf var .pytest_cache .hypothesis .mypy_cache .ruff_cache
