"""Write ``.env`` for docker compose from ``.env.example``, with a fresh random value for every secret.

    python deploy/make_env.py [--template .env.example] [--output .env] [--force]

An existing ``.env`` is kept unless ``--force``: replacing MSDW_PSEUDONYM_KEY would give every person new
pseudonyms. The file is written with mode 0600.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import sys
from pathlib import Path

SECRETS = {
    "MSDW_PSEUDONYM_KEY": lambda: secrets.token_urlsafe(48),
    "MSDW_ARCHIVE_KEY": lambda: secrets.token_hex(32),
    "AIRFLOW_FERNET_KEY": lambda: base64.urlsafe_b64encode(os.urandom(32)).decode("ascii"),
    "AIRFLOW_JWT_SECRET": lambda: secrets.token_urlsafe(48),
    "AIRFLOW_API_SECRET_KEY": lambda: secrets.token_urlsafe(32),
    "AIRFLOW_ADMIN_PASSWORD": lambda: secrets.token_urlsafe(18),
    "POSTGRES_PASSWORD": lambda: secrets.token_urlsafe(24),
    "SUPERSET_SECRET_KEY": lambda: secrets.token_urlsafe(48),
    "SUPERSET_ADMIN_PASSWORD": lambda: secrets.token_urlsafe(18),
}


def render(template: str, uid: int) -> str:
    """The template with every secret replaced by a new random value and AIRFLOW_UID set to ``uid``."""
    lines = []
    for line in template.splitlines():
        key, sep, _ = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            if key in SECRETS:
                line = f"{key}={SECRETS[key]()}"
            elif key == "AIRFLOW_UID":
                line = f"{key}={uid}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", type=Path, default=Path(".env.example"))
    parser.add_argument("--output", type=Path, default=Path(".env"))
    parser.add_argument("--force", action="store_true", help="replace an existing file (new pseudonym key!)")
    args = parser.parse_args(argv)
    if args.output.exists() and not args.force:
        print(f"{args.output} exists; kept (use --force to replace it and every secret in it)")
        return 0
    text = render(args.template.read_text(encoding="utf-8"), os.getuid())
    fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(args.output, 0o600)
    print(f"wrote {args.output} with fresh secrets; back up MSDW_PSEUDONYM_KEY and MSDW_ARCHIVE_KEY")
    return 0


if __name__ == "__main__":
    sys.exit(main())
