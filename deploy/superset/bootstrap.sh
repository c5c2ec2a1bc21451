#!/usr/bin/env bash
# Superset start-up: migrate its metadata, create the admin, register marts.duckdb (read-only) and import the
# msdw dashboard, then serve. Every step is idempotent. The defaults are the compose service's; the live test
# (tests/deploy/test_superset_live.py) runs this same script with its own folders and a local port.
set -euo pipefail

MSDW_SUPERSET_DIR="${MSDW_SUPERSET_DIR:-/app/msdw}"
MSDW_MODELS="${MSDW_MODELS:-/app/msdw-models/_marts__models.yml}"
SUPERSET_BIND="${SUPERSET_BIND:-0.0.0.0:8088}"
SUPERSET_WORKERS="${SUPERSET_WORKERS:-2}"
# Superset's image sets FLASK_APP; a pip install of Superset needs it for the `superset` commands.
export FLASK_APP="${FLASK_APP:-superset}"

superset db upgrade
superset fab create-admin --username "${SUPERSET_ADMIN_USER}" --password "${SUPERSET_ADMIN_PASSWORD}" \
  --firstname msdw --lastname admin --email "${SUPERSET_ADMIN_USER}@localhost" || true
superset init

bundle="$(mktemp -d)/msdw_dashboard.zip"
python "${MSDW_SUPERSET_DIR}/bundle.py" --source "${MSDW_SUPERSET_DIR}" --models "${MSDW_MODELS}" \
  --output "${bundle}" --uri "${MSDW_MARTS_URI}"
# Replaces the database, datasets, charts and dashboard an earlier start imported (superset import-dashboards
# would keep old charts).
python "${MSDW_SUPERSET_DIR}/import_bundle.py" --path "${bundle}" --username "${SUPERSET_ADMIN_USER}"

exec gunicorn --bind "${SUPERSET_BIND}" --workers "${SUPERSET_WORKERS}" --worker-class gthread --threads 4 \
  --timeout 120 "superset.app:create_app()"
