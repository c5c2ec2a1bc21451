from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from msdw.publish import (
    PUBLISHED_TABLES,
    STORAGE_VERSION,
    STORAGE_VERSION_NUMBER,
    PublishError,
    build_aside,
    last_publish,
    publish,
    read_publish_record,
    storage_version_number,
)
from msdw.warehouse import Warehouse

TABLES: dict[str, str] = {
    "dim_month": "month date, year integer, quarter integer, financial_year varchar",
    "dim_force": "force_code varchar, force_name varchar, region varchar, nation varchar, cps_area varchar",
    "dim_nationality": "nationality_code varchar, nationality_name varchar",
    "fct_victim_identifications": "identification_id varchar, person_id varchar, agency_code varchar, month date",
    "fct_victims": "person_id varchar, first_identified_month date, agencies_count bigint",
    "fct_operations": "operation_id varchar, force_code varchar, potential_victims bigint",
    "fct_operation_months": "operation_id varchar, month date, status varchar",
    "fct_prosecutions": (
        "case_urn varchar, defendant_ref varchar, convicted boolean, confiscation_order_gbp decimal(18,2)"
    ),
    "mart_monthly_summary": (
        "month date, agency_code varchar, victims_identified bigint, nrm_referrals bigint, dtn_submissions bigint, "
        "operations_live bigint, operations_opened bigint, arrests bigint, charges bigint, "
        "defendants_finalised bigint, convictions bigint, inspections bigint, money_recovered_gbp decimal(18,2)"
    ),
    "mart_crime_recording": (
        "month date, force_code varchar, nrm_referrals bigint, with_crime_recorded bigint, compliance_rate double"
    ),
    "mart_victim_pathway": (
        "year integer, exploitation_type varchar, persons_identified bigint, persons_nrm_referred bigint, "
        "persons_crime_recorded bigint, persons_in_prosecuted_operation bigint, persons_in_convicted_operation bigint"
    ),
    "mart_return_status": "month date, source varchar, submitter varchar, part varchar, status varchar",
    "mart_submitter_quality": "month date, source varchar, submitter varchar, part varchar, status varchar",
    "mart_cps_outcomes": "year integer, cps_area varchar, outcome varchar, defendants bigint",
    "mart_nationality_profile": "year integer, nationality_code varchar, victims bigint, suspects bigint",
    "mart_persons_identified": "financial_year varchar, agency_code varchar, identifications bigint, persons bigint",
    "mart_operation_outcomes": "opened_year integer, primary_exploitation varchar, operations bigint",
}

ROWS: dict[str, list[str]] = {
    "dim_force": ["('E23000001', 'Metropolitan Police', 'London', 'England', '1')"],
    "dim_nationality": ["('GBR', 'British')", "('ALB', 'Albanian')"],
    "fct_victim_identifications": [
        "('POLICE:E23000001:MET-V-2', 'p2', 'POLICE', date '2020-02-01')",
        "('POLICE:E23000001:MET-V-1', 'p1', 'POLICE', date '2020-01-01')",
    ],
    "fct_prosecutions": ["('U1', 'D1', true, 1234.50)"],
    "mart_monthly_summary": [
        "(date '2020-01-01', 'POLICE', 40, 30, 2, 7, 3, 12, 6, 0, 0, 0, 0)",
        "(date '2020-01-01', 'GLAA', 3, 1, 0, 0, 0, 2, 1, 0, 0, 9, 1500.00)",
        "(date '2020-01-01', 'CPS', 0, 0, 0, 0, 0, 0, 0, 10, 7, 0, 0)",
    ],
    "mart_crime_recording": [
        "(date '2020-01-01', 'E23000001', 20, 18, 0.9)",
        "(date '2020-01-01', 'E23000002', 10, 6, 0.6)",
    ],
    "mart_victim_pathway": ["(2020, 'LABOUR', 30, 20, 10, 6, 3)", "(2020, 'SEXUAL', 12, 9, 8, 5, 2)"],
    "mart_cps_outcomes": ["(2020, '1', 'CONVICTED_GUILTY_PLEA', 6)", "(2020, '1', 'ACQUITTED', 4)"],
    "mart_nationality_profile": ["(2020, 'GBR', 30, 5)", "(2020, 'ALB', 12, 3)"],
}


def make_build_db(path: Path, *, extra_victims: int = 0) -> Path:
    with contextlib.closing(duckdb.connect(os.fspath(path))) as con:
        for table, columns in TABLES.items():
            con.execute(f"create or replace table {table} ({columns})")
            for row in ROWS.get(table, []):
                con.execute(f"insert into {table} values {row}")
        for n in range(extra_victims):
            con.execute(f"insert into fct_victims values ('extra{n}', date '2020-03-01', 1)")
    return path


@dataclass
class FakeGate:
    passed: bool = True
    failures: list[str] = field(default_factory=list)
    seen: list[Path] = field(default_factory=list)

    def __call__(self, db_path: Path, warehouse: Warehouse) -> FakeGate:
        self.seen.append(db_path)
        assert db_path.exists()
        assert db_path != warehouse.marts
        return self


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    wh = Warehouse.at(tmp_path / "wh").ensure()
    make_build_db(wh.build_db)
    return wh


def test_published_tables_match_the_output_contract() -> None:
    assert len(PUBLISHED_TABLES) == len(set(PUBLISHED_TABLES)) == 17
    assert {"mart_monthly_summary", "fct_victims", "dim_month", "mart_return_status"} <= set(PUBLISHED_TABLES)
    assert {"mart_persons_identified", "mart_operation_outcomes"} <= set(PUBLISHED_TABLES)  # beyond the contract


def test_build_aside_copies_every_table_in_a_format_duckdb_1x_reads(warehouse: Warehouse) -> None:
    aside = build_aside(warehouse)
    try:
        assert aside.parent == warehouse.marts.parent
        assert aside.name.startswith(".marts.")
        assert storage_version_number(aside) == STORAGE_VERSION_NUMBER
        with contextlib.closing(duckdb.connect(os.fspath(aside), read_only=True)) as con:
            found = con.execute("select table_name from duckdb_tables() where schema_name = 'main'").fetchall()
            tables = {row[0] for row in found}
            assert tables == set(PUBLISHED_TABLES)
            tags = con.execute("select tags from duckdb_databases() where not internal and path is not null").fetchone()
            assert tags[0]["storage_version"].startswith(STORAGE_VERSION)
            types = dict(
                con.execute(
                    "select column_name, data_type from duckdb_columns() where table_name = 'mart_monthly_summary'"
                ).fetchall()
            )
            assert types["month"] == "DATE"
            assert types["victims_identified"] == "BIGINT"
            assert types["money_recovered_gbp"] == "DECIMAL(18,2)"
            ids = [r[0] for r in con.execute("select identification_id from fct_victim_identifications").fetchall()]
            assert ids == sorted(ids)
    finally:
        aside.unlink()


def test_storage_version_differs_from_duckdb_default(tmp_path: Path) -> None:
    default = tmp_path / "default.duckdb"
    with contextlib.closing(duckdb.connect(os.fspath(default))) as con:
        con.execute("create table t as select 1 as a")
    assert storage_version_number(default) > STORAGE_VERSION_NUMBER


def test_storage_version_number_rejects_other_files(tmp_path: Path) -> None:
    other = tmp_path / "x.duckdb"
    other.write_bytes(b"not a database at all, just text")
    with pytest.raises(PublishError, match="not a DuckDB database"):
        storage_version_number(other)


def test_build_aside_adds_dbt_descriptions_as_comments(warehouse: Warehouse, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    node = {
        "resource_type": "model",
        "name": "dim_force",
        "description": "Police forces and units.",
        "columns": {"force_code": {"description": "ONS code of the force"}, "nope": {"description": "absent"}},
    }
    manifest.write_text(json.dumps({"nodes": {"model.msdw.dim_force": node}}))
    aside = build_aside(warehouse, manifest=manifest)
    try:
        with contextlib.closing(duckdb.connect(os.fspath(aside), read_only=True)) as con:
            comment = con.execute("select comment from duckdb_tables() where table_name = 'dim_force'").fetchone()
            assert comment == ("Police forces and units.",)
            column = con.execute(
                "select comment from duckdb_columns() where table_name = 'dim_force' and column_name = 'force_code'"
            ).fetchone()
            assert column == ("ONS code of the force",)
    finally:
        aside.unlink()


def test_build_aside_names_missing_tables(tmp_path: Path) -> None:
    wh = Warehouse.at(tmp_path / "wh").ensure()
    with contextlib.closing(duckdb.connect(os.fspath(wh.build_db))) as con:
        con.execute("create table dim_month (month date)")
    with pytest.raises(PublishError, match="lacks dim_force"):
        build_aside(wh)
    assert [p.name for p in wh.root.iterdir() if p.name.startswith(".marts.")] == []


def test_build_aside_while_a_writer_holds_the_build_db(warehouse: Warehouse) -> None:
    script = (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); con.execute('create table held (a int)'); "
        "print('ready', flush=True); time.sleep(30)"
    )
    writer = subprocess.Popen([sys.executable, "-c", script, os.fspath(warehouse.build_db)], stdout=subprocess.PIPE)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == b"ready"
        with pytest.raises(PublishError, match="wait for it to finish"):
            build_aside(warehouse)
    finally:
        writer.kill()
        writer.wait()
    assert [p.name for p in warehouse.root.iterdir() if p.name.startswith(".marts.")] == []


def test_build_aside_without_build_db(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="run the dbt build"):
        build_aside(Warehouse.at(tmp_path / "empty"))


def test_publish_swaps_in_marts_and_writes_open_data_and_record(warehouse: Warehouse) -> None:
    gate = FakeGate()
    result = publish(warehouse, gate=gate)
    assert result.published
    assert result.failures == []
    assert result.path == warehouse.marts
    assert result.tables["mart_monthly_summary"] == 3
    assert result.tables["fct_victim_identifications"] == 2
    assert len(gate.seen) == 1
    assert not gate.seen[0].exists()
    assert storage_version_number(warehouse.marts) == STORAGE_VERSION_NUMBER
    names = {p.name for p in warehouse.open_data.iterdir()}
    assert "notes.txt" in names and "crime_recording_by_year.csv" in names
    record = read_publish_record(warehouse)
    assert record is not None
    assert record["storage_version"] == STORAGE_VERSION
    assert record["tables"]["dim_force"]["rows"] == 1
    assert len(record["tables"]["dim_force"]["sha256"]) == 64
    assert record["last_attempt"]["published"] is True
    info = last_publish(warehouse)
    assert info is not None
    assert info["tables"]["mart_monthly_summary"] == 3
    assert info["hashes"]["dim_force"] == record["tables"]["dim_force"]["sha256"]
    assert info["published_at"] == record["published_at"]
    assert [p.name for p in warehouse.root.iterdir() if p.name.startswith(".marts.")] == []


def test_republishing_identical_content_gives_identical_tables(warehouse: Warehouse) -> None:
    publish(warehouse, gate=FakeGate())
    first = read_publish_record(warehouse)
    csv_first = (warehouse.open_data / "summary_by_year.csv").read_text()
    publish(warehouse, gate=FakeGate())
    second = read_publish_record(warehouse)
    assert first is not None and second is not None
    assert first["tables"] == second["tables"]
    assert (warehouse.open_data / "summary_by_year.csv").read_text() == csv_first


def test_content_hash_changes_with_content(warehouse: Warehouse) -> None:
    publish(warehouse, gate=FakeGate())
    before = read_publish_record(warehouse)
    make_build_db(warehouse.build_db, extra_victims=2)
    publish(warehouse, gate=FakeGate())
    after = read_publish_record(warehouse)
    assert before is not None and after is not None
    assert after["tables"]["fct_victims"]["rows"] == 2
    assert after["tables"]["fct_victims"]["sha256"] != before["tables"]["fct_victims"]["sha256"]
    assert after["tables"]["dim_force"]["sha256"] == before["tables"]["dim_force"]["sha256"]


def test_reader_of_old_file_keeps_working_and_new_readers_see_new_content(warehouse: Warehouse) -> None:
    publish(warehouse, gate=FakeGate())
    reader = duckdb.connect(os.fspath(warehouse.marts), read_only=True)
    try:
        assert reader.execute("select count(*) from fct_victims").fetchone() == (0,)
        make_build_db(warehouse.build_db, extra_victims=3)
        assert publish(warehouse, gate=FakeGate()).published
        assert reader.execute("select count(*) from fct_victims").fetchone() == (0,)
        assert reader.execute("select sum(victims_identified) from mart_monthly_summary").fetchone() == (43,)
        # a new database instance: duckdb.connect(path) in this process would reuse the reader's cached instance
        with contextlib.closing(duckdb.connect()) as fresh:
            fresh.execute(f"attach '{warehouse.marts}' as marts (read_only)")
            assert fresh.execute("select count(*) from marts.fct_victims").fetchone() == (3,)
    finally:
        reader.close()


def test_failing_gate_keeps_the_old_file_byte_identical(warehouse: Warehouse) -> None:
    publish(warehouse, gate=FakeGate())
    old_bytes = warehouse.marts.read_bytes()
    old_csv = (warehouse.open_data / "summary_by_year.csv").read_bytes()
    make_build_db(warehouse.build_db, extra_victims=5)
    gate = FakeGate(passed=False, failures=["fct_victims: person_id not unique"])
    result = publish(warehouse, gate=gate)
    assert not result.published
    assert result.failures == ["fct_victims: person_id not unique"]
    assert warehouse.marts.read_bytes() == old_bytes
    assert (warehouse.open_data / "summary_by_year.csv").read_bytes() == old_csv
    assert not gate.seen[0].exists()
    record = read_publish_record(warehouse)
    assert record is not None
    assert record["last_attempt"] == {
        "at": record["last_attempt"]["at"],
        "published": False,
        "failures": ["fct_victims: person_id not unique"],
    }
    assert record["tables"]["fct_victims"]["rows"] == 0


def test_gate_that_raises_leaves_no_aside_file_and_old_marts(warehouse: Warehouse) -> None:
    publish(warehouse, gate=FakeGate())
    old_bytes = warehouse.marts.read_bytes()

    def broken(db_path: Path, wh: Warehouse) -> FakeGate:
        raise RuntimeError("suite missing")

    with pytest.raises(RuntimeError, match="suite missing"):
        publish(warehouse, gate=broken)
    assert warehouse.marts.read_bytes() == old_bytes
    record = read_publish_record(warehouse)
    assert record is not None and record["last_attempt"]["published"] is False
    assert "suite missing" in record["last_attempt"]["failures"][0]
    assert [p.name for p in warehouse.root.iterdir() if p.name.startswith(".marts.")] == []


def test_first_publish_blocked_leaves_no_marts(warehouse: Warehouse) -> None:
    result = publish(warehouse, gate=FakeGate(passed=False, failures=["x"]))
    assert not result.published
    assert not warehouse.marts.exists()
    assert not warehouse.open_data.exists()
    assert last_publish(warehouse) is None
    record = read_publish_record(warehouse)
    assert record is not None and record["last_attempt"]["failures"] == ["x"]


def test_wal_beside_marts_blocks_publish(warehouse: Warehouse) -> None:
    publish(warehouse, gate=FakeGate())
    wal = warehouse.marts.with_name("marts.duckdb.wal")
    wal.write_bytes(b"x")
    with pytest.raises(PublishError, match="read-only"):
        publish(warehouse, gate=FakeGate())
