"""Test session set-up: Airflow, dbt, Cosmos and GX kept inside a temporary folder and quiet."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_HOME = Path(tempfile.mkdtemp(prefix="msdw-tests-"))
REPO = Path(__file__).resolve().parents[1]

os.environ.setdefault("AIRFLOW_HOME", str(_HOME / "airflow"))
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")
os.environ.setdefault("AIRFLOW__COSMOS__CACHE_DIR", str(_HOME / "cosmos"))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("SCARF_ANALYTICS", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.pop("MSDW_PSEUDONYM_KEY", None)
