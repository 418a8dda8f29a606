# Fundtrail: `make run` starts everything locally, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# axe-core, which the browser tests inject into pages to check accessibility (from npm).
BROWSER_TESTS := tests/e2e/browser
AXE := $(BROWSER_TESTS)/node_modules/axe-core/axe.min.js
# Stripe's own mock server, which the payment tests start on free ports; built with Go.
STRIPE_MOCK_VERSION := v0.203.0
GO_BIN := $(or $(shell go env GOBIN 2>/dev/null),$(shell go env GOPATH 2>/dev/null)/bin)
STRIPE_MOCK := $(GO_BIN)/stripe-mock

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

# In parallel, one worker a core (four at most): the workers share one Kafka broker. Work
# stealing evens out the end of the run, where a few long tests (Kafka outages, the browser
# stories) would otherwise leave one worker alone. The 25 slowest tests are listed at the end,
# so a run that creeps towards its 15 minutes says where.
test: $(INSTALLED) $(AXE) $(STRIPE_MOCK)
	$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist worksteal --durations=25

# Only when missing: `go install` builds it from the Go module proxy into Go's bin folder.
$(STRIPE_MOCK):
	go install github.com/stripe/stripe-mock@$(STRIPE_MOCK_VERSION)

$(AXE): $(BROWSER_TESTS)/package.json $(BROWSER_TESTS)/package-lock.json
	npm ci --prefix $(BROWSER_TESTS) --no-audit --no-fund
	touch $@

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
	rm -rf var $(BROWSER_TESTS)/node_modules .pytest_cache .hypothesis .mypy_cache .ruff_cache
