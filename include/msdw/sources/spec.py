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
    reference: str | None = None  # the reference seed whose codes the values are (e.g. "forces")

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
class Place:
    """Where a table's people were identified, as a police force area (``forces`` seed).

    ``via`` is ``submitter`` (the submitting force itself), ``column`` (a force code column of the table), ``seed``
    (``column`` looked up in the reference seed ``lookup``, keyed by ``lookup_key``, to its ``force_code``) or
    ``latest`` (``column`` looked up in the latest rows of the raw table ``lookup``, keyed by the same column, to
    their latest non-null ``force_code``). ``staging_column`` names ``column`` in the staging model when renamed.
    """

    via: str
    column: str | None = None
    lookup: str | None = None
    lookup_key: str | None = None
    staging_column: str | None = None

    @property
    def model_column(self) -> str | None:
        return self.staging_column or self.column


@dataclass(frozen=True)
class Identifications:
    """How a table of people becomes rows of ``fct_victim_identifications`` (one per person identified).

    The table's staging model provides the common columns (``submitter_code``, ``month``, ``identified_date``,
    ``nationality_code``, ``gender``, ``age_at_identification``, ``age_source``, ``nrm_referred``, the pseudonym
    columns, ``return_version``); the fields here name what differs between agencies, as staging model columns.
    ``exploitation`` is a column of exploitation type codes (a list of indicator codes when
    ``exploitation_list``), ``exploitation_default`` its value where null or absent. ``at_border``: the agency meets
    people as they arrive, so another agency often identifies the same person within the following year (a level of
    the linkage model's ``when_where`` comparison).
    """

    record_ref: str
    place: Place | None = None
    exploitation: str | None = None
    exploitation_list: bool = False
    exploitation_default: str = "UNKNOWN"
    child_flag: str | None = None
    dtn_submitted: str | None = None
    crime_recorded: str | None = None
    operation_id: str | None = None
    at_border: bool = False


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
    identifications: Identifications | None = None  # the table's rows are victims identified
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
    """One agency's returns.

    ``agency_code`` is its row in the ``agencies`` seed. A part whose :class:`FileKind` names a fixed submitter is
    expected every month from the first month of any return in the ledger to the latest; otherwise each submitter
    named in the paths is expected over the same months, every part, once it has sent any return of the source. A
    code missing from the reference seed ``submitters`` (when given) is no submitter: its returns are quarantined,
    and it is expected only in the months and parts it sent.
    A return is due by the end of day ``due_day`` of the month after its reporting month: first received later, it
    is LATE.
    """

    name: str
    agency_code: str
    files: tuple[FileKind, ...]
    description: str = ""
    due_day: int = 15
    submitters: str | None = None  # reference seed listing the submitters named in the paths (e.g. "forces")
    label: str = ""  # the agency's short name in charts and reports

    @property
    def agency_label(self) -> str:
        return self.label or self.agency_code

    def submitter_codes(self) -> frozenset[str] | None:
        """The codes that may name a submitter in the paths: those of the seed ``submitters``; None when it names
        none (any code may)."""
        if not self.submitters:
            return None
        from msdw import reference  # reference reads msdw.sources.codes: imported here, not at module load

        return reference.codes(self.submitters)

    @property
    def tables(self) -> tuple[Table, ...]:
        return tuple(t for f in self.files for t in f.tables)

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(f.part for f in self.files)

    @property
    def ingest_dag(self) -> str:
        return f"ingest_{self.name}"

    @property
    def asset_uri(self) -> str:
        """The Airflow Asset updated when the source lands new raw data."""
        return f"msdw://raw/{self.name}"

    def staging_model(self, table: Table) -> str:
        """The dbt staging model of one of the source's tables: ``stg_<source>__<table without the prefix>``."""
        return f"stg_{self.name}__{table.name.removeprefix(self.name + '_')}"
