"""Publishing ``marts.duckdb``: build it aside, gate it, then swap it into place atomically.

The published tables are copied from the build database into a new file beside ``marts.duckdb``, written in DuckDB
storage format :data:`STORAGE_VERSION` so that the DuckDB 1.x drivers inside today's BI tools can open it (DuckDB 2.0
writes a newer format by default, which they refuse). The mart gate then checks the new file. Only if it passes is
the file fsynced and moved over ``marts.duckdb`` with ``os.replace``: a reader that opened the old file keeps reading
the old content through its open handle, new connections see the new content, and a failure anywhere before the
swap leaves the last good ``marts.duckdb`` untouched, byte for byte.

After the swap the open data CSVs are written and ``publish.json`` records what was published.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import duckdb

from msdw.errors import PublishFailed
from msdw.failpoints import failpoint
from msdw.files import replace_durably, write_text_atomically
from msdw.plausibility import MonthProfile, month_profile
from msdw.warehouse import Warehouse, duckdb_config

PUBLISHED_TABLES: tuple[str, ...] = (
    "dim_month",
    "dim_force",
    "dim_nationality",
    "fct_victim_identifications",
    "fct_victims",
    "fct_operations",
    "fct_operation_months",
    "fct_prosecutions",
    "mart_monthly_summary",
    "mart_crime_recording",
    "mart_victim_pathway",
    "mart_return_status",
    "mart_submitter_quality",
    "mart_cps_outcomes",
    "mart_nationality_profile",
    "mart_persons_identified",
    "mart_operation_outcomes",
)

STORAGE_VERSION = "v1.0.0"
"""DuckDB storage format of ``marts.duckdb``: header version number :data:`STORAGE_VERSION_NUMBER`.

Read by DuckDB 0.10.3 and later (tests/deploy/test_bi_duckdb_versions.py opens it with 0.10.3, 1.0.0 and 1.1.3;
0.10.0 to 0.10.2 fail with a serialization error). DuckDB 2.0's own default format is refused by every 1.x driver
("Trying to read a database file with version number ..., but we can only read version 64").
"""
STORAGE_VERSION_NUMBER = 64
STORAGE_READ_BY = "DuckDB 0.10.3 or later (not 0.10.0 to 0.10.2)"

BUILD_SCHEMA = "main"
PUBLISH_RECORD = "publish.json"
LOCK_FILE = ".publish.lock"

_HEADER_MAGIC = b"DUCK"
_HEADER_MAGIC_OFFSET = 8  # after the header checksum
_HEADER_SIZE = 12 + 8


class PublishError(PublishFailed):
    """Publishing could not start or finish; the last good ``marts.duckdb`` is still in place."""


class GateOutcome(Protocol):
    passed: bool
    failures: list[str]


Gate = Callable[[Path, Warehouse], GateOutcome]


@dataclass(frozen=True)
class PublishResult:
    published: bool
    path: Path
    failures: list[str] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    open_data: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class TableDocs:
    """Descriptions of one model and its columns, as documented in dbt."""

    description: str = ""
    columns: dict[str, str] = field(default_factory=dict)


def publish_record_path(warehouse: Warehouse) -> Path:
    return warehouse.root / PUBLISH_RECORD


def read_publish_record(warehouse: Warehouse) -> dict[str, Any] | None:
    """What ``publish.json`` says about the last publish and the last attempt, or None before the first one."""
    path = publish_record_path(warehouse)
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def last_publish(warehouse: Warehouse) -> dict[str, Any] | None:
    """The last successful publish: published_at, path, storage_version, tables (rows), hashes, open_data and
    last_attempt (which may be a later, blocked one); None before the first publish."""
    record = read_publish_record(warehouse)
    if not record or "published_at" not in record:
        return None
    tables = record.get("tables", {})
    return {
        "published_at": record["published_at"],
        "path": record.get("path"),
        "storage_version": record.get("storage_version"),
        "readable_by": record.get("readable_by"),
        "tables": {table: info["rows"] for table, info in tables.items()},
        "hashes": {table: info["sha256"] for table, info in tables.items()},
        "open_data": record.get("open_data", []),
        "last_attempt": record.get("last_attempt"),
    }


def storage_version_number(path: Path) -> int:
    """The storage version number in a DuckDB file's main header (64 for :data:`STORAGE_VERSION`)."""
    with path.open("rb") as handle:
        header = handle.read(_HEADER_SIZE)
    if len(header) < _HEADER_SIZE or header[_HEADER_MAGIC_OFFSET:12] != _HEADER_MAGIC:
        raise PublishError(f"{path} is not a DuckDB database file; delete it and publish again")
    return int.from_bytes(header[12:20], "little")


def load_dbt_docs(manifest: Path | None) -> dict[str, TableDocs]:
    """Model and column descriptions of the published tables from a dbt ``manifest.json`` (empty when absent)."""
    if manifest is None or not manifest.exists():
        return {}
    nodes = json.loads(manifest.read_text(encoding="utf-8")).get("nodes", {})
    docs: dict[str, TableDocs] = {}
    for node in nodes.values():
        name = node.get("alias") or node.get("name")
        if node.get("resource_type") != "model" or name not in PUBLISHED_TABLES:
            continue
        columns = {col: info.get("description", "") for col, info in node.get("columns", {}).items()}
        docs[name] = TableDocs(node.get("description", ""), {k: v for k, v in columns.items() if v})
    return docs


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _build_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_name from duckdb_tables() where database_name = 'build' and schema_name = ? "
        "union all select view_name from duckdb_views() where database_name = 'build' and schema_name = ?",
        [BUILD_SCHEMA, BUILD_SCHEMA],
    ).fetchall()
    return {row[0] for row in rows}


def _comment(con: duckdb.DuckDBPyConnection, table: str, docs: TableDocs | None, columns: set[str]) -> None:
    if docs is None:
        return
    if docs.description:
        con.execute(f"comment on table marts.main.{_quote(table)} is {_literal(docs.description)}")
    for column, text in sorted(docs.columns.items()):
        if column in columns:
            con.execute(f"comment on column marts.main.{_quote(table)}.{_quote(column)} is {_literal(text)}")


def build_aside(warehouse: Warehouse, source_db: Path | None = None, *, manifest: Path | None = None) -> Path:
    """Copy every published table from the build database into a new file beside ``marts.duckdb``.

    Rows are stored sorted by all their columns, so identical content gives identical tables. The file is written
    in :data:`STORAGE_VERSION`, checkpointed and closed; the caller owns it (gate it, then replace or delete it).
    """
    source = source_db or warehouse.build_db
    if not source.exists():
        raise PublishError(f"no build database at {source}: run the dbt build (msdw run) before publishing")
    target = warehouse.marts.parent / f".marts.{uuid.uuid4().hex}.duckdb"
    target.parent.mkdir(parents=True, exist_ok=True)
    docs = load_dbt_docs(manifest if manifest is not None else warehouse.dbt_docs / "manifest.json")
    try:
        con = duckdb.connect(config=duckdb_config(warehouse))
        try:
            try:
                con.execute(f"attach {_literal(os.fspath(source))} as build (read_only)")
            except duckdb.IOException as exc:
                raise PublishError(
                    f"cannot read the build database {source} ({exc}); if dbt is still running, wait for it to "
                    "finish and publish again"
                ) from exc
            missing = sorted(set(PUBLISHED_TABLES) - _build_tables(con))
            if missing:
                raise PublishError(
                    f"the build database {source} lacks {', '.join(missing)}: run the dbt build to completion first"
                )
            con.execute(f"attach {_literal(os.fspath(target))} as marts (storage_version {_literal(STORAGE_VERSION)})")
            for table in PUBLISHED_TABLES:
                name = _quote(table)
                con.execute(
                    f"create table marts.main.{name} as select * from build.{_quote(BUILD_SCHEMA)}.{name} order by all"
                )
                columns = {
                    row[0]
                    for row in con.execute(
                        "select column_name from duckdb_columns() where database_name = 'marts' and table_name = ?",
                        [table],
                    ).fetchall()
                }
                _comment(con, table, docs.get(table), columns)
            con.execute("checkpoint marts")
            con.execute("detach marts")
            con.execute("detach build")
        finally:
            con.close()
    except BaseException:
        _remove(target)
        raise
    found = storage_version_number(target)
    if found != STORAGE_VERSION_NUMBER:
        _remove(target)
        raise PublishError(
            f"the new marts file has storage version {found}, not {STORAGE_VERSION_NUMBER}: "
            "check that this DuckDB still supports STORAGE_VERSION and update msdw.publish"
        )
    return target


def table_summary(db_path: Path) -> tuple[dict[str, int], dict[str, str]]:
    """Row count and a SHA-256 of the column types and content of each published table in ``db_path``.

    The content is summarised as the sums of the two halves of each row's MD5, which do not depend on the rows' order
    and are computed in one streaming pass: sorting ten years at scale 100 into one string took 14 GB.
    """
    rows: dict[str, int] = {}
    hashes: dict[str, str] = {}
    with contextlib.closing(duckdb.connect(os.fspath(db_path), read_only=True)) as con:
        for table in PUBLISHED_TABLES:
            name = _quote(table)
            schema = con.execute(
                "select string_agg(column_name || ' ' || data_type, ', ' order by column_index) "
                "from duckdb_columns() where schema_name = 'main' and table_name = ?",
                [table],
            ).fetchone()
            count, digest = con.execute(
                "select count(*), coalesce(sum(md5_number_lower(t::varchar)), 0) || ':' || "
                f"coalesce(sum(md5_number_upper(t::varchar)), 0) from main.{name} as t"
            ).fetchone()
            rows[table] = int(count)
            hashes[table] = f"{schema[0] if schema else ''}|{digest}"
    return rows, {table: _sha256_text(text) for table, text in hashes.items()}


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _remove(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()


@contextlib.contextmanager
def _publish_lock(warehouse: Warehouse) -> Iterator[None]:
    warehouse.root.mkdir(parents=True, exist_ok=True)
    with (warehouse.root / LOCK_FILE).open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise PublishError(
                f"another publish holds {warehouse.root / LOCK_FILE}; wait for it to finish, then publish again"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@dataclass(frozen=True)
class _Outcome:
    passed: bool
    failures: list[str]
    months: MonthProfile | None = None  # the profile the plausibility checks read, recorded when published


def _default_gate(db_path: Path, warehouse: Warehouse) -> GateOutcome:
    """The mart gate: the Great Expectations suites of the marts, then the plausibility checks against the last
    publish (``msdw.plausibility``)."""
    from msdw.plausibility import implausible
    from msdw.quality.mart_gate import check_marts

    checked = check_marts(db_path, warehouse)
    months = month_profile(db_path, PUBLISHED_TABLES)
    failures = [*checked.failures, *implausible(db_path, PUBLISHED_TABLES, read_publish_record(warehouse), months)]
    return _Outcome(checked.passed and not failures, failures, months)


def needs_build(warehouse: Warehouse) -> bool:
    """Whether the marts must be built even though no return changed: never published, or the last attempt did not
    publish (blocked, or stopped by an error)."""
    record = read_publish_record(warehouse) or {}
    return "published_at" not in record or not (record.get("last_attempt") or {}).get("published", False)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _record(warehouse: Warehouse, update: dict[str, Any]) -> None:
    record = read_publish_record(warehouse) or {}
    record.update(update)
    write_text_atomically(publish_record_path(warehouse), json.dumps(record, indent=2, sort_keys=True) + "\n")


def publish(
    warehouse: Warehouse,
    gate: Gate | None = None,
    *,
    source_db: Path | None = None,
    manifest: Path | None = None,
) -> PublishResult:
    """Build the marts aside, gate them, and on success swap them into ``marts.duckdb`` and write open data.

    On a gate failure the new file is deleted, ``marts.duckdb`` and ``open_data/`` stay as they were, and
    ``publish.json`` notes the blocked attempt. Errors before the swap also leave the old file in place.
    """
    from msdw.open_data.write import build_open_data

    check = gate or _default_gate
    wal = warehouse.marts.with_name(warehouse.marts.name + ".wal")
    with _publish_lock(warehouse):
        if wal.exists():
            raise PublishError(
                f"{wal} exists: someone opened marts.duckdb read-write. Close that connection and delete the WAL "
                "file; analysts must open marts.duckdb read-only"
            )
        for stale in warehouse.marts.parent.glob(".marts.*.duckdb*"):  # left by a publish that was killed
            _remove(stale)
        aside: Path | None = None
        try:
            aside = build_aside(warehouse, source_db, manifest=manifest)
            outcome = check(aside, warehouse)
            if not outcome.passed:
                failures = list(outcome.failures) or ["the mart gate failed without saying why"]
                _record(warehouse, {"last_attempt": {"at": _now(), "published": False, "failures": failures}})
                return PublishResult(False, warehouse.marts, failures)
            failpoint("gate")
            rows, hashes = table_summary(aside)
            months = getattr(outcome, "months", None) or month_profile(aside, PUBLISHED_TABLES)
            open_data = build_open_data(aside)
            warehouse.protect_marts(aside)
            replace_durably(aside, warehouse.marts)
            failpoint("publish")
        except Exception as exc:
            failure = f"publishing stopped before replacing marts.duckdb: {type(exc).__name__}: {exc}"
            _record(warehouse, {"last_attempt": {"at": _now(), "published": False, "failures": [failure]}})
            raise
        finally:
            if aside is not None:
                _remove(aside)
        written = open_data.write(warehouse.open_data)
        published_at = _now()
        _record(
            warehouse,
            {
                "published_at": published_at,
                "path": os.fspath(warehouse.marts),
                "storage_version": STORAGE_VERSION,
                "storage_version_number": STORAGE_VERSION_NUMBER,
                "readable_by": STORAGE_READ_BY,
                "tables": {table: {"rows": rows[table], "sha256": hashes[table]} for table in PUBLISHED_TABLES},
                "months": months,
                "open_data": sorted(path.name for path in written),
                "last_attempt": {"at": published_at, "published": True, "failures": []},
            },
        )
        return PublishResult(True, warehouse.marts, [], rows, written)
