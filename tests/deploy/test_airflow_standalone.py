"""The deployed path end to end, under a real scheduler: `airflow standalone` (scheduler, dag-processor, api-server,
triggerer, LocalExecutor, SQLite metadata database in a temporary folder) started as `make airflow` starts it, with an
inbox and a warehouse in folders of their own.

The four ingest DAGs are triggered through the REST API v2 as an operator would, from DAGs as they are created
(nothing unpaused by hand, no conf: the locations come from the environment); the Asset-triggered `build_warehouse`
publishes the configured warehouse, whose table digests equal those of `msdw run` on a copy of the same inbox. Then a
month is dropped into the inbox and the ingest schedule picks it up: a second publish. Everything started is stopped.

Costs about 8 minutes on 2 cores: 1.5 to start Airflow, 1 for `msdw run` of the copy, 3 for the first
cycle (ingest, then a build of about 20 tasks), 3 for the second.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from msdw.ledger import Ledger
from msdw.publish import read_publish_record
from msdw.warehouse import Warehouse
from tests.deploy.conftest import REPO, load_script
from tests.fixtures import inbox as fx

airflow_local = load_script("deploy/airflow_local.py")

INGEST_DAGS = ("ingest_police", "ingest_glaa", "ingest_border_force", "ingest_cps")
MSDW_DAGS = (*INGEST_DAGS, "build_warehouse", "monitor_returns")
KEY = "0123456789abcdef" * 4  # one pseudonym key for both pipelines, so their digests can be compared
SCHEDULE = "*/2 * * * *"  # the ingest DAGs look for new files every two minutes in this test


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(retention: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "MSDW_"))}
    env = {**env, "MSDW_PSEUDONYM_KEY": KEY, "MSDW_INGEST_SCHEDULE": SCHEDULE}
    return {**env, "MSDW_RETENTION_POLICY": str(retention)} if retention else env


def keep_everything(folder: Path) -> Path:
    """A retention policy under which nothing expires: the fixture's returns were received in 2018, and the daily
    retention DAG, which runs as soon as it is created, would otherwise destroy its quarantined versions."""
    path = folder / "retention.yml"
    path.write_text("superseded_months: 1200\nquarantined_months: 1200\nrejected_months: 1200\nall_years: 100\n")
    return path


def helper(*args: str, timeout: float, retention: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "deploy" / "airflow_local.py"), *args],
        capture_output=True,
        text=True,
        env=clean_env(retention),
        cwd=REPO,
        timeout=timeout,
    )


def wait_until(what: str, check, timeout: float, local) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(3)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s; Airflow's log:\n{local._tail(80)}")


def runs(api, dag_id: str) -> list[dict]:
    return api.request("GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=100&order_by=-start_date")["dag_runs"]


def idle(api) -> bool:
    """No msdw DAG run is queued or running."""
    return all(run["state"] in ("success", "failed") for dag_id in MSDW_DAGS for run in runs(api, dag_id))


def publishes(warehouse: Warehouse) -> str | None:
    record = read_publish_record(warehouse) or {}
    return record.get("published_at")


def digests(warehouse: Warehouse) -> dict[str, str]:
    return {table: info["sha256"] for table, info in read_publish_record(warehouse)["tables"].items()}


def add_month(inbox: Path, month: str) -> None:
    """Border Force referrals and a CPS return for ``month``, with refs of their own (refs are unique per submitter)."""
    referrals = fx.bf_lines(month).replace(f"BF-{month[:4]}-00000".encode(), f"BF-{month[:4]}-00040".encode())
    cps = (
        fx.CPS_HEADER
        + f"\n01MP0040,D1,4,E23000001,MET-OP-3,MSA_S2,2017-01-10,{month}-14,CONVICTED_GUILTY_PLEA,48,5,Y,0\n"
    )
    for rel, content in {
        f"border_force/bf_referrals_{month}.jsonl": referrals,
        f"cps/cps_msht_{month}.csv": cps.encode(),
    }.items():
        (inbox / rel).parent.mkdir(parents=True, exist_ok=True)
        (inbox / rel).write_bytes(content)


def task_log_errors(home: Path) -> list[str]:
    """Lines logged at error level by msdw's tasks (Airflow's task logs are JSON lines)."""
    found = []
    for path in (home / "logs").rglob("*.log"):
        for line in path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("level") in ("error", "critical"):
                found.append(f"{path.relative_to(home)}: {entry.get('event')}")
    return found


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_a_scheduler_ingests_builds_and_publishes_the_configured_warehouse(tmp_path: Path) -> None:
    inbox, home = tmp_path / "returns" / "inbox", tmp_path / "af"
    warehouse = Warehouse.at(tmp_path / "elsewhere" / "wh")
    expected = fx.write_inbox(inbox)
    default_warehouse = Warehouse.at(REPO / "data" / "warehouse")
    default_before = read_publish_record(default_warehouse)

    # The reference: `msdw run` on a copy of the same inbox (mtimes kept: they are the received times).
    copy, reference = tmp_path / "copy", Warehouse.at(tmp_path / "reference")
    shutil.copytree(inbox, copy, symlinks=True)
    ran = subprocess.run(
        [sys.executable, "-m", "msdw.cli", "run", "--inbox", str(copy), "--warehouse", str(reference.root)],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=REPO,
        timeout=900,
    )
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-4000:]

    port = free_port()
    local = airflow_local.LocalAirflow(home, port=port)
    where = ["--home", str(home), "--port", str(port)]
    try:
        policy = keep_everything(tmp_path)
        started = helper(
            "start", *where, "--inbox", str(inbox), "--warehouse", str(warehouse.root), timeout=480, retention=policy
        )
        assert started.returncode == 0, started.stdout + started.stderr + local._tail(60)
        password = local.admin_password()
        assert password and f"password: {password}" in started.stdout
        assert f"http://127.0.0.1:{port}" in started.stdout
        api = local.api()
        assert api.request("GET", f"/api/v2/pools/{airflow_local.WAREHOUSE_POOL}")["slots"] == 1

        # As created by the DAG processor: every msdw DAG unpaused, nothing done by hand.
        def registered() -> dict[str, bool] | None:
            dags = {d["dag_id"]: d["is_paused"] for d in api.request("GET", "/api/v2/dags?limit=100")["dags"]}
            return dags if set(MSDW_DAGS) <= set(dags) else None

        paused = wait_until("the DAG processor registering msdw's DAGs", registered, 240, local)
        assert {dag_id: paused[dag_id] for dag_id in MSDW_DAGS} == dict.fromkeys(MSDW_DAGS, False)
        triggered = {dag_id: api.trigger(dag_id, {}) for dag_id in INGEST_DAGS}
        for dag_id, run_id in triggered.items():
            assert api.wait_for(dag_id, run_id, timeout=600) == "success", local._tail(80)

        wait_until("the Asset-triggered build publishing", lambda: publishes(warehouse), 900, local)
        wait_until("every run ending", lambda: idle(api), 600, local)
        first = publishes(warehouse)
        builds = runs(api, "build_warehouse")
        assert builds and {run["run_type"] for run in builds} == {"asset_triggered"}
        assert {run["state"] for run in builds} == {"success"}
        assert digests(warehouse) == digests(reference)
        months = read_publish_record(warehouse)["months"]

        # A month dropped into the inbox is found by the ingest schedule and published by the next build.
        add_month(inbox, "2018-04")
        second = wait_until(
            "a second publish", lambda: (publishes(warehouse) or "") > first and publishes(warehouse), 900, local
        )
        assert second > first
        wait_until("every run ending", lambda: idle(api), 600, local)
        scheduled = [run for run in runs(api, "ingest_cps") if run["run_type"] == "scheduled"]
        assert scheduled, "the new month was not picked up by the schedule"
        record = read_publish_record(warehouse)
        assert "fct_prosecutions" not in months.get("2018-04", {}).get("rows", {})
        assert record["months"]["2018-04"]["rows"]["fct_victim_identifications"] == 2
        assert record["months"]["2018-04"]["rows"]["fct_prosecutions"] == 1
        assert task_log_errors(home) == []
    finally:
        stopped = helper("stop", *where, timeout=120)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert local.running_pid() is None

    with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
        versions = dict(con.execute("select original_path, status from versions").fetchall())
    for path, outcome in expected.items():
        if outcome != "REJECTED":
            assert versions.get(path) == outcome, (path, versions.get(path))
    assert versions["cps/cps_msht_2018-04.csv"] == versions["border_force/bf_referrals_2018-04.jsonl"] == "ACCEPTED"
    # Nothing written anywhere else: not the repository's default warehouse, not a relative folder.
    assert read_publish_record(default_warehouse) == default_before
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == ["af", "copy", "elsewhere", "reference", "retention.yml", "returns"]
