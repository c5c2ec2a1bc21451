"""Superset settings for msdw: metadata in Postgres, secrets from the environment, marts.duckdb read-only."""

import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_DATABASE_URI"]
FEATURE_FLAGS = {"DASHBOARD_RBAC": True}
ROW_LIMIT = 50000
SQLLAB_CTAS_NO_LIMIT = False
WTF_CSRF_ENABLED = True
# No usage beacon from the web pages (Scarf): deployments may run on a closed network, and analysts' use is theirs.
SCARF_ANALYTICS = False
