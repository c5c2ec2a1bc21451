"""Checks of a return beyond its cells' types: the header against the description, the Cover sheet against the path,
and the counts that must match between a file's tables.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pyarrow as pa

from msdw import normalise
from msdw.parse.readers import ParseFailure, TextTable
from msdw.parse.typed import ParsedReturn
from msdw.returns import Issue, ReturnIdentity
from msdw.sources.spec import FileKind, Table


def count_checks(where: str, kind: FileKind, tables: dict[str, pa.Table]) -> list[Issue]:
    """The file's :class:`~msdw.sources.spec.CountsMatch` checks between its tables, as warnings."""
    import pyarrow.compute as pc

    issues = []
    for check in kind.checks:
        summed = pc.sum(tables[check.table].column(check.column)).as_py() or 0
        rows = tables[check.rows_of]
        counted = rows.num_rows if check.flag is None else pc.sum(pc.fill_null(rows.column(check.flag), False)).as_py()
        if summed != (counted or 0):
            issues.append(
                Issue(
                    where,
                    f"{check.table}.{check.column} adds up to {summed} but {check.rows_of} has {counted or 0} rows"
                    + (f" with {check.flag}" if check.flag else ""),
                    column=check.column,
                )
            )
    return issues


def check_cover(
    con: duckdb.DuckDBPyConnection, relpath: str, cover: dict[str, str | None], identity: ReturnIdentity
) -> None:
    value = cover.get("reporting_month")
    if value is None:
        raise ParseFailure("the Cover sheet has no 'Reporting month'", column="Reporting month")
    month = con.execute(f"select {normalise.date('$1')}", [value]).fetchall()[0][0]
    if month is None:
        month_text = re.fullmatch(r"\s*(\d{4})-(\d{2})\s*", value)
        month = dt.date(int(month_text[1]), int(month_text[2]), 1) if month_text else None
    if month is None:
        raise ParseFailure(f"Cover: 'Reporting month' {value!r} is not a date", column="Reporting month")
    if month.strftime("%Y-%m") != identity.month:
        raise ParseFailure(
            f"Cover: 'Reporting month' is {month:%Y-%m} but the file name says {identity.month}: "
            "the content disagrees with its path",
            column="Reporting month",
        )


def checked(result: ParsedReturn, where: str, table: Table, text: TextTable) -> pa.Table:
    """Header checks; the table's columns as text, in the description's order, missing optional ones null."""
    known = {c.name for c in table.columns}
    seen: set[str] = set()
    for h in text.headers:
        if h in seen:
            raise ParseFailure(f"column {h!r} appears twice in the header", row=1, column=h)
        seen.add(h)
    for extra in [h for h in text.headers if h not in known]:
        result.warnings.append(Issue(where, "unknown column ignored (kept in the archive)", column=extra))
    missing = [c for c in table.required_columns if c not in seen]
    if missing:
        raise ParseFailure(
            f"required column(s) missing: {', '.join(missing)}; found: {', '.join(text.headers)}",
            row=1,
            column=missing[0],
        )
    n = len(text.rows)
    arrays: dict[str, pa.Array] = {"_row": pa.array(text.rows, type=pa.int32())}
    for col in table.columns:
        if col.name in seen:
            values = text.columns[col.name]
            arrays[col.name] = (
                values.combine_chunks() if isinstance(values, pa.ChunkedArray) else pa.array(values, type=pa.string())
            )
        else:
            arrays[col.name] = pa.nulls(n, type=pa.string())
    return pa.table(arrays)
