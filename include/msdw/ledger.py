"""The audit ledger: every file seen, every return version, and what became of it.

It is a DuckDB file (``ledger.duckdb``) in the warehouse folder. Connections are short-lived, so that no reader or
other task is locked out for long. Every change is one transaction, so a crash leaves either the old or the new state.

Tables:
- ``sightings``: one row per (path, size, modification time) seen in the inbox; a file seen again unchanged is not
  read again. ``outcome`` is VERSION (a new version of a return), DUPLICATE (same bytes as a version of the same
  return), or REJECTED (no return identity).
- ``versions``: one row per return version: its identity, SHA-256, received time, and status PENDING (archived, not
  yet processed), ACCEPTED or QUARANTINED with its rows, warnings and errors.
- ``deletions``: one row per version or rejected file whose archived file retention destroyed (``msdw.retention``):
  its SHA-256, the rule, the return and version, when it was received and when it was destroyed. No personal data.
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
import pyarrow as pa

from msdw.files import replace_atomically
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
create table if not exists deletions (
    sha256 varchar not null,
    rule varchar not null,
    return_key varchar,
    version integer,
    received_at timestamp not null,
    policy varchar not null,
    deleted_at timestamp not null
);
"""


@dataclass(frozen=True)
class Arrival:
    """A file found in the inbox and archived: its sighting, and the return it is a version of (``None`` when it is
    rejected, for ``reason``)."""

    path: str
    size: int
    mtime: dt.datetime
    sha256: str | None
    identity: ReturnIdentity | None
    reason: str | None = None


@dataclass(frozen=True)
class Version:
    identity: ReturnIdentity
    version: int
    sha256: str
    original_path: str
    received_at: dt.datetime
    status: str


@dataclass(frozen=True)
class Deletion:
    """An archived file destroyed by retention, for one of its uses (a version, or a rejected file)."""

    sha256: str
    rule: str
    return_key: str | None
    version: int | None
    received_at: dt.datetime
    policy: str


@dataclass(frozen=True)
class Outcome:
    """What became of a processed version."""

    version: Version
    status: str  # ACCEPTED or QUARANTINED
    rows: int
    warnings: list[str]
    errors: list[str]


SIGHTING_COLUMNS = {
    "path": pa.string(),
    "size": pa.int64(),
    "mtime": pa.timestamp("us"),
    "sha256": pa.string(),
    "outcome": pa.string(),
    "reason": pa.string(),
    "return_key": pa.string(),
    "seen_at": pa.timestamp("us"),
    "run_id": pa.string(),
}
VERSION_COLUMNS = {
    "return_key": pa.string(),
    "source": pa.string(),
    "submitter": pa.string(),
    "month": pa.date32(),
    "part": pa.string(),
    "version": pa.int32(),
    "sha256": pa.string(),
    "original_path": pa.string(),
    "received_at": pa.timestamp("us"),
    "run_id": pa.string(),
}
OUTCOME_COLUMNS = {
    "return_key": pa.string(),
    "version": pa.int32(),
    "status": pa.string(),
    "rows": pa.int64(),
    "warnings": pa.string(),
    "errors": pa.string(),
}


def _execute_over(
    con: duckdb.DuckDBPyConnection,
    columns: dict[str, pa.DataType],
    rows: list[tuple],
    sql: str,
    params: list[object] | None = None,
) -> None:
    """Run ``sql`` over ``rows`` given to DuckDB as the Arrow table ``batch`` (one statement, not one per row)."""
    if not rows:
        return
    table = pa.table({c: pa.array([r[i] for r in rows], t) for i, (c, t) in enumerate(columns.items())})
    con.register("batch", table)
    try:
        con.execute(sql, params or [])
    finally:
        con.unregister("batch")


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = path
        with self.connect() as con:
            con.execute(SCHEMA)
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)  # owner-only: it names every file received

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

    # --- versions ---

    def register(self, con: duckdb.DuckDBPyConnection, arrivals: list[Arrival], run_id: str) -> list[str]:
        """Record ``arrivals`` (archived files, in the order received) and return each one's outcome: ``VERSION`` (a
        new version of its return, numbered after those already received), ``DUPLICATE`` (the same bytes as a version
        of the same return) or ``REJECTED`` (no return identity). One insert per table; the caller holds the
        transaction, so a crash records all of them or none."""
        keys = sorted({a.identity.key for a in arrivals if a.identity is not None})
        received: dict[str, dict[str, int]] = {}
        if keys:
            rows = con.execute(
                "select return_key, sha256, version from versions where return_key in (select unnest(?))", [keys]
            ).fetchall()
            for key, sha, version in rows:
                received.setdefault(key, {})[sha] = version
        now = _now()
        sightings: list[tuple] = []
        versions: list[tuple] = []
        outcomes: list[str] = []
        for a in arrivals:
            key = a.identity.key if a.identity is not None else None
            if a.identity is None:
                outcome = "REJECTED"
            elif a.sha256 in received.get(key, {}):
                outcome = "DUPLICATE"
            else:
                known = received.setdefault(key, {})
                version = max(known.values(), default=0) + 1
                known[a.sha256] = version
                i = a.identity
                versions.append(
                    (key, i.source, i.submitter, i.month_start, i.part, version, a.sha256, a.path, a.mtime, run_id)
                )
                outcome = "VERSION"
            sightings.append((a.path, a.size, a.mtime, a.sha256, outcome, a.reason, key, now, run_id))
            outcomes.append(outcome)
        _execute_over(con, SIGHTING_COLUMNS, sightings, "insert or ignore into sightings select * from batch")
        _execute_over(
            con,
            VERSION_COLUMNS,
            versions,
            "insert into versions select return_key, source, submitter, month, part, version, sha256, original_path,"
            " received_at, 'PENDING', null, null, null, null, run_id from batch",
        )
        return outcomes

    def pending(self, source: str) -> list[Version]:
        with self.connect(read_only=True) as con:
            rows = con.execute(
                "select source, submitter, strftime(month, '%Y-%m'), part, version, sha256, original_path, received_at,"
                " status from versions where source = ? and status = 'PENDING'"
                " order by received_at, return_key, version",
                [source],
            ).fetchall()
        return [Version(ReturnIdentity(r[0], r[1], r[2], r[3]), r[4], r[5], r[6], r[7], r[8]) for r in rows]

    def finish(self, con: duckdb.DuckDBPyConnection, outcomes: list[Outcome]) -> None:
        """Mark processed versions ACCEPTED or QUARANTINED with their rows, warnings and errors, in one statement;
        the caller holds the transaction."""
        now = _now()
        rows = [
            (o.version.identity.key, o.version.version, o.status, o.rows, json.dumps(o.warnings), json.dumps(o.errors))
            for o in outcomes
        ]
        _execute_over(
            con,
            OUTCOME_COLUMNS,
            rows,
            "update versions set status = b.status, rows = b.rows, warnings = b.warnings, errors = b.errors,"
            " processed_at = ? from batch b where versions.return_key = b.return_key and versions.version = b.version",
            [now],
        )

    def record_deletions(self, con: duckdb.DuckDBPyConnection, deletions: list[Deletion]) -> None:
        """Record archived files destroyed by retention, once each (a run finishing an interrupted one adds none);
        the caller holds the transaction."""
        now = _now()
        for d in deletions:
            con.execute(
                "insert into deletions select ?, ?, ?, ?, ?, ?, ? where not exists (select 1 from deletions"
                " where sha256 = ? and return_key is not distinct from ? and version is not distinct from ?)",
                [
                    d.sha256,
                    d.rule,
                    d.return_key,
                    d.version,
                    d.received_at,
                    d.policy,
                    now,
                    d.sha256,
                    d.return_key,
                    d.version,
                ],
            )

    def export_versions(self, target: Path) -> None:
        """Write every processed version to Parquet (``msdw.raw.LEDGER_VERSION_COLUMNS``) for dbt, atomically."""

        def write(temp: Path) -> None:
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
                    ) to '{temp}' (format parquet)"""
                )

        replace_atomically(target, write)

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
