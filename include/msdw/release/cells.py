"""Each table as published: its rows in order, every figure a number or a marker.

- ``[z]``: the figure cannot exist (an agency that does not report it; a rate with no denominator).
- ``[x]``: the figure is not available: a return of the one submitter it comes from is missing or quarantined for a
  month it counts.
- ``[c]``: the count was suppressed by disclosure control (or a rate made from one).
- ``[p]``: on the period of a row (so on every figure of it) when a return of the period is missing, quarantined or
  late, or the period is within the revision window. A financial-year total is provisional when one of its periods is.
- ``[r]`` is added later (:mod:`msdw.release.vintages`), on comparing with the previous release.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from msdw.open_data.disclosure import Controlled, ControlledTable
from msdw.open_data.tables import ALL
from msdw.release.periods import (
    CONFIDENTIAL,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    PROVISIONAL,
    Period,
    financial_year,
    financial_year_label,
)
from msdw.release.tables import (
    AGENCY_SOURCE,
    OUTSTANDING,
    PERIOD,
    SHOWN_ALL,
    ReleaseTable,
    ReturnState,
    Shown,
    release_tables,
)

Cell = int | float | str


def _sort_key(item: tuple[tuple[int, tuple[str, ...]], object]) -> tuple:
    (year, dims), _ = item
    return (year, [(value == ALL, value) for value in dims])


def year_label(year: int, row_periods: Sequence[Period]) -> str:
    """``Financial year 2023/24``; ``Financial year 2024/25, 2024 Q2 to 2024 Q4`` while it is not complete."""
    label = f"Financial year {financial_year_label(year)}"
    months = {month for period in row_periods for month in period.month_list}
    if len(months) == 12:
        return label
    return f"{label}, {row_periods[0].label} to {row_periods[-1].label}"


class _Context:
    def __init__(self, periods: Sequence[Period], returns: Sequence[ReturnState], provisional: set[str]) -> None:
        self.by_label = {period.label: period for period in periods}
        self.by_key = {period.key: period for period in periods}
        self.by_year: dict[int, list[Period]] = {}
        for period in periods:
            self.by_year.setdefault(financial_year(period.start), []).append(period)
        self.provisional = provisional
        self.outstanding = {(r.source, r.submitter, r.part, r.month) for r in returns if r.status in OUTSTANDING}
        self.submitters: dict[str, set[str]] = {}
        for r in returns:
            self.submitters.setdefault(r.source, set()).add(r.submitter)

    def sole(self, source: str) -> tuple[str, str] | None:
        found = self.submitters.get(source, set())
        return (source, next(iter(found))) if len(found) == 1 else None

    def owner(self, table: ReleaseTable, dims: dict[str, str]) -> tuple[str, str] | None:
        """The one submitter whose returns every figure of the row comes from, if there is one."""
        if table.sole_source:
            return self.sole(table.sole_source)
        code = dims.get(table.submitter_dimension or "", ALL)
        if code != ALL:
            return (table.parts[0][0], code)
        agency = dims.get(table.agency_dimension or "", ALL)
        if agency != ALL:
            return self.sole(AGENCY_SOURCE[agency])
        return None

    def unavailable(self, table: ReleaseTable, owner: tuple[str, str] | None, months: list[dt.date]) -> bool:
        if owner is None:
            return False
        return any(
            (source, owner[1], part, month) in self.outstanding
            for source, part in table.parts
            if source == owner[0]
            for month in months
        )


def _figures(
    table: ReleaseTable,
    controlled: Controlled,
    key: tuple[int, tuple[str, ...]],
    row: dict,
    dims: dict[str, str],
    unavailable: bool,
) -> dict[str, Cell]:
    spec = table.spec
    cells: dict[str, Cell] = {}

    def hidden(measure: str) -> bool:
        return controlled.hidden(spec.name, key[0], key[1], measure)

    def marker(column: str) -> str | None:
        if any((value, column) in table.not_reported for value in dims.values()):
            return NOT_APPLICABLE
        return NOT_AVAILABLE if unavailable else None

    for count in spec.counts:
        cells[count] = marker(count) or (CONFIDENTIAL if hidden(count) else int(row[count]))
    for rate in spec.rates:
        numerator, denominator = int(row[rate.numerator]), int(row[rate.denominator])
        shown = marker(rate.numerator) or marker(rate.name)
        if shown is None and (hidden(rate.numerator) or hidden(rate.denominator)):
            shown = CONFIDENTIAL
        if shown is None and denominator == 0:
            shown = NOT_APPLICABLE
        cells[rate.name] = shown or round(numerator / denominator, 3)
    return cells


def _show(table: ReleaseTable, controlled_table: ControlledTable, controlled: Controlled, ctx: _Context) -> Shown:
    spec = table.spec
    columns = [column for column in spec.dimensions if column != "period"]
    keys = [PERIOD, *(table.headings[column] for column in columns)]
    records, row_months = [], []
    for key, row in sorted(controlled_table.cells.items(), key=_sort_key):
        year, values = key
        if table.by_period:
            period_value, rest = values[0], values[1:]
            if period_value == ALL:
                row_periods = ctx.by_year[year]
                text = year_label(year, row_periods)
            else:
                row_periods = [ctx.by_label[period_value]]
                text = period_value
        else:
            rest, row_periods = values, [ctx.by_key[year]]
            text = row_periods[0].label
        if any(period.label in ctx.provisional for period in row_periods):
            text = f"{text} {PROVISIONAL}"
        dims = dict(zip(columns, rest, strict=True))
        months = [month for period in row_periods for month in period.month_list]
        unavailable = ctx.unavailable(table, ctx.owner(table, dims), months)
        figures = _figures(table, controlled, key, row, dims, unavailable)
        record: dict[str, Cell] = {PERIOD: text}
        for column, heading in table.headings.items():
            if column in dims:
                record[heading] = SHOWN_ALL if dims[column] == ALL else dims[column]
            elif column in figures:
                record[heading] = figures[column]
            else:  # the label of a code
                label = next(label for label in spec.labels if label.column == column)
                code = dims[label.code]
                record[heading] = (
                    SHOWN_ALL if code == ALL else controlled_table.labels.get(label.code, {}).get(code, "")
                )
        records.append(record)
        row_months.append(months)
    frame = pd.DataFrame.from_records(records, columns=[PERIOD, *table.headings.values()])
    return Shown(table, frame, keys, row_months)


def show_tables(
    controlled: Controlled, periods: Sequence[Period], returns: Sequence[ReturnState], provisional: set[str]
) -> list[Shown]:
    """Every table of the release with its markers (all but ``[r]``)."""
    ctx = _Context(periods, returns, provisional)
    by_name = {table.spec.name: table for table in controlled.tables}
    return [_show(table, by_name[table.name], controlled, ctx) for table in release_tables()]


def outstanding_by_period(periods: Sequence[Period], returns: Sequence[ReturnState]) -> dict[str, list[str]]:
    """For each period, the returns missing or quarantined in it (``source submitter part YYYY-MM (STATUS)``)."""
    found: dict[str, list[str]] = {}
    for period in periods:
        months = set(period.month_list)
        listed = [f"{r.label} ({r.status})" for r in returns if r.month in months and r.status in OUTSTANDING]
        if listed:
            found[period.label] = listed
    return found
