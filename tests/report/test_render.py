"""render_report: the page it writes, and the figures each chart reads from the marts."""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path

import duckdb
import pytest

from msdw.publish import PUBLISHED_TABLES
from msdw.report import ReportError, render_report
from msdw.report import queries as q
from msdw.report.__main__ import main as report_main
from msdw.report.contract import published_tables
from msdw.report.render import CHARTS
from tests.report.marts_fixture import PERSONS, TABLES, build_marts


def _specs(page: Path) -> dict[str, dict]:
    html = page.read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="chart-specs">(.*?)</script>', html, re.DOTALL)
    assert match, "the page embeds no chart specifications"
    return json.loads(match.group(1))


@pytest.fixture
def con(marts_db: Path) -> duckdb.DuckDBPyConnection:
    with contextlib.closing(duckdb.connect(os.fspath(marts_db), read_only=True)) as connection:
        yield connection


def test_every_published_table_is_described_by_a_dbt_contract() -> None:
    assert set(published_tables()) == set(PUBLISHED_TABLES)
    assert set(TABLES) == set(PUBLISHED_TABLES)


def test_report_is_written_as_index_html_with_one_spec_per_chart(report_page: Path) -> None:
    assert report_page.name == "index.html"
    specs = _specs(report_page)
    assert list(specs) == [chart.key for chart in CHARTS]
    assert len(specs) == 10
    for key, spec in specs.items():
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6"), key
    html = report_page.read_text(encoding="utf-8")
    for chart in CHARTS:
        assert f'data-chart="{chart.key}"' in html
        assert chart.title in html


def test_report_loads_nothing_from_the_network(report_page: Path) -> None:
    html = report_page.read_text(encoding="utf-8")
    assert re.search(r"<script[^>]+src=", html) is None
    assert re.search(r"<link[^>]+href=", html) is None
    assert "window.vegaEmbed=" in html  # Vega-Embed, Vega-Lite and Vega are inlined
    assert re.search(r"@import|url\(\s*['\"]?https?:", html) is None


def test_report_never_shows_person_ids(report_page: Path) -> None:
    html = report_page.read_text(encoding="utf-8")
    assert "person_id" not in json.dumps(_specs(report_page))
    for person_id in PERSONS.values():
        assert person_id not in html


def test_report_headline_figures(report_page: Path) -> None:
    html = report_page.read_text(encoding="utf-8")
    figures = dict(
        (label.strip(), value.strip())
        for value, label in re.findall(r'<div class="value">(.*?)</div><div class="label">(.*?)</div>', html)
    )
    assert figures == {
        "victim records identified": "9",
        "distinct persons": "6",
        "NRM referrals": "7",
        "operations live in 2019-03": "2",
        "CPS defendants finalised": "3",
        "conviction rate": "33%",
    }
    assert "Returns for 2019-01 to 2019-03" in html


def test_rendering_again_replaces_the_page(marts_db: Path, tmp_path: Path) -> None:
    first = render_report(marts_db, tmp_path / "report")
    content = first.read_text(encoding="utf-8")
    second = render_report(marts_db, tmp_path / "report")
    assert second == first
    assert second.read_text(encoding="utf-8") == content
    assert sorted(p.name for p in (tmp_path / "report").iterdir()) == ["index.html"]


def test_the_vega_bundle_is_kept_in_the_cache_and_read_back(marts_db: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    page = render_report(marts_db, tmp_path / "report", cache)
    (kept,) = cache.glob("vega-bundle-*.js")
    bundle = kept.read_text(encoding="utf-8")
    assert "vegaEmbed" in bundle and bundle in page.read_text(encoding="utf-8")
    kept.write_text("/* the kept bundle */", encoding="utf-8")
    again = render_report(marts_db, tmp_path / "report", cache).read_text(encoding="utf-8")
    assert "/* the kept bundle */" in again and bundle not in again
    assert sorted(p.name for p in cache.iterdir()) == [kept.name]


def test_missing_marts_is_an_error_that_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="publish the marts first"):
        render_report(tmp_path / "marts.duckdb", tmp_path / "report")
    assert not (tmp_path / "report").exists()


def test_marts_without_the_published_tables_is_an_error(tmp_path: Path) -> None:
    db = tmp_path / "marts.duckdb"
    with duckdb.connect(os.fspath(db)) as connection:
        connection.execute("create table mart_monthly_summary (month date)")
    with pytest.raises(ReportError, match=r"do not match warehouse\.md"):
        render_report(db, tmp_path / "report")


def test_empty_marts_still_render_with_a_note(tmp_path: Path) -> None:
    db = build_marts(tmp_path / "marts.duckdb", tables={})
    page = render_report(db, tmp_path / "report")
    html = page.read_text(encoding="utf-8")
    assert html.count("No rows yet in the published marts") == len(CHARTS)
    assert "No months published yet." in html
    assert list(_specs(page)) == [chart.key for chart in CHARTS]


def test_victims_by_agency(con: duckdb.DuckDBPyConnection) -> None:
    rows = q.victims_by_agency(con)
    assert len(rows) == 9
    assert {r["agency"] for r in rows} == {"Police", "GLAA", "Border Force"}
    by_key = {(r["month"], r["agency"]): r["victims_identified"] for r in rows}
    assert by_key[("2019-01-01", "Police")] == 2
    assert by_key[("2019-02-01", "GLAA")] == 1
    assert by_key[("2019-02-01", "Border Force")] == 0
    assert sum(by_key.values()) == 9


def test_persons_against_records_are_running_totals(con: duckdb.DuckDBPyConnection) -> None:
    rows = q.persons_against_records(con)
    series = {
        measure: [r["count"] for r in rows if r["measure"] == measure]
        for measure in ("Identification records", "Distinct persons")
    }
    assert series == {"Identification records": [3, 6, 9], "Distinct persons": [3, 5, 6]}


def test_persons_by_financial_year_count_a_person_once_across_agencies(con: duckdb.DuckDBPyConnection) -> None:
    rows = q.persons_by_financial_year(con)
    got = {
        r["agency"]: (r["persons"], r["identifications"], r["nrm_referrals"], r["persons_nrm_referred"]) for r in rows
    }
    assert [r["agency"] for r in rows] == ["Border Force", "GLAA", "Police", q.ALL_AGENCIES]
    assert {r["financial_year"] for r in rows} == {"2018/19"}
    assert got == {
        "Police": (4, 5, 4, 3),  # A twice (Met and Kent)
        "GLAA": (2, 2, 1, 1),
        "Border Force": (2, 2, 2, 2),
        q.ALL_AGENCIES: (6, 9, 7, 5),  # B (police, Border Force) and D (police, GLAA) once each
    }


def test_operation_outcomes_by_year_opened(con: duckdb.DuckDBPyConnection) -> None:
    rows = q.operation_outcomes(con)
    assert [(r["opened_year"], r["stage"], r["operations"]) for r in rows] == [
        (2018, "Opened", 1),
        (2018, "Reached a prosecution", 1),
        (2018, "Reached a conviction", 1),  # OP1: D1 pleaded guilty
        (2019, "Opened", 2),
        (2019, "Reached a prosecution", 1),  # OPK1's case was discontinued; OP2 has none
        (2019, "Reached a conviction", 0),
    ]


def test_crime_recording_ranks_forces_from_best(con: duckdb.DuckDBPyConnection) -> None:
    rows = q.crime_recording_by_force(con)
    assert [(r["force"], r["nrm_referrals"], r["with_crime_recorded"]) for r in rows] == [
        ("Metropolitan Police", 3, 2),
        ("Kent", 1, 0),
    ]
    assert rows[0]["compliance_rate"] == pytest.approx(2 / 3)
    assert rows[1]["compliance_rate"] == 0


def test_operations_over_time(con: duckdb.DuckDBPyConnection) -> None:
    rows = q.operations_over_time(con)
    assert [(r["month"], r["operations_live"], r["operations_opened"]) for r in rows] == [
        ("2019-01-01", 1, 0),
        ("2019-02-01", 2, 1),
        ("2019-03-01", 2, 1),
    ]


def test_victim_pathway_totals_by_stage(con: duckdb.DuckDBPyConnection) -> None:
    rows = q.victim_pathway(con)
    labour = [r["persons"] for r in rows if r["exploitation_type"] == "LABOUR"]
    assert [r["stage"] for r in rows if r["exploitation_type"] == "LABOUR"] == [s for _, s in q.PATHWAY_STAGES]
    assert labour == [2, 1, 0, 1, 0]
    assert len(rows) == 3 * len(q.PATHWAY_STAGES)


def test_cps_outcomes_carry_the_conviction_rate(con: duckdb.DuckDBPyConnection) -> None:
    rows = q.cps_outcomes(con)
    assert {r["outcome"]: r["defendants"] for r in rows} == {
        "ACQUITTED": 1,
        "CONVICTED_GUILTY_PLEA": 1,
        "DISCONTINUED": 1,
    }
    assert [r["conviction_rate"] for r in rows] == pytest.approx([1 / 3] * 3)


def test_return_status_grid_shows_the_worst_status_of_a_month(con: duckdb.DuckDBPyConnection) -> None:
    cells = {(r["submitter"], r["month"]): r for r in q.return_status_grid(con)}
    assert len(cells) == 6 * 3
    assert cells[("Cumbria", "2019-02")]["status"] == "Missing"
    assert cells[("Cumbria", "2019-03")]["status"] == "Late"
    assert cells[("Cumbria", "2019-03")]["parts"] == "operations: late, victims: accepted"
    assert cells[("GLAA", "2019-01")]["status"] == "Quarantined"
    assert cells[("Kent", "2019-02")]["status"] == "Late"
    assert cells[("CPS", "2019-01")]["status"] == "Missing"
    assert cells[("Border Force", "2019-02")]["status"] == "On time"
    assert cells[("Metropolitan Police", "2019-03")]["status"] == "On time"


def test_submitter_ranking_puts_the_most_timely_first(con: duckdb.DuckDBPyConnection) -> None:
    rows = q.submitter_ranking(con)
    assert [r["code"] for r in rows] == ["BF", "E23000001", "E23000032", "CPS", "GLAA", "E23000002"]
    cumbria = rows[-1]
    assert (cumbria["submitter"], cumbria["returns_expected"], cumbria["on_time"], cumbria["late"]) == (
        "Cumbria",
        6,
        3,
        1,
    )
    assert (cumbria["missing"], cumbria["timeliness_rate"]) == (2, 0.5)
    glaa = next(r for r in rows if r["code"] == "GLAA")
    assert (glaa["quarantined"], glaa["validity_rate"]) == (1, 0.667)
    assert next(r for r in rows if r["code"] == "E23000032")["anomalies"] == 1


def test_quality_by_force_section_has_a_sortable_table(report_page: Path) -> None:
    html = report_page.read_text(encoding="utf-8")
    table = html[html.index('<table class="sortable" data-table="quality-by-force">') :]
    table = table[: table.index("</table>")]
    assert table.count("<tr>") == 1 + 6  # the heading and a row per submitter
    assert '<th data-key="timeliness_rate"' in table and '<td data-value="0.5">50%</td>' in table


def test_command_redraws_the_report_of_a_warehouse(
    marts_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    (warehouse / "marts.duckdb").write_bytes(marts_db.read_bytes())
    assert report_main(["--warehouse", str(warehouse)]) == 0
    assert (warehouse / "report" / "index.html").is_file()
    assert str(warehouse / "report" / "index.html") in capsys.readouterr().out
    assert report_main(["--warehouse", str(tmp_path / "elsewhere")]) == 2
    assert "publish the marts first" in capsys.readouterr().err
