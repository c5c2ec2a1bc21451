"""Hand-made raw zones for dbt tests: Parquet written with DuckDB from literal rows, typed as ``msdw.raw`` says."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from msdw import sources
from msdw.raw import LEDGER_VERSION_COLUMNS, table_columns, version_path
from msdw.warehouse import Warehouse

Row = dict[str, Any]


def _literal_table(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str], rows: list[Row]) -> None:
    unknown = {key for row in rows for key in row} - set(columns)
    if unknown:
        raise KeyError(f"{name} has no columns {sorted(unknown)}")
    ddl = ", ".join(f'"{col}" {dtype}' for col, dtype in columns.items())
    con.execute(f"create or replace temp table {name} ({ddl})")
    if rows:
        marks = ", ".join("?" for _ in columns)
        con.executemany(f"insert into {name} values ({marks})", [[row.get(c) for c in columns] for row in rows])


def _write_parquet(path: Path, columns: dict[str, str], rows: list[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        _literal_table(con, "t", columns, rows)
        con.execute(f"copy t to '{os.fspath(path)}' (format parquet)")


@dataclass
class RawZone:
    """A raw zone and ledger export under ``warehouse``, one return version at a time."""

    warehouse: Warehouse
    ledger: list[Row] = field(default_factory=list)

    def _next_version(self, key: str) -> int:
        return 1 + sum(1 for row in self.ledger if row["return_key"] == key)

    def add(
        self,
        source: str,
        submitter: str,
        month: str,
        part: str,
        received_at: dt.datetime,
        tables: dict[str, list[Row]] | None = None,
        *,
        quarantined: str | None = None,
        warnings: int = 0,
    ) -> str:
        """Record a return version; accepted versions also land in the raw zone. Returns its SHA-256."""
        key = f"{source}|{submitter}|{month}|{part}"
        version = self._next_version(key)
        sha = hashlib.sha256(f"{key}|{version}".encode()).hexdigest()
        first_day = dt.date.fromisoformat(f"{month}-01")
        tables = tables or {}
        src = sources.source(source)
        kind = next(f for f in src.files if f.part == part)
        if quarantined is None:
            for table in kind.tables:
                meta = {
                    "_sha256": sha,
                    "_source": source,
                    "_submitter": submitter,
                    "_month": first_day,
                    "_part": part,
                    "_version": version,
                    "_received_at": received_at,
                }
                rows = [{**meta, "_row": n + 2, **row} for n, row in enumerate(tables.get(table.name, []))]
                path = version_path(self.warehouse.raw, table.name, month, submitter, version, sha)
                _write_parquet(path, table_columns(table), rows)
        self.ledger.append(
            {
                "return_key": key,
                "source": source,
                "submitter": submitter,
                "month": first_day,
                "part": part,
                "version": version,
                "sha256": sha,
                "original_path": f"{source}/{month}/{submitter}",
                "received_at": received_at,
                "status": "QUARANTINED" if quarantined else "ACCEPTED",
                "rows": None if quarantined else sum(len(r) for r in tables.values()),
                "warnings": warnings,
                "warning_text": None,
                "error_text": quarantined,
                "processed_at": self._processed_at(received_at),
            }
        )
        self.write_ledger()
        return sha

    def _processed_at(self, received_at: dt.datetime) -> dt.datetime:
        """Processing follows receipt and never goes back in time, as in the pipeline."""
        latest = max((row["processed_at"] for row in self.ledger), default=received_at)
        return max(received_at, latest) + dt.timedelta(minutes=1)

    def write_ledger(self) -> None:
        _write_parquet(self.warehouse.ledger_export, LEDGER_VERSION_COLUMNS, self.ledger)
