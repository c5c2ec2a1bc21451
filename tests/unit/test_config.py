"""msdw.config: every DAG run finds its inbox and warehouse by one rule (environment, Airflow Variables, the Asset
events that started it, its conf, each overriding the one before)."""

from __future__ import annotations

from pathlib import Path

import pytest

from msdw.config import ConfigurationError, Locations, ingest_schedule, resolve

ENV = {"MSDW_INBOX": "/env/inbox", "MSDW_WAREHOUSE": "/env/warehouse"}
VARIABLES = {"msdw_inbox": "/var/inbox", "msdw_warehouse": "/var/warehouse"}


def test_the_environment_alone() -> None:
    where = resolve(environ=ENV)
    assert where == Locations("/env/warehouse", "/env/inbox", where.origin)
    assert where.origin == {"inbox": "environment MSDW_INBOX", "warehouse": "environment MSDW_WAREHOUSE"}


def test_variables_override_the_environment() -> None:
    where = resolve(variable=VARIABLES.get, environ=ENV)
    assert (where.inbox, where.warehouse) == ("/var/inbox", "/var/warehouse")


def test_asset_events_override_variables_and_conf_overrides_all() -> None:
    events = [{"warehouse": "/fired/warehouse", "inbox": "/fired/inbox", "changed": True}, {"changed": False}]
    fired = resolve({}, events, VARIABLES.get, ENV)
    assert (fired.inbox, fired.warehouse) == ("/fired/inbox", "/fired/warehouse")
    assert fired.origin["warehouse"] == "the triggering Asset events"
    manual = resolve({"warehouse": "/conf/warehouse", "inbox": None}, events, VARIABLES.get, ENV)
    assert (manual.inbox, manual.warehouse) == ("/fired/inbox", "/conf/warehouse")


def test_events_from_two_warehouses_never_cross() -> None:
    events = [{"warehouse": "/a"}, {"warehouse": "/b/../a"}, {"warehouse": "/b"}]
    with pytest.raises(ConfigurationError, match=r"name 2 warehouses \(/a, /b\)"):
        resolve({}, events, environ={})


def test_paths_are_absolute_and_normalised_urls_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    where = resolve({"warehouse": "link/../real/wh", "inbox": "s3://bucket/inbox"}, environ={})
    assert where.warehouse == str(tmp_path / "real" / "wh")
    assert where.inbox == "s3://bucket/inbox"
    assert resolve({"warehouse": "link/wh"}, environ={}).warehouse == str(tmp_path / "real" / "wh")


def test_nothing_configured_is_an_error_saying_what_to_set() -> None:
    with pytest.raises(ConfigurationError, match=r"no warehouse is configured.*MSDW_WAREHOUSE.*msdw_warehouse"):
        resolve({}, [], environ={})
    with pytest.raises(ConfigurationError, match=r"no inbox is configured.*MSDW_INBOX"):
        resolve({"warehouse": "/w"}, [], environ={}, need_inbox=True)
    assert resolve({"warehouse": "/w"}, [], environ={}).inbox is None


def test_the_ingest_schedule_is_configurable() -> None:
    assert ingest_schedule({}) == "*/10 * * * *"
    assert ingest_schedule({"MSDW_INGEST_SCHEDULE": "@hourly"}) == "@hourly"
    assert ingest_schedule({"MSDW_INGEST_SCHEDULE": "  "}) == "*/10 * * * *"


def test_every_msdw_dag_is_unpaused_at_creation_and_reads_msdw_config() -> None:
    from airflow.dag_processing.dagbag import DagBag

    from msdw.orchestrate import DAGS_FOLDER, INGEST_DAGS, raw_assets

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    assert bag.import_errors == {}
    for dag_id, dag in bag.dags.items():
        assert dag.is_paused_upon_creation is False, dag_id
        assert all(dag.params[key] is None for key in ("warehouse", "inbox") if key in dag.params), dag_id
    for dag_id in INGEST_DAGS:
        assert bag.dags[dag_id].timetable.expression == "*/10 * * * *"
    # build_warehouse waits for every source's Asset, not any one of them
    condition = bag.dags["build_warehouse"].timetable.asset_condition
    assert type(condition).__name__ == "AssetAll"
    assert {asset.uri for asset in condition.objects} == {asset.uri for asset in raw_assets()}
