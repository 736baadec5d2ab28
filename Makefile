# The two commands a newcomer needs:
#   make run   - start the dashboard on the embedded SQLite database with demo data
#   make test  - run the whole test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test

$(VENV)/.deps-app: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.deps-dev: $(VENV)/.deps-app requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# deploy/serve prepares the database (python -m data_access init) before it starts Streamlit.
run: $(VENV)/.deps-app
	PYTHON=$(PY) deploy/serve --processes 1 --address 127.0.0.1 --port 8501

test: $(VENV)/.deps-dev
	scripts/install-system-deps
	$(PY) -m pytest
