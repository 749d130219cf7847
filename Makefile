# The two commands: `make chat` to try copro, `make test` to check it.
# Both set up .venv on first use, and reinstall only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install chat test lint coverage clean

help:
	@echo "make chat    talk to the bot in this terminal (sets everything up first)"
	@echo "make test    run the tests (make test ARGS='-k config' passes options to pytest)"
	@echo "make lint    run ruff, mypy and the import contracts"
	@echo "make coverage  run the tests and report which lines they reach"
	@echo "make clean   remove $(VENV), caches and build files (keeps data/)"
	@echo "Set PYTHON=python3.12 (for example) to choose the Python; 3.11 or newer."

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "copro needs Python 3.11 or newer: try make PYTHON=python3.11 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create $(VENV). On Debian or Ubuntu: sudo apt install python3-venv"; \
		  rm -rf $(VENV); exit 1; }

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[dev]'
	@touch $@

install: $(STAMP)

chat: $(STAMP)
	$(BIN)/copro chat $(ARGS)

test: $(STAMP)
	$(BIN)/pytest -q $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy bot storage flows
	$(BIN)/lint-imports --no-logo

coverage: $(STAMP)
	$(BIN)/coverage run -m pytest -q $(ARGS)
	$(BIN)/coverage report

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
