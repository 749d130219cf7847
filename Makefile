# The two commands: `make chat` to try copro, `make test` to check it.
# Both set up .venv on first use from the lock files (the versions CI tested), compiled to
# bytecode as they install, and reinstall only when a lock file changes. `make chat` installs
# only what running needs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
# Tests run side by side, one worker a core (at most 4); TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= auto
UV_VERSION := 0.13.9
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.DEFAULT_GOAL := help
.PHONY: help install install-run chat run test lint coverage lock clean

help:
	@echo "make chat      talk to the bot in this terminal (sets everything up first)"
	@echo "make run       run the service with the web desk on, and print a link to sign in"
	@echo "make test      run the tests (make test ARGS='-k config' passes options to pytest)"
	@echo "make lint      run ruff, mypy and the import contracts"
	@echo "make coverage  run the tests and report which lines they reach"
	@echo "make lock      update requirements.lock and requirements-dev.lock after changing pyproject.toml"
	@echo "make clean     remove $(VENV), caches and build files (keeps data/)"
	@echo "Set PYTHON=python3.12 (for example) to choose the Python; 3.11 or newer."

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "copro needs Python 3.11 or newer: try make PYTHON=python3.11 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create $(VENV). On Debian or Ubuntu: sudo apt install python3-venv"; \
		  rm -rf $(VENV); exit 1; }

$(UV): | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(RUN_STAMP): requirements.lock pyproject.toml | $(UV)
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

$(DEV_STAMP): requirements-dev.lock $(RUN_STAMP)
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements-dev.lock
	@touch $@

install-run: $(RUN_STAMP)
install: $(DEV_STAMP)

chat: $(RUN_STAMP)
	$(BIN)/copro chat $(ARGS)

# The desk's one-time sign-in link first (for the first admin, made if there is none), then
# the service; with no tokens at all it still serves the desk and its simulator.
run: $(RUN_STAMP)
	COPRO_DESK_ENABLED=true $(BIN)/copro desk login
	COPRO_DESK_ENABLED=true $(BIN)/copro run $(ARGS)

# Bytecode for copro's own modules first (only what changed is compiled again): the tests start
# many `copro` processes, and where PYTHONDONTWRITEBYTECODE is set each would compile them all.
test: $(DEV_STAMP)
	@$(BIN)/python -m compileall -q bot storage flows
	$(BIN)/pytest -q -n $(TEST_WORKERS) --maxprocesses=4 $(ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy bot storage flows
	$(BIN)/lint-imports --no-logo

coverage: $(DEV_STAMP)
	$(BIN)/coverage run -m pytest -q $(ARGS)
	$(BIN)/coverage report

lock: | $(UV)
	$(UV) pip compile --quiet --universal --python-version 3.11 pyproject.toml -o requirements.lock
	$(UV) pip compile --quiet --universal --python-version 3.11 pyproject.toml --extra dev \
		-o requirements-dev.lock

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis .coverage
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
