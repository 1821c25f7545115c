# The two commands a new user needs are `make plan` and `make test`; both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REQUIREMENTS := requirements.txt requirements-dev.txt policies/requirements.txt constraints.txt

.PHONY: setup test lint typecheck unit drift plan render bench clean

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

unit: $(STAMP)
	$(BIN)/python -m pytest

drift: $(STAMP)
	$(BIN)/python -m workflows check

test: lint typecheck drift unit

render: $(STAMP)
	$(BIN)/python -m workflows render

plan: $(STAMP)
	$(BIN)/python -m baseline plan --config Pulumi.example.yaml

# Plans 10, 100 and 1,000 repositories against a pulumi-github-only floor; fails on a missed target.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The rendered pipeline run job by job on a sample Django + Poetry backend (tests/pipeline_e2e).
# Installs the pinned Poetry in its own virtualenv and, when missing, PostgreSQL's server; the
# prepared sample (lock file, download caches) stays in PIPELINE_E2E_HOME for later runs.
.PHONY: pipeline-e2e
PIPELINE_E2E_HOME ?= $(VENV)/pipeline-e2e
POETRY_VENV := $(PIPELINE_E2E_HOME)/poetry

$(POETRY_VENV)/.installed: tests/pipeline_e2e/requirements-poetry.txt
	test -x $(POETRY_VENV)/bin/python || $(PYTHON) -m venv $(POETRY_VENV)
	$(POETRY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	touch $@

pipeline-e2e: $(STAMP) $(POETRY_VENV)/.installed
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }
	PIPELINE_E2E=1 PIPELINE_E2E_HOME=$(abspath $(PIPELINE_E2E_HOME)) \
		PIPELINE_E2E_POETRY=$(abspath $(POETRY_VENV))/bin/poetry \
		$(BIN)/python -m pytest tests/pipeline_e2e -p no:cacheprovider
