#!/usr/bin/env bash
# Superset start-up: migrate its metadata, create the admin, register marts.duckdb (read-only) and import the
# msdw dashboard, then serve on :8088. Every step is idempotent.
set -euo pipefail

superset db upgrade
superset fab create-admin --username "${SUPERSET_ADMIN_USER}" --password "${SUPERSET_ADMIN_PASSWORD}" \
  --firstname msdw --lastname admin --email "${SUPERSET_ADMIN_USER}@localhost" || true
superset init

bundle="$(mktemp -d)/msdw_dashboard.zip"
python /app/msdw/bundle.py --source /app/msdw --models /app/msdw-models/_marts__models.yml \
  --output "${bundle}" --uri "${MSDW_MARTS_URI}"
superset import-dashboards --path "${bundle}" --username "${SUPERSET_ADMIN_USER}"

exec gunicorn --bind 0.0.0.0:8088 --workers 2 --worker-class gthread --threads 4 --timeout 120 \
  "superset.app:create_app()"
