"""Refuse to start the deployment with the placeholder secrets of ``.env.example`` or secrets too short to be secret.

    python deploy/check_secrets.py      # exit 0 when every secret is set; 1, naming each bad one, otherwise

Run by ``deploy/airflow/init.sh`` (the ``airflow-init`` service), on which every other service waits: with a bad
secret nothing starts. Names are those of ``.env``; the value is read from the variable the containers get.
"""

from __future__ import annotations

import os
import sys

MIN_LENGTH = 16
PLACEHOLDER = "change-me"
# The name in .env -> the variable inside the airflow-init container.
SECRETS = {
    "MSDW_PSEUDONYM_KEY": "MSDW_PSEUDONYM_KEY",
    "MSDW_ARCHIVE_KEY": "MSDW_ARCHIVE_KEY",
    "AIRFLOW_FERNET_KEY": "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW_JWT_SECRET": "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW_API_SECRET_KEY": "AIRFLOW__API__SECRET_KEY",
    "AIRFLOW_ADMIN_PASSWORD": "AIRFLOW_ADMIN_PASSWORD",
    "POSTGRES_PASSWORD": "POSTGRES_PASSWORD",
    "SUPERSET_SECRET_KEY": "SUPERSET_SECRET_KEY",
    "SUPERSET_ADMIN_PASSWORD": "SUPERSET_ADMIN_PASSWORD",
}
MINIMUMS = {"MSDW_PSEUDONYM_KEY": 32, "MSDW_ARCHIVE_KEY": 32}


def problems(environ: dict[str, str]) -> list[str]:
    """What is wrong with each secret in ``environ``, one line each."""
    found = []
    for name, variable in SECRETS.items():
        value = environ.get(variable, "")
        minimum = MINIMUMS.get(name, MIN_LENGTH)
        if PLACEHOLDER in value.lower():
            found.append(f"{name} is still the placeholder of .env.example")
        elif len(value) < minimum:
            found.append(f"{name} is {'empty' if not value else 'too short'}: at least {minimum} characters")
    return found


def main() -> int:
    found = problems(dict(os.environ))
    if not found:
        print("secrets: every secret is set")
        return 0
    print("msdw: refusing to start with these secrets:", file=sys.stderr)
    for line in found:
        print(f"  - {line}", file=sys.stderr)
    print(
        "Run `make env` (writes .env with fresh random secrets; keep MSDW_PSEUDONYM_KEY and MSDW_ARCHIVE_KEY of a "
        "warehouse that already exists), then `docker compose up -d` again.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
