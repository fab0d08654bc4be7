# make run    the site, the subscription service, a local mail sink and the sender on
#             http://127.0.0.1:8000 (mail at /_dev/mail); nothing to configure.
#             `make run PORT=8123` serves on another port. The site is built first (and
#             again when data/ or site_src/ change): the service reads the company and its
#             data from the built site's service.json, never from data/.
# make test   ruff over every file, then the test suite (a lint error fails it).
# make bench  every benchmark, each beside its lower bound.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PORT ?= 8000

.PHONY: run test bench install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/trustsite-dev --port $(PORT)

test: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

bench: $(INSTALLED)
	@for script in benchmarks/*.py; do \
		echo "== $$script"; \
		$(BIN)/python $$script || exit 1; \
	done
