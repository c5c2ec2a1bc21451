"""`load_raw_zone` keeps the build database's raw tables in step with the raw files, reading only new files."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
import scenario
from conftest import scenario_zone
from rawzone_builder import RawZone

from msdw.transform import run_dbt
from msdw.warehouse import Warehouse

TABLE = "police_operations"


def load(warehouse: Warehouse) -> None:
    run_dbt(warehouse, ["run-operation", "load_raw_zone"])


def loaded(warehouse: Warehouse) -> dict[str, int]:
    """Rows of raw.police_operations per file."""
    with duckdb.connect(os.fspath(warehouse.build_db), read_only=True) as con:
        return dict(con.execute(f"select _file, count(*) from raw.{TABLE} group by _file").fetchall())


def on_disk(warehouse: Warehouse) -> dict[str, int]:
    """Rows of each raw file of police_operations, read directly."""
    files = sorted(warehouse.raw.glob(f"{TABLE}/*/*.parquet"))
    with duckdb.connect() as con:
        counts = {
            os.fspath(f.relative_to(warehouse.raw)): con.execute(f"select count(*) from '{f}'").fetchall()[0][0]
            for f in files
        }
    return {f: n for f, n in counts.items() if n}


@pytest.fixture
def zone(tmp_path: Path, quiet_tools: None) -> RawZone:
    return scenario_zone(tmp_path / "warehouse")


def test_a_new_file_is_added_and_earlier_rows_stay(zone: RawZone):
    wh = zone.warehouse
    load(wh)
    first = loaded(wh)
    assert first == on_disk(wh)
    zone.add(
        "police",
        scenario.MET,
        "2019-04",
        "operations",
        scenario.at("2019-05-03"),
        {TABLE: [scenario.operation("OP40", scenario.MET, "LIVE", "2019-04-02")]},
    )
    load(wh)
    second = loaded(wh)
    assert second == on_disk(wh)
    assert {f: n for f, n in second.items() if f in first} == first
    assert [f for f in second if f not in first] == [f for f in on_disk(wh) if "/2019-04/" in f]


def test_rows_of_a_file_no_longer_there_are_removed(zone: RawZone):
    wh = zone.warehouse
    load(wh)
    gone = sorted(wh.raw.glob(f"{TABLE}/*/*.parquet"))[0]
    gone.unlink()
    load(wh)
    assert loaded(wh) == on_disk(wh)
    assert os.fspath(gone.relative_to(wh.raw)) not in loaded(wh)


def test_a_view_of_an_older_build_database_or_another_column_layout_is_replaced(zone: RawZone):
    wh = zone.warehouse
    with duckdb.connect(os.fspath(wh.build_db)) as con:
        con.execute("create schema raw")
        con.execute(f"create view raw.{TABLE} as select 1 as operation_ref")
    load(wh)
    assert loaded(wh) == on_disk(wh)
    with duckdb.connect(os.fspath(wh.build_db)) as con:
        con.execute(f"delete from raw.{TABLE}")
        con.execute(f"comment on table raw.{TABLE} is 'an earlier layout'")
    load(wh)
    assert loaded(wh) == on_disk(wh)


def test_a_raw_table_with_no_file_yet_is_empty(tmp_path: Path, quiet_tools: None):
    wh = Warehouse.at(tmp_path / "empty").ensure()
    RawZone(wh).write_ledger()
    load(wh)
    assert loaded(wh) == {}


@pytest.mark.slow
def test_dbt_by_hand_with_an_unnormalised_raw_dir(built: Warehouse, tmp_path: Path) -> None:
    """An analytics engineer runs `dbt build` in dbt_project/ against a copy of the build database, with
    MSDW_RAW_DIR written the way a shell gives it (`$PWD/../...`). Costs about 40 s (one dbt build)."""
    import shutil
    import subprocess
    import sys

    from msdw.transform import PROJECT_DIR

    copy = tmp_path / "build.duckdb"
    shutil.copyfile(built.build_db, copy)
    with duckdb.connect(os.fspath(copy)) as con:  # as if the raw zone had never been loaded into this database
        con.execute(f"drop table raw.{TABLE}")
    unnormalised = f"{PROJECT_DIR}/../{os.path.relpath(built.raw, PROJECT_DIR.parent)}"
    assert ".." in unnormalised and Path(unnormalised).resolve() == built.raw
    env = {
        **os.environ,
        "MSDW_RAW_DIR": unnormalised,
        "MSDW_BUILD_DB": os.fspath(copy),
        "DBT_TARGET_PATH": os.fspath(tmp_path / "target"),
        "DBT_LOG_PATH": os.fspath(tmp_path / "logs"),
    }
    dbt = Path(sys.executable).with_name("dbt")
    done = subprocess.run([dbt, "build"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:]
    assert " ERROR=0 " in done.stdout and " PASS=" in done.stdout
    with duckdb.connect(os.fspath(copy), read_only=True) as con:
        files = dict(con.execute(f"select _file, count(*) from raw.{TABLE} group by _file").fetchall())
    assert files == on_disk(built)
