#!/usr/bin/env bash
# Runs once, when the Postgres volume is created: a database and a user for Superset's metadata.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER}" --dbname "${POSTGRES_DB}" \
  -v password="${POSTGRES_PASSWORD}" <<'SQL'
create user superset with password :'password';
create database superset owner superset;
SQL
