"""``render_report``: the analyst's report, ``index.html``, drawn from the published ``marts.duckdb``."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import altair as alt
import duckdb

from msdw.files import write_text_atomically
from msdw.report import charts, queries
from msdw.report.page import Figure, ReportError, Section, render_page

REPORT_FILE = "index.html"
T = TypeVar("T")
TITLE = "Modern slavery data warehouse: monthly report"


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    blurb: str
    query: Callable[[duckdb.DuckDBPyConnection], list[queries.Row]]
    build: Callable[[list[queries.Row]], alt.TopLevelMixin]
    columns: tuple[tuple[str, str], ...] = ()  # when given, the rows are also shown as a table people can sort


CHARTS: tuple[Chart, ...] = (
    Chart(
        "victims-by-agency",
        "Victims identified per month, by agency",
        "Potential victim records identified each month: police victims returns, GLAA workers and Border Force "
        "referrals (mart_monthly_summary.victims_identified).",
        queries.victims_by_agency,
        charts.victims_by_agency,
    ),
    Chart(
        "persons-against-records",
        "Distinct persons against identification records",
        "Running totals of victim records and of the distinct persons behind them, after linking records across "
        "agencies and months. The gap is the double counting the warehouse removes (fct_victim_identifications, "
        "fct_victims).",
        queries.persons_against_records,
        charts.persons_against_records,
    ),
    Chart(
        "persons-by-year",
        "Distinct persons identified each financial year, by agency",
        "Persons each agency identified in the financial year, and the agencies together: a person two agencies "
        "identified counts once in the last bar. Hover for the identification records and NRM referrals behind them "
        "(mart_persons_identified).",
        queries.persons_by_financial_year,
        charts.persons_by_financial_year,
    ),
    Chart(
        "crime-recording",
        "NRM referrals with a crime recorded, by force",
        "Of the police victim records referred to the National Referral Mechanism over the whole period, the share "
        "with a modern slavery crime recorded; forces ranked from best to worst (mart_crime_recording).",
        queries.crime_recording_by_force,
        charts.crime_recording_by_force,
    ),
    Chart(
        "operations",
        "Live police operations over time",
        "Police operations live or suspended at each month's end (line) and operations opened in the month (bars) "
        "(mart_monthly_summary).",
        queries.operations_over_time,
        charts.operations_over_time,
    ),
    Chart(
        "operation-outcomes",
        "Police operations by year opened: prosecutions and convictions",
        "Operations opened each year, and how many of them have reached a CPS prosecution and a conviction so far; "
        "recent years have had less time to get there (mart_operation_outcomes).",
        queries.operation_outcomes,
        charts.operation_outcomes,
    ),
    Chart(
        "victim-pathway",
        "The victim pathway, by exploitation type",
        "Persons by exploitation type at first identification, and how many were referred to the NRM, had a crime "
        "recorded, and were in an operation that reached a prosecution or a conviction (mart_victim_pathway).",
        queries.victim_pathway,
        charts.victim_pathway,
    ),
    Chart(
        "cps-outcomes",
        "CPS outcomes and conviction rate",
        "Defendants in flagged modern slavery cases finalised each year, by outcome (bars), and the share convicted "
        "(line, right axis) (mart_cps_outcomes).",
        queries.cps_outcomes,
        charts.cps_outcomes,
    ),
    Chart(
        "return-status",
        "Return status by submitter and month",
        "Whether each agency's monthly returns came on time, late, were quarantined or are missing. A cell shows "
        "the worst status of the submitter's returns that month; hover for each part (mart_return_status).",
        queries.return_status_grid,
        charts.return_status_heatmap,
    ),
    Chart(
        "quality-by-force",
        "Data quality by force",
        "Each submitter's returns over the last 12 months: the share accepted on time, the share whose first version "
        "was accepted, and the returns flagged as breaking sharply from the submitter's own history; ranked from best "
        "to worst. Click a column's heading to sort the table by it (mart_submitter_quality).",
        queries.submitter_ranking,
        charts.submitter_quality,
        queries.QUALITY_COLUMNS,
    ),
)


def _number(value: int) -> str:
    return f"{value:,}"


def _figures(headline: queries.Headline) -> list[Figure]:
    rate = "n/a" if headline.conviction_rate is None else f"{headline.conviction_rate:.0%}"
    return [
        Figure("victim records identified", _number(headline.identification_records)),
        Figure("distinct persons", _number(headline.distinct_persons)),
        Figure("NRM referrals", _number(headline.nrm_referrals)),
        Figure(
            f"operations live in {headline.last_month or 'the last month'}",
            _number(headline.operations_live_last_month),
        ),
        Figure("CPS defendants finalised", _number(headline.defendants_finalised)),
        Figure("conviction rate", rate),
    ]


def _subtitle(headline: queries.Headline) -> str:
    if headline.first_month is None:
        return "No months published yet."
    return f"Returns for {headline.first_month} to {headline.last_month}, latest accepted versions."


def _connect(marts_db: Path) -> duckdb.DuckDBPyConnection:
    if not marts_db.is_file():
        raise ReportError(f"{marts_db} does not exist: publish the marts first (`msdw run`)")
    try:
        return duckdb.connect(os.fspath(marts_db), read_only=True)
    except duckdb.Error as exc:
        raise ReportError(f"cannot open {marts_db} read-only ({exc}): check it is a published marts.duckdb") from exc


def _read(con: duckdb.DuckDBPyConnection, what: str, query: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    try:
        return query(con)
    except duckdb.Error as exc:
        raise ReportError(
            f"the report's {what} cannot be read from marts.duckdb ({exc}): "
            "the published tables do not match warehouse.md; rebuild and publish them"
        ) from exc


def _sections(con: duckdb.DuckDBPyConnection) -> list[Section]:
    sections = []
    for chart in CHARTS:
        rows = _read(con, f"chart {chart.title!r}", chart.query)
        table = rows if chart.columns else []
        sections.append(
            Section(chart.key, chart.title, chart.blurb, chart.build(rows).to_dict(), len(rows), chart.columns, table)
        )
    return sections


def _vega_lite_version() -> str:
    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    return f"v{major}_{minor}"


def render_report(marts_db: Path, out_dir: Path, cache_dir: Path | None = None) -> Path:
    """Write ``out_dir/index.html``, a self-contained page of charts of the published marts; return its path.

    ``cache_dir`` keeps the inlined Vega JavaScript between calls (:func:`msdw.report.page.vega_bundle`)."""
    marts_db, out_dir = Path(marts_db), Path(out_dir)
    with contextlib.closing(_connect(marts_db)) as con:
        headline = _read(con, "headline figures", queries.headline)
        sections = _sections(con)
    published = dt.datetime.fromtimestamp(marts_db.stat().st_mtime, dt.UTC)
    html = render_page(
        TITLE,
        _subtitle(headline),
        _figures(headline),
        sections,
        f"Drawn from {marts_db.name} published {published:%Y-%m-%d %H:%M} UTC. Exact counts for authorised "
        "analysts: do not publish them without disclosure control (open_data/ holds the figures for release).",
        _vega_lite_version(),
        cache_dir,
    )
    target = out_dir / REPORT_FILE
    write_text_atomically(target, html)
    return target
