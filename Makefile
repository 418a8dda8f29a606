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

# Folders with a gettext catalogue of their own (`<folder>/translations/<lang>/LC_MESSAGES`);
# another service's words join by adding its folder here.
CATALOGUES := services/site shared
PO_FILES := $(foreach folder,$(CATALOGUES),$(wildcard $(folder)/translations/*/LC_MESSAGES/messages.po))
# Compiled from the .po files by make, never committed (.gitignore).
MO_FILES := $(PO_FILES:.po=.mo)
PYBABEL_KEYWORDS := -k lazy_gettext -k lazy_ngettext:1,2

.PHONY: install run test test-unit lint bench kafka-jars clean translations compile-translations

install: $(INSTALLED) $(MO_FILES)

# Re-install whenever the dependencies change.
$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

run: $(INSTALLED) $(MO_FILES)
	$(BIN)/fundtrail run

# In parallel, one worker a core (four at most): the workers share one Kafka broker. Work
# stealing evens out the end of the run, where a few long tests (Kafka outages, the browser
# stories) would otherwise leave one worker alone. The 25 slowest tests are listed at the end,
# so a run that creeps towards its 15 minutes says where.
test: $(INSTALLED) $(MO_FILES) $(AXE) $(STRIPE_MOCK)
	$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist worksteal --durations=25

# Only when missing: `go install` builds it from the Go module proxy into Go's bin folder.
$(STRIPE_MOCK):
	go install github.com/stripe/stripe-mock@$(STRIPE_MOCK_VERSION)

$(AXE): $(BROWSER_TESTS)/package.json $(BROWSER_TESTS)/package-lock.json
	npm ci --prefix $(BROWSER_TESTS) --no-audit --no-fund
	touch $@

test-unit: $(INSTALLED) $(MO_FILES)
	$(BIN)/python -m pytest tests/unit

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy services shared infra
	$(BIN)/python -m infra.translations $(CATALOGUES)

# Extract each folder's messages and merge them into its catalogues; new or changed ones come
# in empty or fuzzy, and `make lint` fails until someone translates them.
translations: $(INSTALLED)
	@for folder in $(CATALOGUES); do \
	  $(BIN)/pybabel -q extract -F babel.cfg $(PYBABEL_KEYWORDS) --no-location --sort-output \
	    --project=Fundtrail -o $$folder/translations/messages.pot $$folder && \
	  $(BIN)/pybabel -q update -i $$folder/translations/messages.pot \
	    -d $$folder/translations --ignore-obsolete || exit 1; \
	done

compile-translations: $(MO_FILES)

%/LC_MESSAGES/messages.mo: %/LC_MESSAGES/messages.po
	$(BIN)/pybabel -q compile -i $< -o $@

bench: $(INSTALLED)
	$(BIN)/python -m bench

# Fetch the Kafka broker's jars ahead of time (make run and the tests do it on demand).
kafka-jars: $(INSTALLED)
	$(BIN)/python -c "from infra.broker import jar_dir; print(jar_dir())"

clean:
	rm -rf var $(MO_FILES) $(BROWSER_TESTS)/node_modules .pytest_cache .hypothesis .mypy_cache .ruff_cache
