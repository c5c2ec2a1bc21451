from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import scenario
from rawzone_builder import RawZone

from msdw.transform import build_warehouse
from msdw.warehouse import Warehouse

QUIET_TOOLS = {
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "GX_ANALYTICS_ENABLED": "False",
}


@pytest.fixture(scope="session", autouse=True)
def quiet_tools() -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in QUIET_TOOLS}
    os.environ.update(QUIET_TOOLS)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def scenario_zone(root: Path) -> RawZone:
    zone = RawZone(Warehouse.at(root).ensure())
    scenario.build(zone)
    return zone


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, quiet_tools: None) -> Warehouse:
    """The scenario's raw zone, built once with `dbt build` (seeds, models, data tests, unit tests)."""
    zone = scenario_zone(tmp_path_factory.mktemp("warehouse"))
    build_warehouse(zone.warehouse)
    return zone.warehouse


@pytest.fixture
def marts(built: Warehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(os.fspath(built.build_db), read_only=True) as con:
        yield con
