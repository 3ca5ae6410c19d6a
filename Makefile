# meapp — `make run` sets everything up and serves the demo; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi.py

.PHONY: setup run lint test test-pg translations db demo clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/flask translate compile

setup: $(STAMP) translations

db: setup
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask seed demo

run: demo
	@echo ""
	@echo "Demo accounts (password: $${MEAPP_DEMO_PASSWORD:-meapp-demo}):"
	@$(BIN)/flask users list
	@echo ""
	@echo "meapp is serving on http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# Two workers by default (the machines have 2 cores); each has its own database (SQLite file or PostgreSQL).
JOBS ?= 2

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest -n $(JOBS) $(PYTEST_ARGS)

clean:
	rm -rf instance/meapp.sqlite .pytest_cache
