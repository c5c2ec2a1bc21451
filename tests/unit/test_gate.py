"""The mart gate: suites per published table and totals reconciled, over a small hand-made DuckDB file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from msdw import reference
from msdw.quality import marts, reconcile, suites
from msdw.quality.context import validations_dir
from msdw.quality.mart_gate import GateError, check_marts
from msdw.warehouse import Warehouse

REPO = Path(__file__).resolve().parents[2]
FORCES = frozenset({"E23000001", "E23000002", "X-BTP"})

SCHEMA = {
    "dim_month": "month date, year integer, quarter integer, financial_year varchar",
    "dim_force": "force_code varchar, force_name varchar, region varchar, nation varchar, cps_area integer",
    "dim_nationality": "nationality_code varchar, nationality_name varchar",
    "fct_victim_identifications": (
        "identification_id varchar, person_id varchar, agency_code varchar, submitter_code varchar, "
        "force_code varchar, month date, nationality_code varchar, gender varchar, age_group varchar, "
        "exploitation_type varchar, nrm_referred boolean, dtn_submitted boolean, crime_recorded boolean, "
        "operation_id varchar"
    ),
    "fct_victims": (
        "person_id varchar, first_identified_month date, first_agency_code varchar, agencies_count bigint, "
        "identifications_count bigint, nationality_code varchar, gender varchar, age_group varchar, "
        "exploitation_type varchar, ever_nrm_referred boolean, ever_crime_recorded boolean"
    ),
    "fct_operations": (
        "operation_id varchar, force_code varchar, lead_agency varchar, opened_date date, closed_date date, "
        "status varchar, primary_exploitation varchar, potential_victims bigint, suspects bigint, arrests bigint, "
        "charges bigint, operation_ref varchar, first_reported_month date, last_reported_month date, "
        "months_reported bigint"
    ),
    "fct_operation_months": "operation_id varchar, month date, status varchar, force_code varchar",
    "fct_prosecutions": (
        "case_urn varchar, defendant_ref varchar, month date, cps_area integer, force_code varchar, "
        "operation_id varchar, principal_offence varchar, outcome varchar, convicted boolean, "
        "custodial_sentence_months bigint, victims_in_case bigint, stpo_made boolean, "
        "confiscation_order_gbp decimal(18, 2), finalised_date date"
    ),
    "mart_monthly_summary": (
        "month date, agency_code varchar, victims_identified bigint, nrm_referrals bigint, dtn_submissions bigint, "
        "operations_live bigint, operations_opened bigint, arrests bigint, charges bigint, "
        "defendants_finalised bigint, convictions bigint, inspections bigint, money_recovered_gbp decimal(18, 2)"
    ),
    "mart_crime_recording": (
        "month date, force_code varchar, nrm_referrals bigint, with_crime_recorded bigint, compliance_rate double"
    ),
    "mart_victim_pathway": (
        "year integer, exploitation_type varchar, persons_identified bigint, persons_nrm_referred bigint, "
        "persons_crime_recorded bigint, persons_in_prosecuted_operation bigint, persons_in_convicted_operation bigint"
    ),
    "mart_return_status": (
        "month date, source varchar, submitter varchar, part varchar, status varchar, versions_received bigint, "
        "accepted_sha256 varchar, received_at timestamp, rows_accepted bigint, warnings bigint, last_error varchar, "
        "due_at timestamp"
    ),
    "mart_submitter_quality": (
        "month date, source varchar, submitter varchar, part varchar, status varchar, on_time boolean, "
        "days_late bigint, versions_received bigint, accepted_first_time boolean, rows_accepted bigint, "
        "warnings bigint, anomalies bigint, timeliness_rate double, validity_rate double"
    ),
    "mart_cps_outcomes": "year integer, cps_area integer, outcome varchar, defendants bigint",
    "mart_nationality_profile": "year integer, nationality_code varchar, victims bigint, suspects bigint",
    "mart_persons_identified": (
        "financial_year varchar, agency_code varchar, identifications bigint, persons bigint, nrm_referrals bigint, "
        "persons_nrm_referred bigint"
    ),
    "mart_operation_outcomes": (
        "opened_year integer, primary_exploitation varchar, operations bigint, arrests bigint, charges bigint, "
        "operations_prosecuted bigint, prosecution_cases bigint, defendants_finalised bigint, convictions bigint, "
        "operations_convicted bigint"
    ),
}

GOOD_ROWS = {
    "dim_month": ["('2020-01-01', 2020, 4, '2019/20')"],
    "dim_force": ["('E23000001', 'Metropolitan Police', 'London', 'England', 4)", "('X-BTP', 'BTP', null, null, null)"],
    "fct_victim_identifications": [
        "('POLICE:E23000001:V-1', 'P1', 'POLICE', 'E23000001', 'E23000001', '2020-01-01', 'GBR', 'MALE', 'CHILD', "
        "'CRIMINAL', true, false, true, null)",
        "('POLICE:E23000001:V-2', 'P2', 'POLICE', 'E23000001', 'E23000001', '2020-01-01', 'ALB', 'FEMALE', 'ADULT', "
        "'SEXUAL', true, false, false, null)",
        "('POLICE:E23000001:V-3', 'P3', 'POLICE', 'E23000001', 'E23000001', '2020-01-01', 'VNM', 'MALE', 'ADULT', "
        "'LABOUR', false, true, false, null)",
        "('GLAA:GLAA:W-1', 'P4', 'GLAA', 'GLAA', 'E23000002', '2020-01-01', 'ROU', 'MALE', 'ADULT', 'LABOUR', "
        "false, false, null, null)",
        "('BORDER_FORCE:BF:BF-1', 'P5', 'BORDER_FORCE', 'BF', 'E23000001', '2020-01-01', 'UNK', 'UNKNOWN', "
        "'UNKNOWN', 'UNKNOWN', true, false, null, null)",
    ],
    "fct_victims": [
        f"('P{n}', '2020-01-01', '{agency}', 1, 1, 'GBR', 'MALE', 'ADULT', 'LABOUR', false, false)"
        for n, agency in ((1, "POLICE"), (2, "POLICE"), (3, "POLICE"), (4, "GLAA"), (5, "BORDER_FORCE"))
    ],
    "fct_prosecutions": [
        "('URN-1', 'D-1', '2020-01-01', 4, 'E23000001', null, 'MSA_S2', 'CONVICTED_GUILTY_PLEA', true, 36, 2, "
        "true, 1000.00, '2020-01-20')",
        "('URN-1', 'D-2', '2020-01-01', 4, 'E23000001', null, 'MSA_S2', 'ACQUITTED', false, null, 2, false, null, "
        "'2020-01-24')",
    ],
    "mart_monthly_summary": [
        "('2020-01-01', 'POLICE', 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0)",
        "('2020-01-01', 'GLAA', 1, 0, 0, 0, 0, 0, 0, 0, 0, 4, 250.00)",
        "('2020-01-01', 'BORDER_FORCE', 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0)",
        "('2020-01-01', 'CPS', 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0)",
    ],
    "mart_crime_recording": [
        "('2020-01-01', 'E23000001', 2, 1, 0.5)",
        "('2020-01-01', 'E23000002', 0, 0, null)",
    ],
    "mart_victim_pathway": ["(2020, 'LABOUR', 3, 0, 0, 0, 0)", "(2020, 'SEXUAL', 2, 2, 1, 1, 1)"],
    "mart_cps_outcomes": ["(2020, 4, 'CONVICTED_GUILTY_PLEA', 1)", "(2020, 4, 'ACQUITTED', 1)"],
    "mart_nationality_profile": ["(2020, 'GBR', 4, 0)", "(2020, 'ALB', 1, 3)"],
    "mart_return_status": [
        "('2020-01-01', 'police', 'E23000001', 'victims', 'LATE', 1, 'ab', '2020-02-20', 3, 0, null, '2020-02-15')"
    ],
    "mart_submitter_quality": [
        "('2020-01-01', 'police', 'E23000001', 'victims', 'LATE', false, 5, 1, true, 3, 0, 0, 0.0, 1.0)"
    ],
    "mart_persons_identified": [
        "('2019/20', 'POLICE', 3, 3, 2, 2)",
        "('2019/20', 'GLAA', 1, 1, 0, 0)",
        "('2019/20', 'BORDER_FORCE', 1, 1, 1, 1)",
        "('2019/20', 'ALL', 5, 5, 3, 3)",
    ],
}


@pytest.fixture(autouse=True)
def known_forces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reference, "force_codes", lambda: FORCES)


def build_db(
    path: Path, rows: dict[str, list[str]], extra_sql: tuple[str, ...] = (), skip: tuple[str, ...] = ()
) -> Path:
    con = duckdb.connect(os.fspath(path))
    try:
        for name, columns in SCHEMA.items():
            if name in skip:
                continue
            con.execute(f"create table {name} ({columns})")
            if rows.get(name):
                con.execute(f"insert into {name} values {', '.join(rows[name])}")
        for sql in extra_sql:
            con.execute(sql)
    finally:
        con.close()
    return path


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse.at(tmp_path / "wh").ensure()


def test_committed_suites_equal_the_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()
    folder = REPO / "expectations" / marts.DATASOURCE
    for suite in suites.mart_suites():
        name = suite.name.removeprefix(f"{marts.DATASOURCE}.")
        committed = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        assert committed == json.loads(suites.suite_json(suite)), (
            f"expectations/marts/{name}.json is stale: run make generate"
        )


def test_every_published_table_has_a_suite() -> None:
    from msdw.publish import PUBLISHED_TABLES

    assert {m.name for m in marts.mart_tables()} == set(PUBLISHED_TABLES) == set(SCHEMA)


def test_the_gate_reads_exactly_the_columns_its_expectations_name() -> None:
    for mart in marts.mart_tables():
        named = {*mart.key, *mart.not_null, *(c for c, _ in mart.codes), *mart.counts, *mart.rates}
        named |= {c for c, _, _ in mart.ranges} | {c for pair in mart.at_least for c in pair}
        assert set(marts.suite_columns(marts.suite_for_mart(mart))) == named, mart.name
    assert set(marts.suite_columns(reconcile.reconciliation_suite())) == {"actual", "expected", "check"}


def test_good_marts_pass_and_results_are_kept(tmp_path: Path, warehouse: Warehouse) -> None:
    result = check_marts(build_db(tmp_path / "good.duckdb", GOOD_ROWS), warehouse)
    assert result.failures == []
    assert result.passed
    assert set(result.checked) == set(SCHEMA) | {reconcile.RECONCILIATION}
    summary = json.loads(result.results_path.read_text(encoding="utf-8"))
    assert (summary["passed"], summary["data_docs_error"]) == (True, None)
    kept = list(validations_dir(warehouse.gx).rglob("*.json"))
    assert len(kept) == len(SCHEMA) + 1
    index = (warehouse.data_docs / "index.html").read_text(encoding="utf-8")
    assert "marts.mart_monthly_summary" in index
    assert "marts.reconciliation" in index


def spoiled(table: str, old: str, new: str) -> dict[str, list[str]]:
    rows = {k: list(v) for k, v in GOOD_ROWS.items()}
    assert any(old in r for r in rows[table]), f"{old!r} not in {table}"
    rows[table] = [r.replace(old, new, 1) for r in rows[table]]
    return rows


@pytest.mark.parametrize(
    ("rows", "extra_sql", "expected"),
    [
        pytest.param(
            GOOD_ROWS,
            ("insert into mart_cps_outcomes values (2020, 4, 'ACQUITTED', 0)",),
            [
                "mart_cps_outcomes.year, cps_area, outcome: expect_compound_columns_to_be_unique "
                "(2 unexpected, e.g. (2020, 4, 'ACQUITTED'))"
            ],
            id="duplicate key",
        ),
        pytest.param(
            GOOD_ROWS,
            ("insert into dim_force values ('E23000001', 'Met again', 'London', 'England', 4)",),
            ["dim_force.force_code: expect_column_values_to_be_unique (2 unexpected, e.g. 'E23000001')"],
            id="duplicate single key",
        ),
        pytest.param(
            spoiled("mart_crime_recording", "0.5)", "1.5)"),
            (),
            ["mart_crime_recording.compliance_rate: expect_column_values_to_be_between (1 unexpected, e.g. 1.5)"],
            id="rate out of range",
        ),
        pytest.param(
            GOOD_ROWS,
            ("insert into mart_monthly_summary values ('2020-01-01', 'NCA', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)",),
            ["mart_monthly_summary.agency_code: expect_column_values_to_be_in_set (1 unexpected, e.g. 'NCA')"],
            id="unknown agency code",
        ),
        pytest.param(
            spoiled("mart_cps_outcomes", "'ACQUITTED', 1)", "'ACQUITTED', 2)"),
            (),
            [
                "mart_cps_outcomes.defendants: expect_column_pair_values_to_be_equal (total 3, expected 2 from: "
                "select count(*) from fct_prosecutions)"
            ],
            id="broken reconciliation",
        ),
        pytest.param(
            spoiled("mart_submitter_quality", "'LATE', false", "'ACCEPTED', true"),
            (),
            [
                "mart_submitter_quality = mart_return_status: expect_column_pair_values_to_be_equal (total 0, "
                "expected 1 from: select count(*) from mart_return_status)"
            ],
            id="quality disagrees with return status",
        ),
        pytest.param(
            spoiled("fct_victim_identifications", "'ROU', 'MALE'", "'ROU', 'MAN'"),
            (),
            ["fct_victim_identifications.gender: expect_column_values_to_be_in_set (1 unexpected, e.g. 'MAN')"],
            id="unknown gender",
        ),
        pytest.param(
            spoiled(
                "mart_monthly_summary",
                "('2020-01-01', 'CPS', 0, 0, 0, 0, 0, 0, 0, 2, 1,",
                "('2020-01-01', 'CPS', 0, 0, 0, 0, 0, 0, 0, 2, -1,",
            ),
            (),
            [
                "mart_monthly_summary.convictions: expect_column_values_to_be_between (1 unexpected, e.g. -1)",
                "mart_monthly_summary.convictions[CPS]: expect_column_pair_values_to_be_equal (total -1, expected 1 "
                "from: select count(*) from fct_prosecutions where convicted)",
            ],
            id="negative count",
        ),
        pytest.param(
            spoiled("mart_persons_identified", "('2019/20', 'ALL', 5,", "('2019/20', 'ALL', 6,"),
            (),
            [
                "mart_persons_identified.identifications[ALL]: expect_column_pair_values_to_be_equal (total 6, "
                "expected 5 from: select count(*) from fct_victim_identifications)"
            ],
            id="identifications of all agencies apart from the facts",
        ),
        pytest.param(
            spoiled("mart_persons_identified", "('2019/20', 'GLAA', 1, 1,", "('2019/20', 'GLAA', 1, 2,"),
            (),
            [
                "mart_persons_identified.identifications, persons: expect_column_pair_values_a_to_be_greater_than_b "
                "(1 unexpected, e.g. (1, 2))"
            ],
            id="more persons than records",
        ),
        pytest.param(
            GOOD_ROWS,
            ("insert into mart_operation_outcomes values (2020, 'LABOUR', 1, 0, 0, 0, 0, 0, 0, 0)",),
            [
                "mart_operation_outcomes.operations: expect_column_pair_values_to_be_equal (total 1, expected 0 from: "
                "select count(*) from fct_operations)"
            ],
            id="operations the facts do not have",
        ),
    ],
)
def test_a_defect_blocks_with_a_readable_failure(
    tmp_path: Path, warehouse: Warehouse, rows: dict[str, list[str]], extra_sql: tuple[str, ...], expected: list[str]
) -> None:
    result = check_marts(build_db(tmp_path / "bad.duckdb", rows, extra_sql), warehouse, render_docs=False)
    assert not result.passed
    assert result.failures == expected


def test_a_missing_table_blocks(tmp_path: Path, warehouse: Warehouse) -> None:
    result = check_marts(
        build_db(tmp_path / "bad.duckdb", GOOD_ROWS, skip=("dim_month",)), warehouse, render_docs=False
    )
    assert not result.passed
    assert result.failures == ["dim_month: table missing from bad.duckdb; check the dbt build"]


def test_no_database_is_an_error(tmp_path: Path, warehouse: Warehouse) -> None:
    with pytest.raises(GateError, match="build the marts"):
        check_marts(tmp_path / "nothing.duckdb", warehouse)


# --- reconciling with the raw zone ----------------------------------------------------------------------------------


def write_raw(warehouse: Warehouse, versions: list[tuple[str, str, int, str, int]]) -> None:
    """Raw Parquet files and the ledger export for (raw table, submitter, version, status, rows)."""
    con = duckdb.connect()
    ledger = []
    for n, (name, submitter, version, status, rows) in enumerate(versions):
        sha = f"{n:064x}"
        ledger.append(f"('{name}|{submitter}|2020-01|main', {version}, '{sha}', '{status}')")
        if status != "ACCEPTED":
            continue
        folder = warehouse.raw / name / "2020-01"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{submitter}__v{version}__{sha[:16]}.parquet"
        con.execute(
            f"copy (select '{sha}' as _sha256, '{submitter}' as _submitter, {version} as _version, range + 2 as _row "
            f"from range({rows})) to '{target}' (format parquet)"
        )
    warehouse.ledger_export.parent.mkdir(parents=True, exist_ok=True)
    con.execute(
        "copy (select * from (values "
        + ", ".join(ledger)
        + f") as t(return_key, version, sha256, status)) to '{warehouse.ledger_export}' (format parquet)"
    )
    con.close()


RAW_GOOD = [
    ("police_victims", "E23000001", 1, "ACCEPTED", 2),
    ("police_victims", "E23000001", 2, "ACCEPTED", 3),
    ("police_victims", "E23000001", 3, "QUARANTINED", 9),
    ("glaa_workers", "GLAA", 1, "ACCEPTED", 1),
    ("border_force_referrals", "BF", 1, "ACCEPTED", 1),
    ("cps_defendants", "CPS", 1, "ACCEPTED", 2),
]


def test_totals_reconcile_with_the_latest_accepted_raw_versions(tmp_path: Path, warehouse: Warehouse) -> None:
    write_raw(warehouse, RAW_GOOD)
    result = check_marts(build_db(tmp_path / "good.duckdb", GOOD_ROWS), warehouse, render_docs=False)
    assert result.failures == []


def test_a_count_that_disagrees_with_the_raw_zone_blocks(tmp_path: Path, warehouse: Warehouse) -> None:
    write_raw(warehouse, [*RAW_GOOD[:-1], ("cps_defendants", "CPS", 1, "ACCEPTED", 3)])
    result = check_marts(build_db(tmp_path / "good.duckdb", GOOD_ROWS), warehouse, render_docs=False)
    assert len(result.failures) == 1
    assert result.failures[0].startswith(
        "fct_prosecutions = raw.cps_defendants: expect_column_pair_values_to_be_equal (total 2, expected 3 from: "
    )
