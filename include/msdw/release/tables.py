"""The tables of a release: SQL over the published marts, disclosure control, and the markers of each cell.

Every table is an :class:`msdw.open_data.tables.OpenTable` whose "year" is the financial year and whose first
dimension is the period, so the open data's own code totals it (``ALL`` periods is the financial-year total, ``ALL``
of a dimension its total) and chooses the cells to suppress, across every table at once
(:func:`msdw.open_data.disclosure.control`).
A stock (operations live at the end of a period) cannot be added up over a year: its table is grouped by period
instead, with no financial-year total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from msdw.open_data.disclosure import Controlled, control
from msdw.open_data.tables import ALL, Labels, Link, OpenTable, Rate
from msdw.release.periods import (
    Period,
    financial_year,
)
from msdw.sources import SOURCES as DESCRIPTIONS
from msdw.sources import victim_agencies
from msdw.sources.codes import AGE_GROUPS

PERIOD = "Period"
SHOWN_ALL = "All"
AGENCY_SOURCE = {source.agency_code: source.name for source in DESCRIPTIONS}
OUTSTANDING = ("MISSING", "QUARANTINED")  # not (validly) received: a figure of that submitter alone is [x]
PROVISIONAL_STATUSES = (*OUTSTANDING, "LATE")  # any of these in a period makes its figures [p]
TOP_NATIONALITIES = 10
# the returns whose tables hold victims identified (from the descriptions)
VICTIM_PARTS = tuple(
    (source.name, kind.part)
    for source in DESCRIPTIONS
    for kind in source.files
    if any(table.identifications for table in kind.tables)
)
OPERATION_PARTS = (("police", "operations"),)


def _sql_list(values: Iterable[str]) -> str:
    """A DuckDB list literal of strings: ``['A', 'B']``."""
    return "[" + ", ".join(f"'{value}'" for value in values) + "]"


_POLICE_FORCES = "select distinct submitter as force_code from mart_return_status where source = 'police'"
_REGIONS = f"select distinct region from dim_force where force_code in ({_POLICE_FORCES}) and region is not null"
_OPERATIONS = (
    "select f.region, o.operation_id, cast(date_trunc('month', o.opened_date) as date) as opened_month, "
    "cast(date_trunc('month', o.closed_date) as date) as closed_month "
    "from fct_operations as o inner join dim_force as f on o.force_code = f.force_code"
)
_LIVE = (
    "select om.month, f.region, om.operation_id from fct_operation_months as om "
    "inner join fct_operations as o on om.operation_id = o.operation_id "
    "inner join dim_force as f on o.force_code = f.force_code where om.status in ('LIVE', 'SUSPENDED')"
)
_NATIONALITY = (
    "with first_identified as (select first_identified_month as month, coalesce(nationality_code, 'UNK') as code, "
    "person_id from fct_victims where first_identified_month in (select month from release_months)), "
    f"top as (select code from first_identified group by code order by count(*) desc, code limit {TOP_NATIONALITIES}),"
    " grouped as (select month, case when code in (select code from top) then code else 'OTHER' end as code, "
    "person_id from first_identified) "
    "select m.fy, m.period, n.code as nationality_code, count(g.person_id) as persons from release_months as m "
    "cross join (select code from top union select 'OTHER') as n "
    "left join grouped as g on g.month = m.month and g.code = n.code group by all"
)
SOURCES = {
    "referrals_by_agency": (
        "select m.fy, m.period, s.agency_code, s.victims_identified, s.nrm_referrals, s.dtn_submissions "
        "from mart_monthly_summary as s inner join release_months as m on s.month = m.month"
    ),
    "persons_by_agency_and_age": (
        "select m.fy, m.period, a.agency_code, g.age_group, count(v.person_id) as persons from release_months as m "
        f"cross join (select unnest({_sql_list(victim_agencies())}) as agency_code) as a "
        f"cross join (select unnest({_sql_list(AGE_GROUPS)}) as age_group) as g "
        "left join fct_victims as v on v.first_identified_month = m.month and v.first_agency_code = a.agency_code "
        "and coalesce(v.age_group, 'UNKNOWN') = g.age_group group by all"
    ),
    "crime_recording_by_force": (
        "select m.fy, m.period, f.force_code, coalesce(c.nrm_referrals, 0) as nrm_referrals, "
        "coalesce(c.with_crime_recorded, 0) as with_crime_recorded from release_months as m "
        f"cross join ({_POLICE_FORCES}) as f "
        "left join mart_crime_recording as c on c.month = m.month and c.force_code = f.force_code"
    ),
    "operations_by_region": (
        f"with operations as ({_OPERATIONS}) select m.fy, m.period, r.region, "
        "count(o.operation_id) filter (where o.opened_month = m.month) as opened, "
        "count(o.operation_id) filter (where o.closed_month = m.month) as closed "
        f"from release_months as m cross join ({_REGIONS}) as r left join operations as o on o.region = r.region "
        "and (o.opened_month = m.month or o.closed_month = m.month) group by all"
    ),
    "live_operations_by_region": (
        f"with live as ({_LIVE}) select m.period_key, r.region, count(l.operation_id) as live "
        f"from release_months as m cross join ({_REGIONS}) as r "
        "left join live as l on l.month = m.month and l.region = r.region where m.last_of_period group by all"
    ),
    "prosecutions_by_cps_area": (
        "select m.fy, m.period, cast(a.cps_area as varchar) as cps_area, count(p.defendant_ref) as "
        "defendants_finalised, count(p.defendant_ref) filter (where p.convicted) as convictions "
        "from release_months as m cross join (select distinct cps_area from dim_force where cps_area is not null) "
        "as a left join fct_prosecutions as p on p.month = m.month and p.cps_area = a.cps_area group by all"
    ),
    "persons_by_nationality": _NATIONALITY,
}


@dataclass(frozen=True)
class ReleaseTable:
    """One table of the release: what to count (``spec``), how to show it and which returns feed it."""

    spec: OpenTable
    title: str
    headings: dict[str, str]  # column -> heading: dimensions, their labels, counts, rates (the order shown)
    parts: tuple[tuple[str, str], ...]  # (source, part) of the returns it counts
    submitter_dimension: str | None = None  # a dimension whose values are submitter codes
    agency_dimension: str | None = None  # a dimension whose values are agency codes
    sole_source: str | None = None  # every figure comes from this source
    not_reported: frozenset[tuple[str, str]] = frozenset()  # (dimension value, column): the figure cannot exist
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def by_period(self) -> bool:
        """False for a stock: grouped by period (its "year" is the period's key), no financial-year total."""
        return "period" in self.spec.dimensions


def _table(name: str, dimensions: Sequence[str], counts: Sequence[str], **spec: object) -> OpenTable:
    stock = name == "live_operations_by_region"
    return OpenTable(
        name=name,
        source=f"({SOURCES[name]}) as t",
        year="period_key" if stock else "fy",
        dimensions={column: column for column in ([] if stock else ["period"]) + list(dimensions)},
        counts=tuple(counts),
        **spec,  # type: ignore[arg-type]
    )


def release_tables() -> tuple[ReleaseTable, ...]:
    """The tables, in the order of the workbook."""
    victims = ("victims_identified", "nrm_referrals", "dtn_submissions")
    return (
        ReleaseTable(
            _table(
                "referrals_by_agency",
                ["agency_code"],
                victims,
                rules="mart_monthly_summary",  # victims identified >= NRM referrals, >= DtN reports
            ),
            "Victims identified, National Referral Mechanism referrals and Duty to Notify reports, by agency",
            {
                "agency_code": "Agency",
                victims[0]: "Victims identified",
                victims[1]: "NRM referrals",
                victims[2]: "Duty to Notify reports",
            },
            VICTIM_PARTS,
            agency_dimension="agency_code",
            not_reported=frozenset(("CPS", column) for column in victims),
            notes=("The CPS prosecutes and does not identify victims: its figures are [z].",),
        ),
        ReleaseTable(
            _table("persons_by_agency_and_age", ["agency_code", "age_group"], ["persons"]),
            "Persons identified (distinct, after linking records across agencies and months), by agency and age",
            {"agency_code": "Agency", "age_group": "Age group", "persons": "Persons identified"},
            VICTIM_PARTS,
            agency_dimension="agency_code",
            notes=(
                "A person counts once: in the period and for the agency of their first identification, in their "
                "age group then (CHILD: under 18).",
            ),
        ),
        ReleaseTable(
            _table(
                "crime_recording_by_force",
                ["force_code"],
                ["nrm_referrals", "with_crime_recorded"],
                rules="mart_crime_recording",  # referred >= with a crime recorded
                rates=(Rate("compliance_rate", "with_crime_recorded", "nrm_referrals"),),
                labels=(Labels("force_code", "force_name", "dim_force", "force_code", "force_name"),),
            ),
            "Police crime-recording compliance: victims referred to the NRM with a crime recorded, by force",
            {
                "force_code": "Force code",
                "force_name": "Force",
                "nrm_referrals": "Victims referred to the NRM",
                "with_crime_recorded": "With a crime recorded",
                "compliance_rate": "Compliance rate",
            },
            (("police", "victims"),),
            submitter_dimension="force_code",
            notes=(
                "The compliance rate is [z] where no victim was referred, and [c] where a count it is made from "
                "is [c].",
            ),
        ),
        ReleaseTable(
            _table("operations_by_region", ["region"], ["opened", "closed"]),
            "Police modern slavery operations opened and closed, by region",
            {"region": "Region", "opened": "Operations opened", "closed": "Operations closed"},
            OPERATION_PARTS,
        ),
        ReleaseTable(
            _table("live_operations_by_region", ["region"], ["live"]),
            "Police modern slavery operations live at the end of each period, by region",
            {"region": "Region", "live": "Operations live or suspended"},
            OPERATION_PARTS,
            notes=(
                "Operations live at the end of a period are a stock, not a flow: they have no financial-year total.",
            ),
        ),
        ReleaseTable(
            _table(
                "prosecutions_by_cps_area",
                ["cps_area"],
                ["defendants_finalised", "convictions"],
                rules="mart_monthly_summary",  # finalised >= convicted
                rates=(Rate("conviction_rate", "convictions", "defendants_finalised"),),
                labels=(Labels("cps_area", "cps_area_name", "dim_force", "cps_area", "cps_area_name"),),
            ),
            "CPS defendants in modern slavery cases finalised and convicted, by CPS Area",
            {
                "cps_area": "CPS Area code",
                "cps_area_name": "CPS Area",
                "defendants_finalised": "Defendants finalised",
                "convictions": "Convicted",
                "conviction_rate": "Conviction rate",
            },
            (("cps", "main"),),
            sole_source="cps",
        ),
        ReleaseTable(
            _table(
                "persons_by_nationality",
                ["nationality_code"],
                ["persons"],
                labels=(
                    Labels(
                        "nationality_code",
                        "nationality_name",
                        "(select nationality_code, nationality_name from dim_nationality "
                        "union all select 'OTHER', 'Other nationalities') as n",
                        "nationality_code",
                        "nationality_name",
                    ),
                ),
            ),
            f"Persons identified by nationality: the {TOP_NATIONALITIES} most frequent, the rest grouped",
            {
                "nationality_code": "Nationality code",
                "nationality_name": "Nationality",
                "persons": "Persons identified",
            },
            VICTIM_PARTS,
            notes=(
                f"The {TOP_NATIONALITIES} nationalities most frequent over the whole release; OTHER groups the "
                "rest. A person counts once, in the period of their first identification.",
            ),
        ),
    )


def _links(periods: Iterable[str]) -> list[Link]:
    """Figures shown in two tables: protected alike in both."""
    links = []
    for period in [*periods, ALL]:
        links.append(
            Link(
                ("referrals_by_agency", (period, "POLICE"), "nrm_referrals"),
                (("crime_recording_by_force", (period, ALL), "nrm_referrals"),),
            )
        )
        links.append(
            Link(
                ("persons_by_agency_and_age", (period, ALL, ALL), "persons"),
                (("persons_by_nationality", (period, ALL), "persons"),),
            )
        )
    return links


@dataclass(frozen=True)
class ReturnState:
    """One expected return as ``mart_return_status`` published it."""

    month: dt.date
    source: str
    submitter: str
    part: str
    status: str
    accepted_sha256: str | None

    @property
    def label(self) -> str:
        return f"{self.source} {self.submitter} {self.part} {self.month:%Y-%m}"


@dataclass
class Shown:
    """A table as shown: rows of cells (numbers or markers), and the columns that identify a row."""

    table: ReleaseTable
    frame: pd.DataFrame
    keys: list[str]
    row_months: list[list[dt.date]] = field(default_factory=list)  # the months each row counts


def load_months(con: duckdb.DuckDBPyConnection, periods: Sequence[Period]) -> None:
    """The temporary table ``release_months`` the tables' SQL reads: month, period, period_key, fy, last_of_period."""
    rows = [
        (month, period.label, period.key, financial_year(period.start), month == period.last_month)
        for period in periods
        for month in period.month_list
    ]
    con.execute(
        "create or replace temp table release_months (month date, period varchar, period_key integer, "
        "fy integer, last_of_period boolean)"
    )
    con.executemany("insert into release_months values (?, ?, ?, ?, ?)", rows)


def load_returns(con: duckdb.DuckDBPyConnection, through: dt.date) -> list[ReturnState]:
    rows = con.execute(
        "select month, source, submitter, part, status, accepted_sha256 from mart_return_status "
        "where month <= ? order by all",
        [through],
    ).fetchall()
    return [ReturnState(*row) for row in rows]


def controlled_tables(con: duckdb.DuckDBPyConnection, periods: Sequence[Period]) -> Controlled:
    """Every table of the release under disclosure control (``release_months`` must be loaded)."""
    specs = [table.spec for table in release_tables()]
    return control(con, specs, _links(period.label for period in periods))


def provisional_periods(periods: Sequence[Period], returns: Sequence[ReturnState], window_months: int) -> set[str]:
    """Labels of the periods whose figures are provisional: a return missing, quarantined or late, or within the
    revision window (the last ``window_months`` months of the release)."""
    last = periods[-1].last_month
    window_from = dt.date(last.year, last.month, 1)
    for _ in range(max(window_months, 0) - 1):
        window_from = (window_from - dt.timedelta(days=1)).replace(day=1)
    flagged = {r.month for r in returns if r.status in PROVISIONAL_STATUSES}
    return {
        p.label for p in periods if (window_months > 0 and p.last_month >= window_from) or flagged & set(p.month_list)
    }
