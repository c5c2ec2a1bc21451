"""The mart gate: a Great Expectations suite per published table, and totals reconciled with the raw zone.

Each published table (warehouse.md, "Published tables") is read from the candidate DuckDB file into pandas and
validated once by its suite: keys unique and not null, codes in their sets, rates in [0, 1], counts not negative.
Totals that must agree between tables, and with the latest accepted return versions in the raw zone, are computed in
DuckDB and checked by one more suite over a small frame of (check, actual, expected). Any failure blocks the publish.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from msdw.errors import SetupError
from msdw.quality.context import RunIdentifier, run_on_frame, warehouse_context
from msdw.quality.docs import build_data_docs
from msdw.quality.marts import DATASOURCE, SCHEMA, describe_failure, mart_tables, suite_columns, suite_for_mart
from msdw.quality.reconcile import (
    RECONCILIATION,
    RECONCILIATION_FORMAT,
    reconciliation_failures,
    reconciliation_frame,
    reconciliation_suite,
)
from msdw.warehouse import Warehouse

if TYPE_CHECKING:
    from great_expectations.data_context import AbstractDataContext

RESULT_FORMAT: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 20}


class GateError(SetupError, RuntimeError):
    """The mart gate could not run at all (no database, unreadable raw zone)."""


@dataclass(frozen=True)
class GateResult:
    passed: bool
    failures: list[str]
    results_path: Path | None
    checked: list[str] = field(default_factory=list)


def check_marts(
    db_path: Path,
    warehouse: Warehouse,
    context: AbstractDataContext | None = None,
    render_docs: bool = True,
) -> GateResult:
    """Run every mart suite and the reconciliations over ``db_path``; keep the results in ``warehouse``'s GX context.

    With ``render_docs``, Data Docs are then rebuilt from the results of both gates; a rendering problem is noted in
    the run's summary but does not block the publish.
    """
    if not Path(db_path).is_file():
        raise GateError(f"no database at {db_path}: build the marts (dbt) before running the mart gate")
    context = context if context is not None else warehouse_context(warehouse)
    run_time = dt.datetime.now(dt.UTC)
    run_id = RunIdentifier(run_name="mart_gate", run_time=run_time)
    failures: list[str] = []
    checked: list[str] = []
    con = duckdb.connect(os.fspath(db_path), read_only=True)
    try:
        present = _tables(con)
        for mart in mart_tables():
            if mart.name not in present:
                failures.append(f"{mart.name}: table missing from {Path(db_path).name}; check the dbt build")
                continue
            suite = suite_for_mart(mart)
            # only the columns the expectations read, text as categories (each distinct value held once): whole fact
            # tables at scale 100 took gigabytes in pandas
            columns = ", ".join(f'"{name}"' for name in suite_columns(suite))
            table = con.sql(f'select {columns} from {SCHEMA}."{mart.name}"').to_arrow_table()
            frame = table.to_pandas(strings_to_categorical=True)
            del table
            result = run_on_frame(context, suite, DATASOURCE, mart.name, frame, RESULT_FORMAT, run_id)
            del frame  # before the next table's frame is made
            failures += [describe_failure(mart.name, r) for r in result.results if not r.success]
            checked.append(mart.name)
        frame = reconciliation_frame(con, warehouse, present)
    finally:
        con.close()
    result = run_on_frame(
        context, reconciliation_suite(), DATASOURCE, RECONCILIATION, frame, RECONCILIATION_FORMAT, run_id
    )
    failures += reconciliation_failures(frame, result.results)
    checked.append(RECONCILIATION)
    docs_error = _render_docs(warehouse) if render_docs else None
    summary = _write_summary(warehouse, run_time, db_path, failures, checked, docs_error)
    return GateResult(passed=not failures, failures=failures, results_path=summary, checked=checked)


def _render_docs(warehouse: Warehouse) -> str | None:
    try:
        build_data_docs(warehouse)
    except Exception as exc:  # rendering must never block a publish
        return f"{type(exc).__name__}: {exc}"
    return None


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select table_name from information_schema.tables where table_schema = ?", [SCHEMA]).fetchall()
    return {r[0] for r in rows}


def _write_summary(
    warehouse: Warehouse,
    run_time: dt.datetime,
    db_path: Path,
    failures: list[str],
    checked: list[str],
    docs_error: str | None,
) -> Path:
    folder = warehouse.gx / "uncommitted" / "mart_gate"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run_time.strftime('%Y%m%dT%H%M%S.%fZ')}.json"
    record = {
        "run_time": run_time.isoformat(),
        "database": os.fspath(db_path),
        "passed": not failures,
        "failures": failures,
        "checked": checked,
        "data_docs": os.fspath(warehouse.data_docs / "index.html") if docs_error is None else None,
        "data_docs_error": docs_error,
    }
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return path
