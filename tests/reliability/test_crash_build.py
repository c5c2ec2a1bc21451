"""Crash safety of the build: dbt killed part-way (its whole process group, as a machine failure would), then built
again, gives the marts of an uninterrupted build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from msdw.publish import PUBLISHED_TABLES
from msdw.warehouse import Warehouse
from tests.reliability.test_crash import INGEST, KEY, REPO, run

BUILD = "import sys; from msdw.transform import build_warehouse; build_warehouse(sys.argv[1])"


def marts(warehouse: Warehouse) -> dict[str, list]:
    with duckdb.connect(str(warehouse.build_db), read_only=True) as con:
        return {t: con.execute(f"select * from main.{t} order by all").fetchall() for t in PUBLISHED_TABLES}


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Warehouse]:
    from tests.fixtures import inbox as fx

    root = tmp_path_factory.mktemp("build-crash")
    inbox = root / "inbox"
    fx.write_inbox(inbox)
    warehouse = Warehouse.at(root / "whole")
    assert run(INGEST, str(inbox), str(warehouse.root)) == 0
    assert run(BUILD, str(warehouse.root)) == 0
    return inbox, warehouse


def test_dbt_killed_mid_build_then_rebuilt_equals_uninterrupted(ingested, tmp_path: Path) -> None:
    inbox, whole = ingested
    warehouse = Warehouse.at(tmp_path / "wh")
    assert run(INGEST, str(inbox), str(warehouse.root)) == 0
    env = {**os.environ, "MSDW_PSEUDONYM_KEY": KEY, "PYTHONPATH": str(REPO)}
    build = subprocess.Popen([sys.executable, "-c", BUILD, str(warehouse.root)], env=env, start_new_session=True)
    deadline = time.monotonic() + 300
    while not warehouse.build_db.exists() and time.monotonic() < deadline and build.poll() is None:
        time.sleep(0.2)
    time.sleep(3)  # part-way through the models
    assert build.poll() is None, "the build finished before it could be interrupted"
    os.killpg(build.pid, signal.SIGKILL)
    build.wait()
    assert run(BUILD, str(warehouse.root)) == 0
    assert marts(warehouse) == marts(whole)
