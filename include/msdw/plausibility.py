"""The mart gate's plausibility checks: a publish that would take away what analysts already have is blocked.

Great Expectations checks that the new marts are valid; these check that they are believable beside the last
publish:

- **No accepted return.** Marts built over an empty raw zone are valid and empty. Published, they would replace every
  figure with nothing; most often the build was pointed at the wrong warehouse.
- **Rows lost for unchanged months.** For each month, a fingerprint of its returns (its rows of
  ``mart_return_status``: the latest accepted version of each expected return, when it came, its rows) and the rows
  each month-grained table holds for it are recorded at every publish (``publish.json``, ``months``). A month whose
  returns are the same as at the last publish must not have fewer rows in any of those tables than it had then: the
  data did not change, so the build lost them.

A month-grained table is any published table with a ``month`` column.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

STATUS_TABLE = "mart_return_status"
ACCEPTED_STATUSES = ("ACCEPTED", "LATE")  # a return with an accepted version (LATE: accepted after its due day)
MONTH_COLUMN = "month"

MonthProfile = dict[str, dict[str, Any]]
"""``{"2019-01": {"returns": fingerprint, "rows": {table: rows}}}``."""


def _month_tables(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> list[str]:
    rows = con.execute(
        "select table_name from duckdb_columns() where schema_name = 'main' and column_name = ? "
        "and data_type = 'DATE' order by table_name",
        [MONTH_COLUMN],
    ).fetchall()
    return [row[0] for row in rows if row[0] in tables]


def month_profile(db_path: Path, tables: tuple[str, ...]) -> MonthProfile:
    """Each month's fingerprint of returns and its rows in each month-grained table of ``tables`` in ``db_path``."""
    profile: MonthProfile = {}
    with contextlib.closing(duckdb.connect(os.fspath(db_path), read_only=True)) as con:
        fingerprints = con.execute(
            f"select strftime({MONTH_COLUMN}, '%Y-%m'), md5(string_agg(t::varchar, ',' order by t::varchar)) "
            f"from main.{STATUS_TABLE} as t group by all"
        ).fetchall()
        for month, fingerprint in fingerprints:
            profile[month] = {"returns": fingerprint, "rows": {}}
        for table in _month_tables(con, tables):
            counts = con.execute(
                f"select strftime({MONTH_COLUMN}, '%Y-%m'), count(*) from main.\"{table}\" "
                f"where {MONTH_COLUMN} is not null group by all"
            ).fetchall()
            for month, count in counts:
                profile.setdefault(month, {"returns": None, "rows": {}})["rows"][table] = int(count)
    return profile


def accepted_returns(db_path: Path) -> int:
    """How many expected returns of ``db_path`` have an accepted version."""
    with contextlib.closing(duckdb.connect(os.fspath(db_path), read_only=True)) as con:
        query = f"select count(*) from main.{STATUS_TABLE} where status in {ACCEPTED_STATUSES}"
        return int(con.execute(query).fetchone()[0])


def implausible(
    db_path: Path, tables: tuple[str, ...], previous: Mapping[str, Any] | None, now: MonthProfile | None = None
) -> list[str]:
    """Why the marts at ``db_path`` must not replace the last publish (``previous``: ``publish.json``); empty when
    they may. ``now``: ``db_path``'s :func:`month_profile`, when the caller has it already."""
    if accepted_returns(db_path) == 0:
        return [
            f"{STATUS_TABLE}: no return has been accepted, so every mart is empty; nothing is published over the last "
            "good marts. Check that the build reads the warehouse the ingest DAGs write (MSDW_WAREHOUSE, the Airflow "
            "Variable msdw_warehouse or the run's conf) and that its inbox holds returns"
        ]
    before: MonthProfile = dict((previous or {}).get("months") or {})
    if not before or "published_at" not in (previous or {}):
        return []
    now = now if now is not None else month_profile(db_path, tables)
    failures = []
    for month, then in sorted(before.items()):
        current = now.get(month)
        if current is None or current.get("returns") != then.get("returns"):
            continue  # its returns changed (a revision, a late return, retention): fewer rows may be right
        for table, rows_then in sorted((then.get("rows") or {}).items()):
            rows_now = current["rows"].get(table, 0)
            if rows_now < rows_then:
                failures.append(
                    f"{table}: {month} has {rows_now} rows, {rows_then} at the last publish, though its returns have "
                    "not changed; the build lost rows. Check the dbt build's log and the raw zone, then run the "
                    "build again"
                )
    return failures
