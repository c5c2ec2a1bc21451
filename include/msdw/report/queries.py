"""What the report reads from ``marts.duckdb``: one query per chart, aggregated in DuckDB, as JSON-ready rows.

Every query aggregates: no row the report reads carries a person id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import duckdb

from msdw.sources import SOURCES, victim_agencies

Row = dict[str, object]

AGENCY_NAMES = {s.agency_code: s.agency_label for s in SOURCES}
SUBMITTER_NAMES = {f.submitter: s.agency_label for s in SOURCES for f in s.files if f.submitter}
RETURN_STATUS_NAMES = {"ACCEPTED": "On time", "LATE": "Late", "MISSING": "Missing", "QUARANTINED": "Quarantined"}
ALL_AGENCIES = "All agencies, each person once"
OPERATION_STAGES = (
    ("operations", "Opened"),
    ("operations_prosecuted", "Reached a prosecution"),
    ("operations_convicted", "Reached a conviction"),
)
PATHWAY_STAGES = (
    ("persons_identified", "Identified"),
    ("persons_nrm_referred", "Referred to the NRM"),
    ("persons_crime_recorded", "Crime recorded"),
    ("persons_in_prosecuted_operation", "In a prosecuted operation"),
    ("persons_in_convicted_operation", "In a convicted operation"),
)


def _json_value(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> list[Row]:
    """Rows of a query as dictionaries of JSON values (dates as ISO text, decimals as floats)."""
    result = con.execute(sql, params or [])
    names = [d[0] for d in result.description]
    return [{n: _json_value(v) for n, v in zip(names, row, strict=True)} for row in result.fetchall()]


def _case(column: str, labels: dict[str, str]) -> str:
    whens = " ".join(f"when '{code}' then '{label}'" for code, label in labels.items())
    return f"coalesce(case {column} {whens} end, {column})"


def victims_by_agency(con: duckdb.DuckDBPyConnection) -> list[Row]:
    return fetch(
        con,
        f"""
        select month, {_case("agency_code", AGENCY_NAMES)} as agency, victims_identified
        from mart_monthly_summary
        where agency_code in ({", ".join(f"'{a}'" for a in victim_agencies())})
        order by month, agency_code
        """,
    )


def persons_against_records(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Cumulative identification records and distinct persons, by month, in long form (month, measure, count)."""
    return fetch(
        con,
        """
        with months as (
            select month from fct_victim_identifications
            union
            select first_identified_month from fct_victims
        ),
        records as (
            select month, count(*) as n from fct_victim_identifications group by month
        ),
        persons as (
            select first_identified_month as month, count(*) as n from fct_victims group by first_identified_month
        ),
        cumulative as (
            select
                months.month,
                sum(coalesce(records.n, 0)) over (order by months.month) as records,
                sum(coalesce(persons.n, 0)) over (order by months.month) as persons
            from months
            left join records on records.month = months.month
            left join persons on persons.month = months.month
        )
        select month, 'Identification records' as measure, records::bigint as count from cumulative
        union all
        select month, 'Distinct persons' as measure, persons::bigint as count from cumulative
        order by month, measure
        """,
    )


def crime_recording_by_force(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """NRM referrals by police and those with a crime recorded, by force over the whole period, best first."""
    return fetch(
        con,
        """
        select
            coalesce(f.force_name, c.force_code) as force,
            sum(c.nrm_referrals)::bigint as nrm_referrals,
            sum(c.with_crime_recorded)::bigint as with_crime_recorded,
            sum(c.with_crime_recorded) / sum(c.nrm_referrals) as compliance_rate
        from mart_crime_recording as c
        left join dim_force as f on f.force_code = c.force_code
        group by all
        having sum(c.nrm_referrals) > 0
        order by compliance_rate desc, nrm_referrals desc, force
        """,
    )


def operations_over_time(con: duckdb.DuckDBPyConnection) -> list[Row]:
    return fetch(
        con,
        """
        select month, operations_live, operations_opened
        from mart_monthly_summary
        where agency_code = 'POLICE'
        order by month
        """,
    )


def persons_by_financial_year(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Distinct persons each agency identified each financial year, and the agencies together (a person two agencies
    identified counts once there), with the identification records and NRM referrals behind them."""
    return fetch(
        con,
        f"""
        select
            financial_year,
            {_case("agency_code", AGENCY_NAMES | {"ALL": ALL_AGENCIES})} as agency,
            persons, identifications, nrm_referrals, persons_nrm_referred
        from mart_persons_identified
        order by financial_year, agency_code = 'ALL', agency_code
        """,
    )


def _totals_by_stage(
    con: duckdb.DuckDBPyConnection, mart: str, key: str, stages: tuple[tuple[str, str], ...], measure: str
) -> list[Row]:
    """``mart``'s stage columns summed by ``key``, in long form: one row per key and stage, the sum as ``measure``."""
    sums = ", ".join(f"sum({column})::bigint as {column}" for column, _ in stages)
    unpivot = " union all ".join(
        f"select {key}, {order} as stage_order, '{label}' as stage, {column} as {measure} from totals"
        for order, (column, label) in enumerate(stages)
    )
    return fetch(
        con,
        f"""
        with totals as (select {key}, {sums} from {mart} group by {key})
        select * from ({unpivot}) order by {key}, stage_order
        """,
    )


def victim_pathway(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Persons at each stage of the pathway by exploitation type, over every year, in long form."""
    return _totals_by_stage(con, "mart_victim_pathway", "exploitation_type", PATHWAY_STAGES, "persons")


def operation_outcomes(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Police operations by the year they opened: how many opened, reached a CPS prosecution and reached a
    conviction, over every exploitation type, in long form."""
    return _totals_by_stage(con, "mart_operation_outcomes", "opened_year", OPERATION_STAGES, "operations")


def cps_outcomes(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Defendants by year and outcome, with the year's conviction rate on every row."""
    return fetch(
        con,
        """
        with by_outcome as (
            select year, coalesce(outcome, 'NOT_RECORDED') as outcome, sum(defendants)::bigint as defendants
            from mart_cps_outcomes
            group by all
        )
        select
            year,
            outcome,
            defendants,
            sum(case when outcome like 'CONVICTED_%' then defendants else 0 end) over (partition by year)
                / sum(defendants) over (partition by year) as conviction_rate
        from by_outcome
        order by year, outcome
        """,
    )


def return_status_grid(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """One cell per submitter and month: the worst status of its returns (missing, quarantined, late, on time)."""
    return fetch(
        con,
        f"""
        with returns as (
            select
                month, source, submitter, part, status,
                case status when 'MISSING' then 4 when 'QUARANTINED' then 3 when 'LATE' then 2 else 1 end as severity
            from mart_return_status
        )
        select
            strftime(r.month, '%Y-%m') as month,
            coalesce(f.force_name, {_case("r.submitter", SUBMITTER_NAMES)}) as submitter,
            {_case("arg_max(r.status, r.severity)", RETURN_STATUS_NAMES)} as status,
            string_agg(r.part || ': ' || lower(r.status), ', ' order by r.part) as parts
        from returns as r
        left join dim_force as f on f.force_code = r.submitter
        group by r.month, r.source, r.submitter, f.force_name
        order by r.source, submitter, r.month
        """,
    )


@dataclass(frozen=True)
class Headline:
    first_month: str | None
    last_month: str | None
    identification_records: int
    distinct_persons: int
    nrm_referrals: int
    operations_live_last_month: int
    defendants_finalised: int
    conviction_rate: float | None


def headline(con: duckdb.DuckDBPyConnection) -> Headline:
    (row,) = fetch(
        con,
        """
        select
            strftime(min(month), '%Y-%m') as first_month,
            strftime(max(month), '%Y-%m') as last_month,
            coalesce(sum(victims_identified), 0)::bigint as identification_records,
            (select count(*) from fct_victims) as distinct_persons,
            coalesce(sum(nrm_referrals), 0)::bigint as nrm_referrals,
            coalesce(max(operations_live) filter (where agency_code = 'POLICE' and month = (
                select max(month) from mart_monthly_summary)), 0)::bigint as operations_live_last_month,
            coalesce(sum(defendants_finalised), 0)::bigint as defendants_finalised,
            sum(convictions) / nullif(sum(defendants_finalised), 0) as conviction_rate
        from mart_monthly_summary
        """,
    )
    return Headline(**row)  # type: ignore[arg-type]


QUALITY_COLUMNS = (
    ("rank", "Rank"),
    ("submitter", "Submitter"),
    ("returns_expected", "Returns expected"),
    ("on_time", "On time"),
    ("late", "Late"),
    ("quarantined", "Quarantined"),
    ("missing", "Missing"),
    ("timeliness_rate", "Timeliness"),
    ("validity_rate", "Accepted first time"),
    ("warnings", "Warnings"),
    ("anomalies", "Anomalies"),
)


def submitter_ranking(con: duckdb.DuckDBPyConnection, months: int = 12) -> list[Row]:
    """Every submitter over the last ``months`` months of ``mart_submitter_quality``, ranked: the best timeliness
    first, then validity (first versions accepted), then the fewest missing returns."""
    return fetch(
        con,
        f"""
        with period as (
            select q.*
            from mart_submitter_quality as q
            where q.month > (select max(month) from mart_submitter_quality) - to_months(?)
        ),
        per_submitter as (
            select
                p.submitter as code,
                coalesce(f.force_name, {_case("p.submitter", SUBMITTER_NAMES)}) as submitter,
                count(*) as returns_expected,
                count(*) filter (where p.status = 'ACCEPTED') as on_time,
                count(*) filter (where p.status = 'LATE') as late,
                count(*) filter (where p.status = 'QUARANTINED') as quarantined,
                count(*) filter (where p.status = 'MISSING') as missing,
                avg(case when p.on_time then 1.0 else 0.0 end) as timeliness_rate,
                avg(case when p.accepted_first_time then 1.0 when not p.accepted_first_time then 0.0 end)
                    as validity_rate,
                sum(p.warnings) as warnings,
                sum(p.anomalies) as anomalies
            from period as p
            left join dim_force as f on f.force_code = p.submitter
            group by p.submitter, f.force_name
        )
        select
            rank() over (order by timeliness_rate desc, validity_rate desc nulls last, missing, code) as rank,
            submitter, code, returns_expected, on_time, late, quarantined, missing,
            round(timeliness_rate, 3) as timeliness_rate, round(validity_rate, 3) as validity_rate,
            warnings, anomalies
        from per_submitter
        order by rank
        """,
        [months],
    )
