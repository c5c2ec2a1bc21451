"""The benchmark's BI queries run on the published tables, and the summary marts give what the ad hoc forms give."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import duckdb

from bench.bi import AD_HOC_QUERIES, load_queries, time_queries
from tests.report.marts_fixture import build_marts


def test_every_query_runs_on_the_published_tables(tmp_path: Path) -> None:
    marts = build_marts(tmp_path / "marts.duckdb")
    queries = load_queries() + load_queries(AD_HOC_QUERIES)
    assert len(load_queries()) == 14
    latencies = time_queries(marts, queries, repeats=1)
    assert set(latencies) == {q.name for q in queries}


def test_summary_marts_answer_as_the_ad_hoc_queries_do(tmp_path: Path) -> None:
    marts = build_marts(tmp_path / "marts.duckdb")
    dashboard = {q.name: q.sql for q in load_queries()}
    ad_hoc = {q.name: q.sql for q in load_queries(AD_HOC_QUERIES)}
    assert set(ad_hoc) <= set(dashboard)
    with contextlib.closing(duckdb.connect(os.fspath(marts), read_only=True)) as con:
        persons = "victims_by_financial_year_and_agency"
        assert con.execute(dashboard[persons]).fetchall() == con.execute(ad_hoc[persons]).fetchall()
        outcomes = "operation_outcomes_conversion"
        summary = {r[0]: (r[1], r[4], r[5]) for r in con.execute(dashboard[outcomes]).fetchall()}
        facts = {r[0]: (r[1], r[4], r[5]) for r in con.execute(ad_hoc[outcomes]).fetchall()}
        assert summary == facts  # operations, cases, convictions (arrests: the ad hoc join repeats them)
        assert sum(row[2] for row in summary.values()) == 1
