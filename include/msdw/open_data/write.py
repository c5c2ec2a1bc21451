"""The open data CSV files and ``notes.txt``: counts suppressed as disclosure control chose, rates derived, and text
made safe for spreadsheets (formula prefixes quoted).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from msdw.files import write_text_atomically
from msdw.open_data.disclosure import (
    NOT_APPLICABLE,
    SMALLEST_SHOWN,
    SUPPRESSED,
    Constraint,
    DisclosureError,
    TableData,
    control,
)
from msdw.open_data.tables import ALL, OPEN_TABLES, CellKey

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NOTES_FILE = "notes.txt"


def neutralise(text: str) -> str:
    """Text a spreadsheet would not run as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def rate_text(numerator: int, denominator: int, suppressed: bool) -> str:
    if suppressed:
        return SUPPRESSED
    if denominator == 0:
        return NOT_APPLICABLE
    return f"{numerator / denominator:.3f}"


def _all_last(value: str) -> tuple[bool, str]:
    return (value == ALL, value)


def _csv_text(
    data: TableData,
    expanded: Mapping[tuple[int, tuple[str, ...]], Mapping[str, int | Decimal]],
    suppressed: set[Hashable],
) -> str:
    spec = data.spec
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["year"]
    for column in spec.dimensions:
        header.append(column)
        header.extend(label.column for label in spec.labels if label.code == column)
    writer.writerow(header + list(spec.counts) + [rate.name for rate in spec.rates] + list(spec.amounts))
    ordered = sorted(expanded, key=lambda key: (key[0], [_all_last(d) for d in key[1]]))
    for year, dims in ordered:
        row = expanded[(year, dims)]
        line = [str(year)]
        for column, value in zip(spec.dimensions, dims, strict=True):
            line.append(neutralise(value))
            for label in spec.labels:
                if label.code == column:
                    name = "All" if value == ALL else data.labels.get(column, {}).get(value, "")
                    line.append(neutralise(name))
        hidden = {c: (spec.name, year, dims, c) in suppressed for c in spec.counts}
        line += [SUPPRESSED if hidden[c] else str(int(row[c])) for c in spec.counts]
        line += [
            rate_text(int(row[r.numerator]), int(row[r.denominator]), hidden[r.numerator] or hidden[r.denominator])
            for r in spec.rates
        ]
        line += [f"{Decimal(row[a]):.2f}" for a in spec.amounts]
        writer.writerow(line)
    return buffer.getvalue()


def notes_text() -> str:
    files = "\n".join(f"- {spec.file_name}: {spec.source} by year" for spec in OPEN_TABLES)
    return f"""msdw open data: figures on modern slavery for public release

Files
{files}

Each file is by calendar year. Rows whose code is {ALL} are totals over that column for the year; there is no
total across years. Every figure counts only the latest accepted version of each return.

Disclosure control (UK official statistics practice)
- {SUPPRESSED}: a count from 1 to {SMALLEST_SHOWN - 1}, or a count suppressed so that such a count cannot be worked
  out from totals, from another count it is part of, or from the same figure in another file.
- Zeros are shown: a zero identifies nobody, and many are structural (a figure an agency does not report is 0).
- A rate is {SUPPRESSED} when its numerator or denominator is suppressed, and {NOT_APPLICABLE} when its
  denominator is 0.
- Money recovered for workers is an amount, not a count of people, and is not suppressed.
- summary_by_year leaves out operations_live, a monthly count of live operations that cannot be added up over a
  year.
- Text that begins with =, +, -, @, a tab or a carriage return starts with a single quote (') so that spreadsheets
  do not treat it as a formula.
"""


@dataclass(frozen=True)
class OpenData:
    """The open data files, ready to write (file name -> text), and the cells and relations they were checked on."""

    files: dict[str, str]
    values: dict[CellKey, int] = field(default_factory=dict)
    constraints: list[Constraint] = field(default_factory=list)
    suppressed: frozenset[Hashable] = frozenset()

    def write(self, folder: Path) -> list[Path]:
        """Write every file atomically (temporary file, fsync, ``os.replace``); other files are left alone."""
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name in sorted(self.files):
            path = folder / name
            write_text_atomically(path, self.files[name])
            written.append(path)
        return written


def build_open_data(marts_db: Path) -> OpenData:
    """The disclosure-controlled CSV files (and ``notes.txt``) for the marts in ``marts_db``."""
    if not marts_db.exists():
        raise DisclosureError(f"no marts database at {marts_db}: publish the marts first")
    with contextlib.closing(duckdb.connect(os.fspath(marts_db), read_only=True)) as con:
        controlled = control(con, OPEN_TABLES)
    suppressed = set(controlled.suppressed)
    files = {
        table.spec.file_name: _csv_text(TableData(table.spec, labels=table.labels), table.cells, suppressed)
        for table in controlled.tables
    }
    files[NOTES_FILE] = notes_text()
    return OpenData(files, controlled.values, controlled.constraints, controlled.suppressed)


def write_open_data(marts_db: Path, folder: Path) -> list[Path]:
    """Write the open data CSVs and ``notes.txt`` for ``marts_db`` into ``folder``; returns the paths written."""
    return build_open_data(marts_db).write(folder)
