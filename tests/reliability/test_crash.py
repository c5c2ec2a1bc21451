"""Crash safety: the process killed (SIGKILL) in each stage, then run again, gives the result of an uninterrupted
run; nothing accepted is lost or counted twice; marts.duckdb is always a whole old or a whole new version."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from msdw.ledger import Ledger
from msdw.warehouse import Warehouse
from tests.fixtures import inbox as fx

REPO = Path(__file__).resolve().parents[2]
KEY = "crash-test-key-0123456789abcdef0123"

INGEST = """
import sys
from msdw.ingest import ingest_source
from msdw.landing import Inbox, land
from msdw.sources import SOURCES
from msdw.warehouse import Warehouse
inbox, root = sys.argv[1], sys.argv[2]
warehouse = Warehouse.at(root).ensure()
for source in SOURCES:
    land(Inbox(inbox), warehouse, source.name, "run", reject_strays=True)
    ingest_source(source, warehouse)
"""

PUBLISH = """
import sys, types
from msdw.publish import publish
from msdw.warehouse import Warehouse
result = publish(Warehouse.at(sys.argv[1]), gate=lambda db, wh: types.SimpleNamespace(passed=True, failures=[]))
assert result.published
"""


def run(script: str, *args: str, failpoint: str | None = None) -> int:
    env = {**os.environ, "MSDW_PSEUDONYM_KEY": KEY, "PYTHONPATH": str(REPO)}
    env.pop("MSDW_FAILPOINT", None)
    if failpoint:
        env["MSDW_FAILPOINT"] = failpoint
    return subprocess.run([sys.executable, "-c", script, *args], env=env, cwd=REPO, timeout=600).returncode


def ingest_state(warehouse: Warehouse) -> tuple[list, dict]:
    with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
        versions = con.execute(
            "select return_key, version, sha256, original_path, received_at, status, rows, warnings, errors"
            " from versions order by return_key, version"
        ).fetchall()
        sightings = con.execute("select path, size, mtime, sha256, outcome from sightings order by all").fetchall()
    con = duckdb.connect()
    raw = {}
    for folder in sorted(p for p in warehouse.raw.iterdir() if p.is_dir() and p.name != "_ledger"):
        raw[folder.name] = con.execute(f"select * from read_parquet('{folder}/*/*.parquet') order by all").fetchall()
    return {"versions": versions, "sightings": sightings}, raw


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "inbox"
    fx.write_inbox(path)
    return path


@pytest.fixture(scope="module")
def uninterrupted(inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    warehouse = Warehouse.at(tmp_path_factory.mktemp("whole") / "wh")
    assert run(INGEST, str(inbox), str(warehouse.root)) == 0
    return ingest_state(warehouse)


@pytest.mark.parametrize("stage", ["discovery", "archive", "parse", "raw_write"])
def test_ingestion_killed_then_rerun_equals_uninterrupted(
    stage: str, inbox: Path, uninterrupted: tuple, tmp_path: Path
) -> None:
    warehouse = Warehouse.at(tmp_path / "wh")
    assert run(INGEST, str(inbox), str(warehouse.root), failpoint=stage) == -signal.SIGKILL
    assert run(INGEST, str(inbox), str(warehouse.root)) == 0
    assert ingest_state(warehouse) == uninterrupted


def _tables(path: Path) -> dict[str, list]:
    con = duckdb.connect()
    con.execute(f"attach '{path}' as m (read_only)")
    names = [n for (n,) in con.execute("select table_name from duckdb_tables() where database_name = 'm'").fetchall()]
    return {n: con.execute(f"select * from m.{n} order by all").fetchall() for n in sorted(names)}


@pytest.fixture
def published(tmp_path: Path) -> tuple[Warehouse, dict, dict]:
    from tests.unit.test_publish import make_build_db

    warehouse = Warehouse.at(tmp_path / "wh").ensure()
    make_build_db(warehouse.build_db)
    assert run(PUBLISH, str(warehouse.root)) == 0
    old = _tables(warehouse.marts)
    make_build_db(warehouse.build_db, extra_victims=3)
    return warehouse, old, _tables(warehouse.build_db)


@pytest.mark.parametrize("stage", ["gate", "publish"])
def test_publish_killed_leaves_a_whole_version(stage: str, published: tuple) -> None:
    warehouse, old, new = published
    old_bytes = warehouse.marts.read_bytes()
    assert run(PUBLISH, str(warehouse.root), failpoint=stage) == -signal.SIGKILL
    after_crash = _tables(warehouse.marts)
    if stage == "gate":
        assert warehouse.marts.read_bytes() == old_bytes
    assert after_crash in (old, {k: v for k, v in new.items() if k in after_crash})
    assert run(PUBLISH, str(warehouse.root)) == 0
    final = _tables(warehouse.marts)
    assert final == {k: v for k, v in new.items() if k in final}
    assert json.loads((warehouse.root / "publish.json").read_text())["tables"]["fct_victims"]["rows"] == len(
        new["fct_victims"]
    )
    assert not list(warehouse.root.glob(".marts.*"))  # no aside file left behind


def test_readers_keep_consistent_answers_through_publishes(published: tuple) -> None:
    """Readers hold marts.duckdb open read-only through several publishes: each keeps answering from the version it
    opened, a new reader sees a whole version, and no reader blocks a publish."""
    warehouse, old, new = published
    counts = {len(old["fct_victims"]), len(new["fct_victims"])}
    held = [duckdb.connect(":memory:") for _ in range(3)]
    for i, con in enumerate(held):
        con.execute(f"attach '{warehouse.marts}' as m{i} (read_only)")
    first = [con.execute(f"select count(*) from m{i}.fct_victims").fetchall()[0][0] for i, con in enumerate(held)]
    answers: list[int] = []
    stop = threading.Event()

    def read_new_connections() -> None:
        while not stop.is_set():
            con = duckdb.connect(":memory:")
            try:
                con.execute(f"attach '{warehouse.marts}' as m (read_only)")
                answers.append(con.execute("select count(*) from m.fct_victims").fetchall()[0][0])
            except duckdb.Error:
                pass  # the file is being replaced this very instant: a reader retries
            finally:
                con.close()
            time.sleep(0.01)

    reader = threading.Thread(target=read_new_connections)
    reader.start()
    from tests.unit.test_publish import make_build_db

    publishes = 0
    for extra in (3, 0, 5):
        make_build_db(warehouse.build_db, extra_victims=extra)
        started = time.monotonic()
        assert run(PUBLISH, str(warehouse.root)) == 0
        assert time.monotonic() - started < 120  # never blocked by the readers
        publishes += 1
        counts.add(len(old["fct_victims"]) + extra)
    stop.set()
    reader.join()
    again = [con.execute(f"select count(*) from m{i}.fct_victims").fetchall()[0][0] for i, con in enumerate(held)]
    assert again == first  # the held readers still answer, from the version they opened
    assert publishes == 3 and answers and set(answers) <= counts


LINK = """
import sys
from msdw.linkage import link_persons
from msdw.warehouse import Warehouse
from tests.unit.linkage.cases import all_records
from tests.unit.linkage.rawzone import write_raw
warehouse = Warehouse.at(sys.argv[1])
if sys.argv[2] == "write":
    write_raw(warehouse, all_records())
link_persons(warehouse)
"""


def test_linkage_killed_then_rerun_gives_the_same_persons(tmp_path: Path) -> None:
    whole, crashed = tmp_path / "whole", tmp_path / "crashed"
    assert run(LINK, str(whole), "write") == 0
    assert run(LINK, str(crashed), "write", failpoint="linkage") == -signal.SIGKILL
    assert run(LINK, str(crashed), "again") == 0
    con = duckdb.connect()
    query = "select identification_id, person_id from read_parquet('{}') order by all"
    links = [
        con.execute(query.format(root / "linkage" / "person_links.parquet")).fetchall() for root in (whole, crashed)
    ]
    assert links[0] and links[0] == links[1]
