"""The typing step: the text tables of a batch of files typed, checked and pseudonymised in one DuckDB query per table.

Each value is typed with :mod:`msdw.normalise` and personal data replaced by pseudonyms with :mod:`msdw.pseudonymise`;
a value that does not read as its type is an error naming its rows and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from msdw import normalise, pseudonymise
from msdw.raw import DUCKDB_TYPES, PERSON_COLUMNS
from msdw.returns import Issue, ReturnIdentity
from msdw.sources.spec import ColumnType, SumsTo, Table

MAX_EXAMPLES = 5  # rows named per problem column in an error message
_RAW = "__text__"  # prefix of the cleaned text kept beside each typed value that can fail to read


@dataclass
class ParsedReturn:
    identity: ReturnIdentity
    tables: dict[str, pa.Table] = field(default_factory=dict)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(t.num_rows for t in self.tables.values())


@dataclass
class Pending:
    """A table read from one file, waiting to be typed with the other files of the batch."""

    index: int  # position of its file in the batch
    where: str  # file (and sheet) for messages
    text: pa.Table


def type_batch(
    con: duckdb.DuckDBPyConnection, table: Table, entries: list[Pending], results: list[ParsedReturn]
) -> None:
    """Type, check and pseudonymise one table of every file in the batch, in one pass over the cells."""
    where = {e.index: e.where for e in entries}
    src = pa.concat_tables(
        e.text.append_column("_file", pa.array([e.index] * e.text.num_rows, type=pa.int32())) for e in entries
    )
    con.register("src", src)
    try:
        con.execute(f"create or replace temp table typed as {typed_sql(table)}")
    finally:
        con.unregister("src")
    try:
        bad = _collect_parse_errors(con, table, where, results)
        _collect_warnings(con, table, where, results)
        keep = ["_file", "_row"] + [_q(c.name) for c in table.columns if not c.is_personal]
        if table.person is not None:
            keep += [f'"{name}"' for name in PERSON_COLUMNS]
        typed = con.sql(f"select {', '.join(keep)} from typed order by _file, _row").to_arrow_table()
    finally:
        con.execute("drop table if exists typed")
    files = typed.column("_file").to_numpy()
    typed = typed.drop_columns(["_file"])
    for e in entries:
        if e.index in bad:
            continue
        lo, hi = np.searchsorted(files, e.index, side="left"), np.searchsorted(files, e.index, side="right")
        results[e.index].tables[table.name] = typed.slice(lo, hi - lo)


def _collect_parse_errors(
    con: duckdb.DuckDBPyConnection, table: Table, where: dict[int, str], results: list[ParsedReturn]
) -> set[int]:
    fallible = [c for c in table.columns if normalise.can_fail(c)]
    if not fallible:
        return set()
    value = "case col " + " ".join(
        f"when '{c.name}' then {'null' if c.is_personal else _q(_RAW + c.name)}" for c in fallible
    )
    sql = (
        f"select _file, col, list(_row order by _row)[1:{MAX_EXAMPLES}] as rows,"
        f" list(val order by _row)[1:3] as vals, count(*) as n"
        f" from (select _file, _row, col, {value} end as val from (select *, unnest(_bad) as col from typed"
        f" where len(_bad) > 0)) group by _file, col order by _file, min(_row)"
    )
    bad = set()
    for index, col, rows, vals, n in con.execute(sql).fetchall():
        column = table.column(col)
        shown = "withheld: personal data" if column.is_personal else ", ".join(repr(v) for v in vals)
        rows_text = ", ".join(map(str, rows)) + (f" and {n - len(rows)} more" if n > len(rows) else "")
        results[index].errors.append(
            Issue(where[index], f"not a valid {_type_word(column.type)} ({shown}); rows {rows_text}", rows[0], col)
        )
        bad.add(index)
    return bad


def typed_sql(table: Table) -> str:
    """``cleaned``: each cell trimmed and nulls read, once; ``typed``: each value typed, once; then the
    pseudonyms, and ``_bad``, the columns of each row whose text did not read as its type."""
    cleaned = [f"{normalise.clean(_q(c.name))} as {_q(c.name)}" for c in table.columns]
    typed = [f"({normalise.typed(c, _q(c.name))})::{DUCKDB_TYPES[c.type]} as {_q(c.name)}" for c in table.columns]
    fallible = [c for c in table.columns if normalise.can_fail(c)]
    typed += [f"{_q(c.name)} as {_q(_RAW + c.name)}" for c in fallible]
    flags = ", ".join(
        f"case when {_q(_RAW + c.name)} is not null and {_q(c.name)} is null then '{c.name}' end" for c in fallible
    )
    bad = f"list_filter([{flags}], lambda x: x is not null)" if fallible else "[]::varchar[]"
    outer = ["_file", "_row"] + [_q(c.name) for c in table.columns if not c.is_personal]
    outer += [_q(_RAW + c.name) for c in fallible if not c.is_personal]
    if table.person is not None:
        identified_type = table.column(table.person.identified).type
        outer += pseudonymise.person_select(table.person, identified_type == ColumnType.TIMESTAMP)
    return (
        f"with cleaned as (select _file, _row, {', '.join(cleaned)} from src),"
        f" typed as (select _file, _row, {', '.join(typed)} from cleaned)"
        f" select {', '.join(outer)}, {bad} as _bad from typed"
    )


def _collect_warnings(
    con: duckdb.DuckDBPyConnection, table: Table, where: dict[int, str], results: list[ParsedReturn]
) -> None:
    for col in table.columns:
        if col.type == ColumnType.NATIONALITY:
            for index, rows in _rows_where(con, f"{_q(col.name)} = 'UNK'"):
                results[index].warnings.append(
                    _rows_issue(where[index], col.name, rows, "nationality not recognised: UNK")
                )
    for rule in table.rules:
        if isinstance(rule, SumsTo):
            cond = (
                f"{rule.column} is not null and {rule.total} is not null and "
                f"list_sum(list_transform({rule.column}, lambda e: e.suspects)) <> {rule.total}"
            )
            for index, rows in _rows_where(con, cond):
                results[index].warnings.append(
                    _rows_issue(where[index], rule.column, rows, f"counts do not add up to {rule.total}")
                )


def _rows_where(con: duckdb.DuckDBPyConnection, condition: str) -> list[tuple[int, list[int]]]:
    """Rows of the typed batch meeting ``condition``, by file (files with parse errors included; they are
    quarantined anyway)."""
    return con.execute(
        f"select _file, list(_row order by _row) from typed where {condition} group by _file order by _file"
    ).fetchall()


def _q(name: str) -> str:
    return f'"{name}"'


def _rows_issue(where: str, column: str, rows: list[int], message: str) -> Issue:
    listed = ", ".join(map(str, rows[:MAX_EXAMPLES])) + (
        f" and {len(rows) - MAX_EXAMPLES} more" if len(rows) > 5 else ""
    )
    return Issue(where, f"{message} (rows {listed})", rows[0], column)


def _type_word(kind: ColumnType) -> str:
    return {
        ColumnType.INTEGER: "whole number",
        ColumnType.DATE: "date (YYYY-MM-DD or DD/MM/YYYY)",
        ColumnType.TIMESTAMP: "ISO 8601 time with offset",
        ColumnType.BOOLEAN: "yes/no value (Y/N, Yes/No, TRUE/FALSE, 1/0)",
        ColumnType.MONEY: "money amount",
        ColumnType.NATIONALITY_COUNTS: "list of <nationality>:<count> entries",
    }.get(kind, str(kind))
