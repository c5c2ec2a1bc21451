#!/usr/bin/env bash
# airflow-init: folders and their owner, the admin password, the metadata database, and the warehouse pool.
set -euo pipefail

uid="${AIRFLOW_UID:-50000}"
mkdir -p /opt/airflow/logs /opt/airflow/config /opt/msdw-data/inbox /opt/msdw-data/warehouse

if [[ "${uid}" == "0" ]]; then
  echo "AIRFLOW_UID is 0: set it to your user id (id -u) in .env so files in the project folder stay yours" >&2
fi

# The simple auth manager reads the admin password from this file (the password itself comes from .env).
python - <<'PY'
import json, os, pathlib
path = pathlib.Path("/opt/airflow/config/simple_auth_manager_passwords.json")
path.write_text(json.dumps({os.environ["AIRFLOW_ADMIN_USER"]: os.environ["AIRFLOW_ADMIN_PASSWORD"]}))
path.chmod(0o600)
PY

chown -R "${uid}:0" /opt/airflow/logs /opt/airflow/config /opt/msdw-data
chmod 0755 /opt/msdw-data/warehouse  # Superset reads marts.duckdb; archive/ stays owner-only

# The dbt manifest the DAG files read, parsed once here: the DAG processor never runs dbt.
python -m msdw.transform manifest
chown -R "${uid}:0" /opt/msdw/dbt_project/target

airflow db migrate
# One slot: one task at a time writes the warehouse's DuckDB files, however many workers run.
airflow pools set msdw_warehouse 1 "msdw: one task at a time writes the warehouse (DuckDB allows one writer)"
chown -R "${uid}:0" /opt/airflow/logs
airflow version
