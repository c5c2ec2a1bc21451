"""Parsers: one return file in, typed and pseudonymised tables out, with errors and warnings naming row and column.

Reading is format-specific (CSV through DuckDB's reader, workbooks through calamine, JSON Lines line by
line); everything after is the same for every source: the text columns go through one DuckDB query that types each
value with :mod:`msdw.normalise` and replaces personal data by pseudonyms with :mod:`msdw.pseudonymise`. Names and
dates of birth exist only in memory, in the text columns, and never in what this module returns.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import numpy as np
import pyarrow as pa

from msdw import normalise, pseudonymise, reference
from msdw.raw import DUCKDB_TYPES, PERSON_COLUMNS
from msdw.returns import Identified, Issue, ReturnIdentity, identify
from msdw.sources import SOURCES
from msdw.sources import table as source_table
from msdw.sources.spec import ColumnType, FileKind, SumsTo, Table

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


class ParseFailure(Exception):
    """Raised inside a reader; becomes an error of the return."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.message, self.row, self.column = message, row, column


@dataclass
class TextTable:
    """A table as received: every cell text or None, plus the row each record came from."""

    columns: dict[str, list[str | None]] | pa.Table
    rows: list[int] | pa.Array
    headers: list[str]  # as received, normalised


def header_name(text: str) -> str:
    """Column names match case-insensitively, ignoring surrounding spaces; inner spaces and hyphens read as ``_``."""
    return re.sub(r"[\s\-]+", "_", str(text).strip().lower())


# --- decoding -------------------------------------------------------------------------------------------------


def decode(content: bytes) -> str:
    """UTF-8 with or without a byte-order mark, or Windows-1252."""
    return decode_text(content)[0]


def decode_text(content: bytes) -> tuple[str, bool]:
    """The text of a file, and whether it was UTF-8 (else Windows-1252); our error for anything else."""
    if not content.strip():
        raise ParseFailure("the file is empty: expected a header row")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in content[:4096]:
        raise ParseFailure("the file is UTF-16 or binary, not text: save it as UTF-8 (or Windows-1252) and resend")
    body = content[3:] if content.startswith(b"\xef\xbb\xbf") else content
    try:
        return body.decode("utf-8"), True
    except UnicodeDecodeError:
        pass
    try:
        return body.decode("cp1252"), False
    except UnicodeDecodeError as exc:
        raise ParseFailure(
            f"the file is neither UTF-8 nor Windows-1252 text (byte {exc.start}): save it as UTF-8 and resend"
        ) from exc


# --- readers --------------------------------------------------------------------------------------------------


def read_csv(con: duckdb.DuckDBPyConnection, content: bytes) -> TextTable:
    """A CSV as text columns, read by DuckDB's CSV reader with the dialect of returns.md fixed (no sniffing)."""
    text, utf8 = decode_text(content)
    first_line = text.split("\n", 1)[0].rstrip("\r")
    try:
        header_cells = next(iter(_csv_rows(first_line)), [])
    except csv.Error as exc:
        raise ParseFailure(f"the header row is not valid CSV ({exc})", row=1) from None
    headers = [header_name(h) for h in header_cells]
    if not any(headers):
        raise ParseFailure("the first line holds no column names", row=1)
    data = content if utf8 else text.encode("utf-8")
    names = {f"c{i}": "VARCHAR" for i in range(len(headers))}
    try:
        table = con.read_csv(
            io.BytesIO(data),
            header=True,
            sep=",",
            quotechar='"',
            escapechar='"',
            columns=names,
            auto_detect=False,
            strict_mode=True,
            null_padding=False,
        ).to_arrow_table()
    except duckdb.Error as exc:
        raise _csv_failure(str(exc)) from None
    table = table.rename_columns(headers)
    rows = pa.array(range(2, table.num_rows + 2), type=pa.int32())
    return TextTable(table, rows, headers)


def _csv_failure(message: str) -> ParseFailure:
    """Our error from DuckDB's, keeping the record number and the counts but never the line's content."""
    line = re.search(r"CSV Error on Line: (\d+)", message)
    counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    row = int(line[1]) if line else None
    if counts:
        return ParseFailure(f"expected {counts[1]} cells, found {counts[2]}", row=row)
    first = message.splitlines()[0].replace("Invalid Input Error: ", "")
    return ParseFailure(f"not a readable CSV file: {first}", row=row)


def _csv_rows(text: str) -> Iterable[list[str]]:
    return csv.reader(io.StringIO(text))


def read_jsonl(content: bytes, table: Table) -> TextTable:
    """One JSON object a line; an empty file is a month with nothing to report."""
    if not content.strip():
        return TextTable({c.name: [] for c in table.columns}, [], [c.name for c in table.columns])
    text = decode(content)
    columns: dict[str, list[str | None]] = {c.name: [] for c in table.columns}
    rows: list[int] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ParseFailure(f"not valid JSON: {exc.msg} at character {exc.pos + 1}", row=number) from exc
        if not isinstance(obj, dict):
            raise ParseFailure("each line must hold one JSON object", row=number)
        seen.update(_json_keys(obj))
        for col in table.columns:
            columns[col.name].append(_json_text(_json_get(obj, col.json_path or col.name)))
        rows.append(number)
    headers = [c.name for c in table.columns if (c.json_path or c.name) in seen]
    headers += sorted(k for k in seen if k not in {c.json_path or c.name for c in table.columns} and k != "person")
    return TextTable(columns, rows, headers)


def _json_keys(obj: dict, prefix: str = "") -> Iterable[str]:
    for key, value in obj.items():
        yield prefix + key
        if isinstance(value, dict):
            yield from _json_keys(value, prefix + key + ".")


def _json_get(obj: dict, path: str) -> object:
    value: object = obj
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float | Decimal):
        return format(value, "f") if isinstance(value, Decimal) else repr(value)
    return str(value)


class Workbook:
    """A workbook's sheets as rows of cell values, read by calamine (a Rust reader of the values Excel cached).

    Row ``n`` of :meth:`rows` is the sheet's row ``n + 1``: the empty area above and left of the first cell is kept,
    so row numbers in messages are the ones the sender sees. Empty cells are ``None``.
    """

    def __init__(self, content: bytes) -> None:
        from python_calamine import CalamineWorkbook

        try:
            self._book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        except Exception as exc:  # a damaged zip or XML part fails in many ways
            raise ParseFailure(
                f"not a readable .xlsx workbook ({type(exc).__name__}): resend it saved as .xlsx"
            ) from exc
        self.sheetnames: list[str] = list(self._book.sheet_names)

    def rows(self, sheet: str) -> list[tuple]:
        values = self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        return [tuple(None if v == "" else v for v in row) for row in values]

    def close(self) -> None:
        self._book.close()


def read_cover(workbook: Workbook, kind: FileKind) -> dict[str, str | None]:
    if "Cover" not in workbook.sheetnames:
        raise ParseFailure("the workbook has no 'Cover' sheet")
    found: dict[str, str | None] = {}
    labels = {header_name(label): name for label, name in kind.cover}
    for row in workbook.rows("Cover"):
        if row and row[0] is not None and header_name(row[0]) in labels:
            found[labels[header_name(row[0])]] = _cell_text(row[1] if len(row) > 1 else None)
    return found


def read_sheet(workbook: Workbook, table: Table) -> tuple[TextTable, list[Issue]]:
    """A table from its sheet: a title may stand above the header; a last ``Total`` row is checked and dropped."""
    if table.sheet not in workbook.sheetnames:
        raise ParseFailure(f"the workbook has no {table.sheet!r} sheet")
    first = table.columns[0].name
    headers: list[str] | None = None
    data: list[tuple[int, tuple]] = []
    for number, row in enumerate(workbook.rows(table.sheet), start=1):
        if headers is None:
            if row and row[0] is not None and header_name(row[0]) == first:
                headers = [header_name(h) if h is not None else "" for h in row]
            continue
        if row is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        data.append((number, row))
    if headers is None:
        raise ParseFailure(f"sheet {table.sheet}: no header row starting with {first!r}", column=first)
    while headers and headers[-1] == "":
        headers.pop()
    warnings: list[Issue] = []
    total: tuple[int, tuple] | None = None
    if data and isinstance(data[-1][1][0], str) and data[-1][1][0].strip().lower().startswith("total"):
        total = data.pop()
    columns: dict[str, list[str | None]] = {h: [] for h in headers if h}
    for _, row in data:
        for i, h in enumerate(headers):
            if h:
                columns[h].append(_cell_text(row[i]) if i < len(row) else None)
    rows = [number for number, _ in data]
    if total is not None:
        warnings.extend(_check_totals(table, headers, columns, total))
    return TextTable(columns, rows, [h for h in headers if h]), warnings


def _check_totals(
    table: Table, headers: list[str], columns: dict[str, list[str | None]], total: tuple[int, tuple]
) -> list[Issue]:
    number, cells = total
    issues = []
    known = {c.name: c for c in table.columns}
    for i, h in enumerate(headers):
        col = known.get(h)
        if col is None or col.type not in (ColumnType.INTEGER, ColumnType.MONEY) or i >= len(cells):
            continue
        stated = cells[i]
        if stated is None or stated == "":
            continue
        try:
            stated_value = Decimal(str(stated).replace("£", "").replace(",", "").strip())
            summed = sum(Decimal(str(v).replace("£", "").replace(",", "").strip()) for v in columns[h] if v)
        except ArithmeticError:
            issues.append(Issue(table.sheet or table.name, "the Total row is not a number", number, h))
            continue
        if stated_value != summed:
            issues.append(
                Issue(table.sheet or table.name, f"Total row says {stated_value}, rows add up to {summed}", number, h)
            )
    return issues


# --- typing and pseudonymising --------------------------------------------------------------------------------


@dataclass
class _Pending:
    """A table read from one file, waiting to be typed with the other files of the batch."""

    index: int  # position of its file in the batch
    where: str  # file (and sheet) for messages
    text: pa.Table


class Parser:
    """Parses return files; holds one DuckDB connection with the look-ups and the pseudonym key installed.

    :meth:`parse_many` reads each file on its own, then types every table of the batch in one DuckDB query, so that
    a batch of many small returns costs about one query per table, not one per file.
    """

    def __init__(self, key: bytes, con: duckdb.DuckDBPyConnection | None = None) -> None:
        self.con = con or duckdb.connect()
        self.con.execute("set threads = 2")
        normalise.install_lookups(self.con, reference.nationality_aliases())
        pseudonymise.install_key(self.con, key)
        self._submitters = {s.name: (s.submitters, reference.codes(s.submitters)) for s in SOURCES if s.submitters}

    def parse(self, relpath: str, content: bytes, identified: Identified | None = None) -> ParsedReturn:
        return self.parse_many([(relpath, content, identified)])[0]

    def parse_many(self, files: list[tuple[str, bytes, Identified | None]]) -> list[ParsedReturn]:
        results: list[ParsedReturn] = []
        kinds: list[FileKind] = []
        pending: dict[str, list[_Pending]] = {}
        for index, (relpath, content, identified) in enumerate(files):
            identified = identified or identify(relpath)
            result = ParsedReturn(identified.identity)
            results.append(result)
            kinds.append(identified.kind)
            try:
                for table, where, text in self._read(result, relpath, content, identified):
                    pending.setdefault(table.name, []).append(_Pending(index, where, text))
            except ParseFailure as exc:
                result.errors.append(Issue(relpath, exc.message, exc.row, exc.column))
        for name, entries in pending.items():
            live = [e for e in entries if not results[e.index].errors]
            if live:
                self._type_batch(source_table(name), live, results)
        for (relpath, _, _), kind, result in zip(files, kinds, results, strict=True):
            if not result.errors and kind.checks:
                result.warnings.extend(count_checks(relpath, kind, result.tables))
            if result.errors:
                result.tables = {}
        return results

    def _read(
        self, result: ParsedReturn, relpath: str, content: bytes, identified: Identified
    ) -> list[tuple[Table, str, pa.Table]]:
        kind = identified.kind
        seed, known = self._submitters.get(identified.identity.source, ("", None))
        if known is not None and identified.identity.submitter not in known:
            raise ParseFailure(
                f"unknown {seed.removesuffix('s')} code {identified.identity.submitter!r} in the path: use a code"
                f" from seeds/{seed}.csv (docs/returns.md)"
            )
        if kind.format == "csv":
            return [(t, relpath, self._checked(result, relpath, t, read_csv(self.con, content))) for t in kind.tables]
        if kind.format == "jsonl":
            return [(t, relpath, self._checked(result, relpath, t, read_jsonl(content, t))) for t in kind.tables]
        if kind.format == "xlsx":
            workbook = Workbook(content)
            try:
                self._check_cover(relpath, read_cover(workbook, kind), identified.identity)
                read = []
                for table in kind.tables:
                    text, warnings = read_sheet(workbook, table)
                    result.warnings.extend(Issue(f"{relpath} [{w.file}]", w.message, w.row, w.column) for w in warnings)
                    where = f"{relpath} [{table.sheet}]"
                    read.append((table, where, self._checked(result, where, table, text)))
                return read
            except ParseFailure:
                raise
            except Exception as exc:  # a damaged sheet fails in many ways inside the reader
                raise ParseFailure(f"the workbook is damaged ({type(exc).__name__}): resend it saved as .xlsx") from exc
            finally:
                workbook.close()
        raise ParseFailure(f"unsupported format {kind.format}")  # pragma: no cover - descriptions name no other

    def _check_cover(self, relpath: str, cover: dict[str, str | None], identity: ReturnIdentity) -> None:
        value = cover.get("reporting_month")
        if value is None:
            raise ParseFailure("the Cover sheet has no 'Reporting month'", column="Reporting month")
        month = self.con.execute(f"select {normalise.date('$1')}", [value]).fetchall()[0][0]
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

    @staticmethod
    def _checked(result: ParsedReturn, where: str, table: Table, text: TextTable) -> pa.Table:
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
                    values.combine_chunks()
                    if isinstance(values, pa.ChunkedArray)
                    else pa.array(values, type=pa.string())
                )
            else:
                arrays[col.name] = pa.nulls(n, type=pa.string())
        return pa.table(arrays)

    def _type_batch(self, table: Table, entries: list[_Pending], results: list[ParsedReturn]) -> None:
        """Type, check and pseudonymise one table of every file in the batch, in one pass over the cells."""
        where = {e.index: e.where for e in entries}
        src = pa.concat_tables(
            e.text.append_column("_file", pa.array([e.index] * e.text.num_rows, type=pa.int32())) for e in entries
        )
        self.con.register("src", src)
        try:
            self.con.execute(f"create or replace temp table typed as {self._typed_sql(table)}")
        finally:
            self.con.unregister("src")
        try:
            bad = self._collect_parse_errors(table, where, results)
            self._collect_warnings(table, where, results)
            keep = ["_file", "_row"] + [_q(c.name) for c in table.columns if not c.is_personal]
            if table.person is not None:
                keep += [f'"{name}"' for name in PERSON_COLUMNS]
            typed = self.con.sql(f"select {', '.join(keep)} from typed order by _file, _row").to_arrow_table()
        finally:
            self.con.execute("drop table if exists typed")
        files = typed.column("_file").to_numpy()
        typed = typed.drop_columns(["_file"])
        for e in entries:
            if e.index in bad:
                continue
            lo, hi = np.searchsorted(files, e.index, side="left"), np.searchsorted(files, e.index, side="right")
            results[e.index].tables[table.name] = typed.slice(lo, hi - lo)

    def _collect_parse_errors(self, table: Table, where: dict[int, str], results: list[ParsedReturn]) -> set[int]:
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
        for index, col, rows, vals, n in self.con.execute(sql).fetchall():
            column = table.column(col)
            shown = "withheld: personal data" if column.is_personal else ", ".join(repr(v) for v in vals)
            rows_text = ", ".join(map(str, rows)) + (f" and {n - len(rows)} more" if n > len(rows) else "")
            results[index].errors.append(
                Issue(where[index], f"not a valid {_type_word(column.type)} ({shown}); rows {rows_text}", rows[0], col)
            )
            bad.add(index)
        return bad

    def _typed_sql(self, table: Table) -> str:
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

    def _collect_warnings(self, table: Table, where: dict[int, str], results: list[ParsedReturn]) -> None:
        for col in table.columns:
            if col.type == ColumnType.NATIONALITY:
                for index, rows in self._rows_where(f"{_q(col.name)} = 'UNK'"):
                    results[index].warnings.append(
                        _rows_issue(where[index], col.name, rows, "nationality not recognised: UNK")
                    )
        for rule in table.rules:
            if isinstance(rule, SumsTo):
                cond = (
                    f"{rule.column} is not null and {rule.total} is not null and "
                    f"list_sum(list_transform({rule.column}, lambda e: e.suspects)) <> {rule.total}"
                )
                for index, rows in self._rows_where(cond):
                    results[index].warnings.append(
                        _rows_issue(where[index], rule.column, rows, f"counts do not add up to {rule.total}")
                    )

    def _rows_where(self, condition: str) -> list[tuple[int, list[int]]]:
        """Rows of the typed batch meeting ``condition``, by file (files with parse errors included; they are
        quarantined anyway)."""
        return self.con.execute(
            f"select _file, list(_row order by _row) from typed where {condition} group by _file order by _file"
        ).fetchall()


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
