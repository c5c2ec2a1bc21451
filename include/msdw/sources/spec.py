"""The vocabulary in which every source is described once, as data.

A :class:`Source` says where its files live in the inbox, how each file is identified as a return, and which tables
each file holds. A :class:`Table` lists its columns (type, required, allowed values, personal data) and its rules.
The parsers, the Great Expectations suites, the dbt sources and the generator all read these descriptions; nothing
else in the package repeats them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class ColumnType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DATE = "date"
    TIMESTAMP = "timestamp"
    BOOLEAN = "boolean"
    MONEY = "money"
    ENUM = "enum"
    NATIONALITY = "nationality"
    NATIONALITY_COUNTS = "nationality_counts"
    EXPLOITATION_LIST = "exploitation_list"


class Personal(StrEnum):
    """Kinds of personal data: never stored, only pseudonymised."""

    GIVEN_NAME = "given_name"
    FAMILY_NAME = "family_name"
    DATE_OF_BIRTH = "date_of_birth"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False
    allowed: tuple[str, ...] | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    minimum: int | None = None
    maximum: int | None = None
    personal: Personal | None = None
    description: str = ""
    json_path: str | None = None  # dotted path inside a JSON object, for nested sources

    @property
    def is_personal(self) -> bool:
        return self.personal is not None


# --- rules between columns or against the file's identity -------------------------------------------------------


@dataclass(frozen=True)
class RequiredWhen:
    """``column`` must not be null where ``when`` equals ``value``."""

    column: str
    when: str
    value: str | bool


@dataclass(frozen=True)
class WithinMonth:
    """``column`` (date or timestamp) falls inside the reporting month."""

    column: str


@dataclass(frozen=True)
class NotAfterMonthEnd:
    column: str


@dataclass(frozen=True)
class NotBefore:
    """``column`` is not earlier than ``other`` (both dates)."""

    column: str
    other: str


@dataclass(frozen=True)
class MatchesPath:
    """``column`` equals the submitter code taken from the file's path."""

    column: str


@dataclass(frozen=True)
class UniqueWithin:
    """``columns`` identify a row within the file (``scope='file'``) or across every return of the submitter
    (``scope='submitter'``, checked against the other returns already accepted)."""

    columns: tuple[str, ...]
    scope: str = "file"


@dataclass(frozen=True)
class SumsTo:
    """Data-quality warning when the counts inside ``column`` (nationality counts) do not add up to ``total``."""

    column: str
    total: str


@dataclass(frozen=True)
class CountsMatch:
    """Data-quality warning when the sum of ``column`` in ``table`` differs from the number of rows of ``rows_of``
    in the same file (only rows where the boolean ``flag`` is true, when given)."""

    table: str
    column: str
    rows_of: str
    flag: str | None = None


@dataclass(frozen=True)
class Dropped:
    """Data-quality warning when a row keyed by ``key`` whose ``status`` was one of ``live`` in the submitter's
    previous month is absent from this month's return."""

    key: str
    status: str
    live: tuple[str, ...]


Rule = RequiredWhen | WithinMonth | NotAfterMonthEnd | NotBefore | MatchesPath | UniqueWithin | SumsTo | Dropped


@dataclass(frozen=True)
class PersonFields:
    """Which columns of a table describe a person, for pseudonymisation and age at identification."""

    given_name: str
    family_name: str
    date_of_birth: str
    identified: str  # date or timestamp column of identification
    age_estimate: str | None = None


@dataclass(frozen=True)
class Table:
    """One table of a return: a CSV, a JSON Lines file, or one sheet of a workbook.

    ``name`` is also the raw zone's table name (``raw/<name>/``) and the dbt source table's name.
    """

    name: str
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...] = ()
    key: tuple[str, ...] = ()
    sheet: str | None = None
    total_row: bool = False  # a last row starting "Total" carries column sums
    person: PersonFields | None = None
    description: str = ""

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def personal_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.is_personal)


@dataclass(frozen=True)
class FileKind:
    """A kind of file in the inbox: a path pattern, the return part it carries, and its tables.

    ``pattern`` is matched against the path relative to the inbox, with ``/`` separators. Its named groups
    ``month`` (YYYY-MM) and, where present, ``submitter`` identify the return.
    """

    part: str
    pattern: str
    format: str  # csv | xlsx | jsonl
    tables: tuple[Table, ...]
    submitter: str | None = None  # fixed submitter code when the path does not carry one
    cover: tuple[tuple[str, str], ...] = ()  # xlsx: (label, field) pairs read from a Cover sheet
    checks: tuple[CountsMatch, ...] = ()  # between the tables of one file

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)


@dataclass(frozen=True)
class Source:
    name: str  # police | glaa | border_force | cps
    agency_code: str  # POLICE | GLAA | BORDER_FORCE | CPS
    files: tuple[FileKind, ...]
    description: str = ""

    @property
    def tables(self) -> tuple[Table, ...]:
        return tuple(t for f in self.files for t in f.tables)

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(f.part for f in self.files)
