"""The three file readers: CSV (DuckDB's reader, the dialect of returns.md fixed), JSON Lines and xlsx workbooks
(calamine), with a workbook's Cover sheet. Each gives a table's cells as text with the row each came from; typing is
:mod:`msdw.parse.typed`'s.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pyarrow as pa

from msdw.returns import Issue
from msdw.sources.spec import ColumnType, FileKind, Table


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
