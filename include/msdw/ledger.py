"""The audit ledger: every file seen, every return version, and what became of it.

It is a DuckDB file (``ledger.duckdb``) in the warehouse folder. Connections are short-lived, so that no reader or
other task is locked out for long. Every change is one transaction, so a crash leaves either the old or the new state.

Tables:
- ``sightings``: one row per (path, size, modification time) seen in the inbox; a file seen again unchanged is not
  read again. ``outcome`` is VERSION (a new version of a return), DUPLICATE (same bytes as a version of the same
  return), or REJECTED (no return identity).
- ``versions``: one row per return version: its identity, SHA-256, received time, and status PENDING (archived, not
  yet processed), ACCEPTED or QUARANTINED with its rows, warnings and errors.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from msdw.returns import ReturnIdentity

SCHEMA = """
create table if not exists sightings (
    path varchar not null,
    size bigint not null,
    mtime timestamp not null,
    sha256 varchar,
    outcome varchar not null,
    reason varchar,
    return_key varchar,
    seen_at timestamp not null,
    run_id varchar,
    primary key (path, size, mtime)
);
create table if not exists versions (
    return_key varchar not null,
    source varchar not null,
    submitter varchar not null,
    month date not null,
    part varchar not null,
    version integer not null,
    sha256 varchar not null,
    original_path varchar not null,
    received_at timestamp not null,
    status varchar not null,
    rows bigint,
    warnings varchar,
    errors varchar,
    processed_at timestamp,
    run_id varchar,
    primary key (return_key, version),
    unique (return_key, sha256)
);
"""


@dataclass(frozen=True)
class Version:
    identity: ReturnIdentity
    version: int
    sha256: str
    original_path: str
    received_at: dt.datetime
    status: str


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = path
        with self.connect() as con:
            con.execute(SCHEMA)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection; waits a little when another process holds the file."""
        delay = 0.05
        for attempt in range(60):
            try:
                con = duckdb.connect(os.fspath(self.path), read_only=read_only and self.path.exists())
                break
            except duckdb.IOException:
                if attempt == 59:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        try:
            yield con
        finally:
            con.close()

    # --- sightings ---

    def known_sightings(self) -> set[tuple[str, int, dt.datetime]]:
        with self.connect(read_only=True) as con:
            return {(p, s, m) for p, s, m in con.execute("select path, size, mtime from sightings").fetchall()}

    def record_sighting(
        self,
        con: duckdb.DuckDBPyConnection,
        path: str,
        size: int,
        mtime: dt.datetime,
        sha256: str | None,
        outcome: str,
        reason: str | None,
        return_key: str | None,
        run_id: str,
    ) -> None:
        con.execute(
            "insert or ignore into sightings values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [path, size, mtime, sha256, outcome, reason, return_key, _now(), run_id],
        )

    # --- versions ---

    def version_of(self, con: duckdb.DuckDBPyConnection, return_key: str, sha256: str) -> int | None:
        row = con.execute(
            "select version from versions where return_key = ? and sha256 = ?", [return_key, sha256]
        ).fetchone()
        return None if row is None else row[0]

    def add_version(
        self,
        con: duckdb.DuckDBPyConnection,
        identity: ReturnIdentity,
        sha256: str,
        original_path: str,
        received_at: dt.datetime,
        run_id: str,
    ) -> int:
        (latest,) = con.execute(
            "select coalesce(max(version), 0) from versions where return_key = ?", [identity.key]
        ).fetchone()
        version = latest + 1
        con.execute(
            "insert into versions values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', null, null, null, null, ?)",
            [
                identity.key,
                identity.source,
                identity.submitter,
                identity.month_start,
                identity.part,
                version,
                sha256,
                original_path,
                received_at,
                run_id,
            ],
        )
        return version

    def pending(self, source: str) -> list[Version]:
        with self.connect(read_only=True) as con:
            rows = con.execute(
                "select source, submitter, strftime(month, '%Y-%m'), part, version, sha256, original_path, received_at,"
                " status from versions where source = ? and status = 'PENDING'"
                " order by received_at, return_key, version",
                [source],
            ).fetchall()
        return [Version(ReturnIdentity(r[0], r[1], r[2], r[3]), r[4], r[5], r[6], r[7], r[8]) for r in rows]

    def finish(
        self,
        version: Version,
        status: str,
        rows: int,
        warnings: list[str],
        errors: list[str],
        con: duckdb.DuckDBPyConnection | None = None,
    ) -> None:
        sql = (
            "update versions set status = ?, rows = ?, warnings = ?, errors = ?, processed_at = ?"
            " where return_key = ? and version = ?"
        )
        params = [
            status,
            rows,
            json.dumps(warnings),
            json.dumps(errors),
            _now(),
            version.identity.key,
            version.version,
        ]
        if con is not None:
            con.execute(sql, params)
            return
        with self.connect() as own:
            own.execute(sql, params)

    def export_versions(self, target: Path) -> None:
        """Write every processed version to Parquet (``msdw.raw.LEDGER_VERSION_COLUMNS``) for dbt, atomically."""
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        with self.connect(read_only=True) as con:
            con.execute(
                f"""copy (
                    select return_key, source, submitter, month, part, version, sha256, original_path, received_at,
                           status, rows,
                           coalesce(json_array_length(warnings::json), 0)::bigint as warnings,
                           array_to_string(from_json(warnings, '["varchar"]'), '; ') as warning_text,
                           array_to_string(from_json(errors, '["varchar"]'), '; ') as error_text,
                           processed_at
                    from versions where status <> 'PENDING' order by return_key, version
                ) to '{tmp}' (format parquet)"""
            )
        os.replace(tmp, target)

    def summary(self, run_id: str | None = None) -> dict[str, int]:
        """Counts of what happened, for a run or for all time."""
        where = "where run_id = ?" if run_id else ""
        params = [run_id] if run_id else []
        with self.connect(read_only=True) as con:
            counts = dict(
                con.execute(f"select outcome, count(*) from sightings {where} group by outcome", params).fetchall()
            )
            statuses = dict(
                con.execute(
                    f"select status || case when version > 1 then '_REVISION' else '' end, count(*)"
                    f" from versions {where} group by 1",
                    params,
                ).fetchall()
            )
        return {
            "accepted": statuses.get("ACCEPTED", 0) + statuses.get("ACCEPTED_REVISION", 0),
            "revised": statuses.get("ACCEPTED_REVISION", 0),
            "quarantined": statuses.get("QUARANTINED", 0) + statuses.get("QUARANTINED_REVISION", 0),
            "pending": statuses.get("PENDING", 0) + statuses.get("PENDING_REVISION", 0),
            "duplicates": counts.get("DUPLICATE", 0),
            "rejected": counts.get("REJECTED", 0),
        }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
