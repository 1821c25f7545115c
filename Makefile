# The two commands a new user needs are `make plan` and `make test`; both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REQUIREMENTS := requirements.txt requirements-dev.txt requirements-e2e.txt policies/requirements.txt constraints.txt

.PHONY: setup test lint typecheck unit drift plan render bench clean engine e2e

setup: $(STAMP)

# Re-installs only when a dependency file changes, so a second `make setup` is instant.
$(STAMP): $(REQUIREMENTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The end-to-end tests need the engine and GitHub's API description: `make e2e` runs them.
unit: $(STAMP)
	$(BIN)/python -m pytest --ignore=tests/e2e

drift: $(STAMP)
	$(BIN)/python -m workflows check

test: lint typecheck drift unit

render: $(STAMP)
	$(BIN)/python -m workflows render

plan: $(STAMP)
	$(BIN)/python -m baseline plan --config Pulumi.example.yaml --inventory examples/inventory.json

# The real engine, built from the pinned Go modules in engine/ (engine/README.md): rebuilt only
# when a wrapper's files change; prints each binary's version.
ENGINE_BIN := engine/bin
PROVIDER_SOURCES := $(wildcard engine/provider/*.go engine/provider/*/*/*.go)

engine: $(ENGINE_BIN)/pulumi $(ENGINE_BIN)/pulumi-resource-github
	@echo "engine: $$($(ENGINE_BIN)/pulumi version) (pulumi), $$($(ENGINE_BIN)/pulumi-resource-github -version 2>&1) (pulumi-resource-github)"

$(ENGINE_BIN)/pulumi: engine/cli/go.mod engine/cli/go.sum engine/cli/build.sh
	engine/cli/build.sh $(ENGINE_BIN)
	@touch -h $@

$(ENGINE_BIN)/pulumi-resource-github: engine/provider/go.mod engine/provider/go.sum engine/provider/build.sh $(PROVIDER_SOURCES)
	engine/provider/build.sh $(ENGINE_BIN)

# GitHub's OpenAPI description, which the GitHub double checks every request and answer against.
GITHUB_SPEC := testing/github_double/node_modules/@octokit/openapi/package.json

$(GITHUB_SPEC): testing/github_double/package.json testing/github_double/package-lock.json
	npm ci --prefix testing/github_double --no-audit --no-fund --loglevel=error
	@touch $@

# `pulumi preview` and `pulumi up` with the real CLI and provider against the GitHub double.
e2e: $(STAMP) engine $(GITHUB_SPEC)
	$(BIN)/python -m pytest tests/e2e

# Plans 10, 100 and 1,000 repositories (the program, a pulumi-github-only floor, the whole
# `baseline plan`), then times the real engine against the GitHub double; fails on a missed
# target (docs/scale.md).
bench: $(STAMP) engine $(GITHUB_SPEC)
	$(BIN)/python -m benchmarks.bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(ENGINE_BIN)

# The rendered pipeline run job by job (testing/pipeline_runner) on a sample Django backend
# (tests/pipeline_e2e), managed by Poetry, uv and pip. Installs the pinned Poetry and uv, each in
# its own virtualenv, and, when missing, PostgreSQL's server; the prepared samples (lock files,
# download caches) stay in PIPELINE_E2E_HOME for later runs.
.PHONY: pipeline-e2e
PIPELINE_E2E_HOME ?= $(VENV)/pipeline-e2e
POETRY_VENV := $(PIPELINE_E2E_HOME)/poetry
UV_VENV := $(PIPELINE_E2E_HOME)/uv

$(UV_VENV)/.installed: tests/pipeline_e2e/requirements-uv.txt
	test -x $(UV_VENV)/bin/python || $(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	touch $@

$(POETRY_VENV)/.installed: tests/pipeline_e2e/requirements-poetry.txt
	test -x $(POETRY_VENV)/bin/python || $(PYTHON) -m venv $(POETRY_VENV)
	$(POETRY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	touch $@

# actions/github-script's packages, which the runner runs the Bug Logger's script with (against
# the GitHub double, which needs GitHub's description).
GITHUB_SCRIPT_PACKAGES := testing/pipeline_runner/node_modules/@actions/github/package.json

$(GITHUB_SCRIPT_PACKAGES): testing/pipeline_runner/package.json testing/pipeline_runner/package-lock.json
	npm ci --prefix testing/pipeline_runner --no-audit --no-fund --loglevel=error
	@touch $@

pipeline-e2e: $(STAMP) $(POETRY_VENV)/.installed $(UV_VENV)/.installed $(GITHUB_SPEC) \
		$(GITHUB_SCRIPT_PACKAGES)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }
	PIPELINE_E2E=1 PIPELINE_E2E_HOME=$(abspath $(PIPELINE_E2E_HOME)) \
		PIPELINE_E2E_POETRY=$(abspath $(POETRY_VENV))/bin/poetry \
		PIPELINE_E2E_UV=$(abspath $(UV_VENV))/bin/uv \
		$(BIN)/python -m pytest tests/pipeline_e2e -p no:cacheprovider
