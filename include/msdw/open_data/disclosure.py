"""Statistical disclosure control: primary and secondary suppression over the published additive relations ("lines"),
audited as a linear system (the rules: :mod:`msdw.open_data`).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import numpy as np

from msdw.errors import MsdwError
from msdw.open_data.tables import ALL, LINKS, CellKey, Link, OpenTable

SUPPRESSED = "[c]"
NOT_APPLICABLE = "[z]"
SMALLEST_SHOWN = 5
_TOLERANCE = 1e-9
_CANDIDATES_TRIED = 200


class DisclosureError(MsdwError):
    """The disclosure rules could not be met for a table; nothing was published."""


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


@dataclass
class TableData:
    spec: OpenTable
    rows: dict[tuple[int, tuple[str, ...]], dict[str, int | Decimal]] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)


def _expand(
    data: TableData, values: dict[CellKey, int], constraints: list[Constraint]
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


def _load(con: duckdb.DuckDBPyConnection, spec: OpenTable) -> TableData:
    data = TableData(spec)
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
