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

run: $(VENV)/.deps-app
	$(PY) -m data_access init
	$(PY) -m streamlit run server.py --server.address 127.0.0.1 --server.port 8501

test: $(VENV)/.deps-dev
	scripts/install-system-deps
	$(PY) -m pytest
