"""msdw.transform: dbt run in this process leaves the environment as it found it and names its failures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from msdw.transform import DbtFailed, _environment, invoke_dbt
from msdw.warehouse import Warehouse


def test_environment_is_restored_after_the_block(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSDW_TEST_KEPT", "before")
    monkeypatch.delenv("MSDW_TEST_ADDED", raising=False)
    with _environment({"MSDW_TEST_KEPT": "inside", "MSDW_TEST_ADDED": "inside"}):
        assert os.environ["MSDW_TEST_KEPT"] == "inside"
        assert os.environ["MSDW_TEST_ADDED"] == "inside"
    assert os.environ["MSDW_TEST_KEPT"] == "before"
    assert "MSDW_TEST_ADDED" not in os.environ


def test_environment_is_restored_when_the_block_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MSDW_TEST_ADDED", raising=False)
    with pytest.raises(ValueError), _environment({"MSDW_TEST_ADDED": "inside"}):
        raise ValueError("dbt failed")
    assert "MSDW_TEST_ADDED" not in os.environ


def test_failing_in_process_dbt_raises_dbt_failed(tmp_path: Path) -> None:
    warehouse = Warehouse.at(tmp_path / "wh").ensure()
    before = dict(os.environ)
    with pytest.raises(DbtFailed) as failed:
        invoke_dbt(warehouse, ["run", "--threads", "not-a-number"])
    assert failed.value.command == ["run", "--threads", "not-a-number"]
    assert "run the build again" in str(failed.value)
    assert dict(os.environ) == before


def test_cosmos_tasks_get_every_setting_of_the_profile_that_the_pipeline_sets(tmp_path: Path) -> None:
    """A Cosmos task runs dbt in a copy of the project: a profile setting left to its default there (the memory limit,
    a folder relative to the copy) differs from the one `prepare` used on the same open database."""
    import re

    from msdw.transform import PROJECT_DIR, cosmos_env, dbt_env
    from msdw.warehouse import Warehouse

    warehouse = Warehouse.at(tmp_path / "wh")
    profile = (PROJECT_DIR / "profiles.yml").read_text()
    profile_vars = set(re.findall(r"env_var\('([A-Z_]+)'", profile))
    pipeline, cosmos = dbt_env(warehouse), cosmos_env(warehouse)
    set_by_pipeline = profile_vars & set(pipeline)
    assert {"MSDW_BUILD_DB", "MSDW_DUCKDB_MEMORY_LIMIT"} <= set_by_pipeline
    assert {key: cosmos.get(key) for key in set_by_pipeline} == {key: pipeline[key] for key in set_by_pipeline}


def test_the_profile_leaves_duckdbs_spill_folder_to_its_default(tmp_path: Path) -> None:
    """Each dbt invocation in a worker applies the profile's settings again to the database dbt-duckdb keeps open;
    DuckDB refuses to set its temporary directory once something has spilled there, even to the same folder."""
    import duckdb
    import yaml

    from msdw.transform import PROJECT_DIR

    settings = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())["msdw"]["outputs"]["build"]["settings"]
    assert "temp_directory" not in settings
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    con.execute("set memory_limit = '64MB'; set threads = 1")
    con.execute("create table t as select md5(range::varchar) as b from range(2000000)")
    con.execute("select b, count(*) from t group by b order by b").fetchall()  # spills to build.duckdb.tmp
    assert (tmp_path / "build.duckdb.tmp").is_dir()
    con.execute("set memory_limit = '64MB'")  # what a later invocation does: allowed
    with pytest.raises(duckdb.NotImplementedException, match="temporary directory"):
        con.execute(f"set temp_directory = '{tmp_path / 'build.duckdb.tmp'}'")
