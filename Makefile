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
