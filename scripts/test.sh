#!/usr/bin/env bash
# Run the whole suite on SQLite, then on PostgreSQL when one is reachable.
# REQUIRE_POSTGRES=1 (set by .ci/run) turns an unreachable PostgreSQL into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=config.settings
# The PostgreSQL run uses DATABASE_URL when it names a PostgreSQL database, else the local default.
case "${DATABASE_URL:-}" in
  postgres://*|postgresql://*) PG_URL="$DATABASE_URL" ;;
  *) PG_URL="postgres://postgres@127.0.0.1:5432/relais" ;;
esac

# pytest-xdist: one test process per core, each with its own test database; each test module runs in one process
# (tests/conftest.py: the units handed out are modules, the access matrix in runs of 1,000 cells) and the tests marked
# xdist_group (tests/scale and its fixed Redis databases) together in one process. The caller's arguments come last
# and win: `-n 0` runs the suite in one process, `-n 4` in four; with `-p no:xdist` none of these options is passed.
XDIST=(-n auto --dist loadgroup)
# pytest keeps its assert-rewritten test modules (and Python the bytecode of relais/) in __pycache__ only when bytecode
# may be written: with PYTHONDONTWRITEBYTECODE set (some shells and CI images set it), every test process rewrites and
# compiles them again, about 8 s of CPU each. The folders are ignored by git.
unset PYTHONDONTWRITEBYTECODE
for arg in "$@"; do
  case "$arg" in *no:xdist) XDIST=() ;; esac
done

bash scripts/ensure-chromium.sh
stage_started=$SECONDS
stages=""
stage_done() { stages="$stages\n  $1: $((SECONDS - stage_started)) s"; stage_started=$SECONDS; }
trap 'printf "== Time per stage:$stages\n"' EXIT

mkdir -p var
echo "== Lint (ruff) and migrations check"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
RELAIS_TESTING=1 $PY manage.py makemigrations --check --dry-run >/dev/null || {
  echo "Missing migrations: run 'python manage.py makemigrations'"; exit 1; }
RELAIS_TESTING=1 $PY manage.py reference_check >/dev/null
stage_done "lint, migrations and reference data checks"

echo "== Tests on SQLite"
DATABASE_URL="sqlite:///$(pwd)/var/test.sqlite3" $PY -m pytest ${XDIST[@]+"${XDIST[@]}"} "$@"
stage_done "tests on SQLite"

if $PY - "$PG_URL" <<'PYEOF'
import sys
import psycopg
url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
try:
    psycopg.connect(url, connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL unreachable at {url}: {exc}")
    sys.exit(1)
PYEOF
then
  echo "== Tests on PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" $PY -m pytest ${XDIST[@]+"${XDIST[@]}"} "$@"
  stage_done "tests on PostgreSQL"
  echo "PostgreSQL run: done"
else
  if [ "${REQUIRE_POSTGRES:-0}" = "1" ]; then
    echo "PostgreSQL is required (REQUIRE_POSTGRES=1) but unreachable: failing."; exit 1
  fi
  echo "PostgreSQL not reachable: skipped the PostgreSQL run (set DATABASE_URL / start PostgreSQL)."
fi
