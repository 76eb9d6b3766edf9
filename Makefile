# The two commands of the README: `make run` (set up + start the embedded stack) and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install test-deps run test test-fast lint schemas lock clean compose-validator

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned: an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet -c constraints.txt torch==2.13.0
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# Debian's Chromium drives the web tests in a real browser (GUIDE §4). Installed when apt can (root on
# Debian/Ubuntu, as in CI); elsewhere the browser tests skip and say why.
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	-command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	  { apt-get install -y -q chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium >/dev/null; }; }

# docker-compose 1.29.2 in its own venv validates docker-compose.yml offline (tests/test_compose.py; GUIDE §6).
# PyYAML 5.4.1 builds only with Cython<3 and without build isolation: build tools and PyYAML first, then the lock.
COMPOSE_VENV  := .venv-compose
COMPOSE_REQS  := tools/compose-requirements.txt
COMPOSE_STAMP := $(COMPOSE_VENV)/.installed-stamp

$(COMPOSE_STAMP): $(COMPOSE_REQS)
	rm -rf $(COMPOSE_VENV)
	$(PYTHON) -m venv $(COMPOSE_VENV)
	$(COMPOSE_VENV)/bin/python -m pip install --quiet -c $(COMPOSE_REQS) cython wheel setuptools
	$(COMPOSE_VENV)/bin/python -m pip install --quiet --no-build-isolation -c $(COMPOSE_REQS) PyYAML
	$(COMPOSE_VENV)/bin/python -m pip install --quiet -r $(COMPOSE_REQS)
	touch $@

compose-validator: $(COMPOSE_STAMP)

install: $(STAMP)

# What only the tests need: a browser for the web tests, the compose validator for tests/test_compose.py.
test-deps: $(CHROMIUM) $(COMPOSE_STAMP)

run: install
	$(BIN)/jobmarket up

# Lint and types are part of the suite: a change that breaks them fails like a failing test.
test: install test-deps
	$(BIN)/ruff check .
	$(BIN)/mypy .
	$(BIN)/python -m pytest -q -ra --durations=25

# The developers' fast loop: everything but the tests that start real services (`-m slow`, run by `make test`).
test-fast: install test-deps
	$(BIN)/ruff check .
	$(BIN)/mypy .
	$(BIN)/python -m pytest -q -ra -m "not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy .

schemas: install
	$(BIN)/python -m schemas.generate

lock: install
	{ echo "# Locked versions of the whole stack (pip freeze of a resolved install). Regenerate: make lock"; \
	  $(BIN)/python -m pip freeze --exclude-editable | sed 's/+cpu$$//'; } > constraints.txt

clean:
	rm -rf $(VENV) data
