"""Open data: CSV files of the main marts for public release, under statistical disclosure control.

The rules follow UK official-statistics practice (GSS guidance):

- A count from 1 to 4 is shown as ``[c]`` (primary suppression). Totals are counts too.
- Secondary suppression: every published additive relation (a row or column with its total, a count with a subset
  of it, the same figure published in two files) is a "line". A line with exactly one suppressed cell would give
  that cell away, so the smallest other non-zero cell of the line is suppressed too, until no line has exactly one.
  The result is then audited as a linear system: a suppressed cell that the published figures still determine
  exactly (for example through a chain of lines) gets a further complementary suppression, until none does.
- Zeros are shown. A zero is not disclosive here: it identifies nobody, and many zeros are structural (an agency
  that does not report a figure has 0 for it) so hiding them would protect nothing. For the same reason a zero is
  never chosen as a complementary suppression.
- A rate whose numerator or denominator is suppressed is ``[c]``; a rate with a zero denominator is ``[z]``
  (not applicable).
- Text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single quote, so a
  spreadsheet does not run it as a formula. Numbers are written by msdw itself and are left as numbers.

Granularity: every file is by calendar year, because monthly cells for a force, a nationality or a CPS Area are
mostly below 5. Each year is a separate table with its own totals (rows ``ALL``); no total across years is
published. ``mart_monthly_summary`` is published by year and agency without ``operations_live``, which counts a
stock of operations per month and cannot be added up over a year. Money recovered for workers is an amount of
money, not a count of people, and is shown as it is.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import os
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np

from msdw import mart_rules
from msdw.errors import MsdwError
from msdw.files import write_text_atomically

SUPPRESSED = "[c]"
NOT_APPLICABLE = "[z]"
SMALLEST_SHOWN = 5
ALL = "ALL"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NOTES_FILE = "notes.txt"

_TOLERANCE = 1e-9
_CANDIDATES_TRIED = 200


class DisclosureError(MsdwError):
    """The disclosure rules could not be met for a table; nothing was published."""


# --- suppression ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Constraint:
    """A published additive relation: ``total`` equals the sum of ``parts``."""

    total: Hashable
    parts: tuple[Hashable, ...]

    @property
    def cells(self) -> tuple[Hashable, ...]:
        return (self.total, *self.parts)


def is_primary(value: int) -> bool:
    return 0 < value < SMALLEST_SHOWN


def _components(keys: Sequence[Hashable], constraints: Sequence[Constraint]) -> list[list[int]]:
    """Indices of the constraints in each group of cells connected through constraints."""
    parent = {key: key for key in keys}

    def find(key: Hashable) -> Hashable:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for constraint in constraints:
        root = find(constraint.total)
        for part in constraint.parts:
            other = find(part)
            if other != root:
                parent[other] = root
    groups: dict[Hashable, list[int]] = {}
    for index, constraint in enumerate(constraints):
        groups.setdefault(find(constraint.total), []).append(index)
    return list(groups.values())


def determined_cells(
    suppressed: Iterable[Hashable], constraints: Sequence[Constraint], order: Mapping[Hashable, int]
) -> list[Hashable]:
    """Suppressed cells whose value follows exactly from the published cells and the constraints."""
    unknown = sorted(set(suppressed), key=order.__getitem__)
    if not unknown:
        return []
    column = {key: index for index, key in enumerate(unknown)}
    rows = []
    for constraint in constraints:
        row = np.zeros(len(unknown))
        touched = False
        for key, coefficient in ((constraint.total, -1.0), *((part, 1.0) for part in constraint.parts)):
            if key in column:
                row[column[key]] += coefficient
                touched = True
        if touched:
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    _, singular, vt = np.linalg.svd(matrix, full_matrices=True)
    rank = int(np.sum(singular > _TOLERANCE * max(1.0, float(singular.max(initial=0.0)))))
    null_space = vt[rank:]
    free = np.linalg.norm(null_space, axis=0) if len(null_space) else np.zeros(len(unknown))
    return [key for key, norm in zip(unknown, free, strict=True) if norm < 1e-7]


def _line_rule(
    values: Mapping[Hashable, int],
    constraints: Sequence[Constraint],
    suppressed: set[Hashable],
    order: Mapping[Hashable, int],
) -> None:
    changed = True
    while changed:
        changed = False
        for constraint in constraints:
            cells = constraint.cells
            if sum(cell in suppressed for cell in cells) != 1:
                continue
            candidates = [cell for cell in cells if cell not in suppressed and values[cell] != 0]
            if not candidates:
                raise DisclosureError(
                    f"cannot protect the suppressed cell in the line {constraint}: every other cell is 0. "
                    "Check the mart totals (a total must equal the sum of its parts)"
                )
            suppressed.add(min(candidates, key=lambda cell: (values[cell], order[cell])))
            changed = True


def _complement(
    target: Hashable,
    values: Mapping[Hashable, int],
    constraints: Sequence[Constraint],
    suppressed: set[Hashable],
    order: Mapping[Hashable, int],
) -> Hashable:
    """The smallest cell whose suppression stops ``target`` being determined (or, failing that, a neighbour)."""
    cells = {cell for constraint in constraints for cell in constraint.cells}
    candidates = sorted(
        (cell for cell in cells if cell not in suppressed and values[cell] != 0),
        key=lambda cell: (values[cell], order[cell]),
    )
    if not candidates:
        raise DisclosureError(f"no cell left to protect {target}: the table cannot be published safely")
    for cell in candidates[:_CANDIDATES_TRIED]:
        if target not in determined_cells(suppressed | {cell}, constraints, order):
            return cell
    neighbours = {cell for constraint in constraints if target in constraint.cells for cell in constraint.cells}
    return next((cell for cell in candidates if cell in neighbours), candidates[0])


def suppress(values: Mapping[Hashable, int], constraints: Sequence[Constraint]) -> set[Hashable]:
    """The cells to show as ``[c]``: primary cells (1 to 4) and enough complementary cells to protect them.

    ``values`` holds every cell a reader can see or work out (totals and cells implied by subsets included);
    ``constraints`` every additive relation between them that the published figures reveal.
    """
    order = {key: index for index, key in enumerate(values)}
    for constraint in constraints:
        for cell in constraint.cells:
            if cell not in order:
                raise DisclosureError(f"the constraint {constraint} names a cell without a value: {cell!r}")
    suppressed = {key for key, value in values.items() if is_primary(value)}
    for group in _components(list(values), constraints):
        lines = [constraints[index] for index in group]
        while True:
            _line_rule(values, lines, suppressed, order)
            local = {cell for line in lines for cell in line.cells} & suppressed
            determined = determined_cells(local, lines, order)
            if not determined:
                break
            suppressed.add(_complement(determined[0], values, lines, suppressed, order))
    return suppressed


@dataclass(frozen=True)
class GridSuppression:
    """A count table with its margins: ``values[i][j]``, row ``len(counts)`` holding column totals and column
    ``len(counts[0])`` row totals (when published), and the suppressed positions."""

    values: list[list[int | None]]
    suppressed: frozenset[tuple[int, int]]


def suppress_grid(
    counts: Sequence[Sequence[int]], *, row_totals: bool = True, column_totals: bool = True
) -> GridSuppression:
    """Suppress a two-way table of counts published with its row totals, column totals, or both."""
    n_rows, n_cols = len(counts), len(counts[0]) if counts else 0
    values: dict[Hashable, int] = {(i, j): int(counts[i][j]) for i in range(n_rows) for j in range(n_cols)}
    constraints: list[Constraint] = []
    if row_totals:
        for i in range(n_rows):
            values[(i, n_cols)] = sum(int(v) for v in counts[i])
            constraints.append(Constraint((i, n_cols), tuple((i, j) for j in range(n_cols))))
    if column_totals:
        for j in range(n_cols):
            values[(n_rows, j)] = sum(int(counts[i][j]) for i in range(n_rows))
            constraints.append(Constraint((n_rows, j), tuple((i, j) for i in range(n_rows))))
    if row_totals and column_totals:
        values[(n_rows, n_cols)] = sum(int(v) for row in counts for v in row)
        constraints.append(Constraint((n_rows, n_cols), tuple((n_rows, j) for j in range(n_cols))))
        constraints.append(Constraint((n_rows, n_cols), tuple((i, n_cols) for i in range(n_rows))))
    grid: list[list[int | None]] = [[None] * (n_cols + 1) for _ in range(n_rows + 1)]
    for (i, j), value in values.items():  # type: ignore[misc]
        grid[i][j] = value
    return GridSuppression(grid, frozenset(suppress(values, constraints)))  # type: ignore[arg-type]


# --- formatting ----------------------------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Text a spreadsheet would not run as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def rate_text(numerator: int, denominator: int, suppressed: bool) -> str:
    if suppressed:
        return SUPPRESSED
    if denominator == 0:
        return NOT_APPLICABLE
    return f"{numerator / denominator:.3f}"


# --- the published tables ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """``part`` counts a subset of ``whole``: the rest (whole minus part) is implied and protected too."""

    whole: str
    part: str

    @property
    def rest(self) -> str:
        return f"{self.whole}__not__{self.part}"


@dataclass(frozen=True)
class Rate:
    name: str
    numerator: str
    denominator: str


@dataclass(frozen=True)
class Labels:
    """A name column looked up from a dimension table for a code column."""

    code: str
    column: str
    table: str
    table_code: str
    table_name: str


@dataclass(frozen=True)
class OpenTable:
    """One open data CSV: a mart summed by year and up to two dimensions, with ``ALL`` totals per year."""

    name: str
    source: str
    year: str  # SQL for the calendar year
    dimensions: dict[str, str]  # column -> SQL
    counts: tuple[str, ...]
    rates: tuple[Rate, ...] = ()
    amounts: tuple[str, ...] = ()
    labels: tuple[Labels, ...] = ()

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def splits(self) -> tuple[Split, ...]:
        """Counts of a subset of another count, from the source mart's dbt tests ``not_less_than``."""
        return tuple(
            Split(whole, part)
            for whole, part in mart_rules.at_least(self.source)
            if whole in self.counts and part in self.counts
        )

    @property
    def measures(self) -> tuple[str, ...]:
        return self.counts + tuple(split.rest for split in self.splits)

    def query(self) -> str:
        dims = [f"{sql} as {column}" for column, sql in self.dimensions.items()]
        sums = [f"coalesce(sum({c}), 0)::bigint as {c}" for c in self.counts]
        sums += [f"coalesce(sum({a}), 0)::decimal(18,2) as {a}" for a in self.amounts]
        return f"select {self.year} as year, {', '.join(dims + sums)} from {self.source} group by all order by all"


OPEN_TABLES: tuple[OpenTable, ...] = (
    OpenTable(
        name="summary_by_year",
        source="mart_monthly_summary",
        year="extract(year from month)::integer",
        dimensions={"agency_code": "agency_code"},
        counts=(
            "victims_identified",
            "nrm_referrals",
            "dtn_submissions",
            "operations_opened",
            "arrests",
            "charges",
            "defendants_finalised",
            "convictions",
            "inspections",
        ),
        amounts=("money_recovered_gbp",),
    ),
    OpenTable(
        name="crime_recording_by_year",
        source="mart_crime_recording",
        year="extract(year from month)::integer",
        dimensions={"force_code": "coalesce(force_code, 'UNKNOWN')"},
        counts=("nrm_referrals", "with_crime_recorded"),
        rates=(Rate("compliance_rate", "with_crime_recorded", "nrm_referrals"),),
        labels=(Labels("force_code", "force_name", "dim_force", "force_code", "force_name"),),
    ),
    OpenTable(
        name="victim_pathway_by_year",
        source="mart_victim_pathway",
        year="year::integer",
        dimensions={"exploitation_type": "coalesce(exploitation_type, 'UNKNOWN')"},
        counts=(
            "persons_identified",
            "persons_nrm_referred",
            "persons_crime_recorded",
            "persons_in_prosecuted_operation",
            "persons_in_convicted_operation",
        ),
    ),
    OpenTable(
        name="cps_outcomes_by_year",
        source="mart_cps_outcomes",
        year="year::integer",
        dimensions={"cps_area": "coalesce(cps_area::varchar, 'UNKNOWN')", "outcome": "coalesce(outcome, 'UNKNOWN')"},
        counts=("defendants",),
    ),
    OpenTable(
        name="nationality_profile_by_year",
        source="mart_nationality_profile",
        year="year::integer",
        dimensions={"nationality_code": "coalesce(nationality_code, 'UNK')"},
        counts=("victims", "suspects"),
        labels=(
            Labels("nationality_code", "nationality_name", "dim_nationality", "nationality_code", "nationality_name"),
        ),
    ),
)


@dataclass(frozen=True)
class Link:
    """The same figure reachable from two files: ``total`` equals the sum of ``parts``, each (table, dims, measure)."""

    total: tuple[str, tuple[str, ...], str]
    parts: tuple[tuple[str, tuple[str, ...], str], ...]


LINKS: tuple[Link, ...] = (
    Link(("summary_by_year", ("POLICE",), "nrm_referrals"), (("crime_recording_by_year", (ALL,), "nrm_referrals"),)),
    Link(
        ("summary_by_year", ("CPS",), "defendants_finalised"),
        (("cps_outcomes_by_year", (ALL, ALL), "defendants"),),
    ),
    Link(
        ("summary_by_year", ("CPS",), "convictions"),
        (
            ("cps_outcomes_by_year", (ALL, "CONVICTED_GUILTY_PLEA"), "defendants"),
            ("cps_outcomes_by_year", (ALL, "CONVICTED_AFTER_TRIAL"), "defendants"),
        ),
    ),
    Link(
        ("victim_pathway_by_year", (ALL,), "persons_identified"),
        (("nationality_profile_by_year", (ALL,), "victims"),),
    ),
)

CellKey = tuple[str, int, tuple[str, ...], str]  # table, year, dimension values, measure


@dataclass
class _TableData:
    spec: OpenTable
    rows: dict[tuple[int, tuple[str, ...]], dict[str, int | Decimal]] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)


def _all_last(value: str) -> tuple[bool, str]:
    return (value == ALL, value)


def _expand(
    data: _TableData, values: dict[CellKey, int], constraints: list[Constraint]
) -> dict[tuple[int, tuple[str, ...]], dict[str, int | Decimal]]:
    """Fill the cells of one table (every combination of dimension values, totals ``ALL``) and its constraints."""
    spec = data.spec
    n_dims = len(spec.dimensions)
    expanded: dict[tuple[int, tuple[str, ...]], dict[str, int | Decimal]] = {}
    for year in sorted({year for year, _ in data.rows}):
        base = {dims: row for (y, dims), row in data.rows.items() if y == year}
        domains = [sorted({dims[i] for dims in base}) for i in range(n_dims)]
        for dims in itertools.product(*[[*domain, ALL] for domain in domains]):
            matching = [row for key, row in base.items() if all(d in (ALL, k) for d, k in zip(dims, key, strict=True))]
            row: dict[str, int | Decimal] = {c: sum((int(r[c]) for r in matching), 0) for c in spec.counts}
            row.update({a: sum((Decimal(r[a]) for r in matching), Decimal(0)) for a in spec.amounts})
            for split in spec.splits:
                row[split.rest] = int(row[split.whole]) - int(row[split.part])
            expanded[(year, dims)] = row
            for measure in spec.measures:
                values[(spec.name, year, dims, measure)] = int(row[measure])
            for split in spec.splits:
                constraints.append(
                    Constraint(
                        (spec.name, year, dims, split.whole),
                        ((spec.name, year, dims, split.part), (spec.name, year, dims, split.rest)),
                    )
                )
            for i in range(n_dims):
                if dims[i] != ALL:
                    continue
                for measure in spec.measures:
                    parts = tuple(
                        (spec.name, year, (*dims[:i], value, *dims[i + 1 :]), measure) for value in domains[i]
                    )
                    constraints.append(Constraint((spec.name, year, dims, measure), parts))
    return expanded


def _links(values: Mapping[CellKey, int], years: Iterable[int], links: Sequence[Link] = LINKS) -> list[Constraint]:
    """Constraints for figures shared between files, where the marts agree that they are the same figure."""
    found: list[Constraint] = []
    for year, link in itertools.product(sorted(set(years)), links):
        total = (link.total[0], year, link.total[1], link.total[2])
        parts = tuple((table, year, dims, measure) for table, dims, measure in link.parts)
        known = total in values and all(part in values for part in parts)
        if known and values[total] == sum(values[part] for part in parts):
            found.append(Constraint(total, parts))
    return found


def _load(con: duckdb.DuckDBPyConnection, spec: OpenTable) -> _TableData:
    data = _TableData(spec)
    cursor = con.execute(spec.query())
    names = [d[0] for d in cursor.description]
    for record in cursor.fetchall():
        row = dict(zip(names, record, strict=True))
        dims = tuple(str(row[column]) for column in spec.dimensions)
        if ALL in dims:
            raise DisclosureError(f"{spec.source} has a code '{ALL}', which open data uses for totals; rename it")
        data.rows[(int(row["year"]), dims)] = {m: row[m] for m in (*spec.counts, *spec.amounts)}
    for label in spec.labels:
        data.labels[label.code] = {
            str(code): str(name)
            for code, name in con.execute(
                f"select {label.table_code}, {label.table_name} from {label.table} where {label.table_code} is not null"
            ).fetchall()
            if name is not None
        }
    return data


def _csv_text(
    data: _TableData,
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


@dataclass(frozen=True)
class ControlledTable:
    """One table under disclosure control: its cells by (year, dimension values), ``ALL`` totals included, and
    the labels of its codes."""

    spec: OpenTable
    cells: dict[tuple[int, tuple[str, ...]], dict[str, int | Decimal]]
    labels: dict[str, dict[str, str]]


@dataclass(frozen=True)
class Controlled:
    """Tables checked together (a figure shared by two of them is protected in both) and the cells to hide."""

    tables: list[ControlledTable]
    values: dict[CellKey, int]
    constraints: list[Constraint]
    suppressed: frozenset[Hashable]

    def hidden(self, table: str, year: int, dims: tuple[str, ...], measure: str) -> bool:
        """Whether a count is shown as ``[c]``."""
        return (table, year, dims, measure) in self.suppressed


def control(con: duckdb.DuckDBPyConnection, specs: Sequence[OpenTable], links: Sequence[Link] = LINKS) -> Controlled:
    """Load ``specs`` from ``con``, total them (``ALL``) and choose the cells to suppress across all of them."""
    tables = [_load(con, spec) for spec in specs]
    values: dict[CellKey, int] = {}
    constraints: list[Constraint] = []
    expanded = [_expand(data, values, constraints) for data in tables]
    constraints += _links(values, [year for rows in expanded for year, _ in rows], links)
    suppressed = suppress(values, constraints)
    controlled = [ControlledTable(data.spec, rows, data.labels) for data, rows in zip(tables, expanded, strict=True)]
    return Controlled(controlled, values, constraints, frozenset(suppressed))


def build_open_data(marts_db: Path) -> OpenData:
    """The disclosure-controlled CSV files (and ``notes.txt``) for the marts in ``marts_db``."""
    if not marts_db.exists():
        raise DisclosureError(f"no marts database at {marts_db}: publish the marts first")
    with contextlib.closing(duckdb.connect(os.fspath(marts_db), read_only=True)) as con:
        controlled = control(con, OPEN_TABLES)
    suppressed = set(controlled.suppressed)
    files = {
        table.spec.file_name: _csv_text(_TableData(table.spec, labels=table.labels), table.cells, suppressed)
        for table in controlled.tables
    }
    files[NOTES_FILE] = notes_text()
    return OpenData(files, controlled.values, controlled.constraints, controlled.suppressed)


def write_open_data(marts_db: Path, folder: Path) -> list[Path]:
    """Write the open data CSVs and ``notes.txt`` for ``marts_db`` into ``folder``; returns the paths written."""
    return build_open_data(marts_db).write(folder)
