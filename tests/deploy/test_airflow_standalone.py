"""`make airflow` end to end: airflow standalone starts in its own process group on a free port, runs ingest_cps
triggered through the REST API (JWT from /auth/token) on the fixture inbox, has the warehouse pool, and stops."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from msdw.ledger import Ledger
from msdw.warehouse import Warehouse
from tests.deploy.conftest import REPO, load_script
from tests.fixtures import inbox as fx

airflow_local = load_script("deploy/airflow_local.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def helper(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    return subprocess.run(
        [sys.executable, str(REPO / "deploy" / "airflow_local.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=timeout,
    )


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_standalone_runs_ingest_through_the_rest_api(tmp_path: Path) -> None:
    inbox, warehouse, home = tmp_path / "inbox", Warehouse.at(tmp_path / "warehouse"), tmp_path / "airflow"
    expected = fx.write_inbox(inbox)
    port = free_port()
    local = airflow_local.LocalAirflow(home, port=port)
    where = ["--home", str(home), "--port", str(port)]
    try:
        started = helper("start", *where, "--inbox", str(inbox), "--warehouse", str(warehouse.root), timeout=480)
        assert started.returncode == 0, started.stdout + started.stderr + local._tail(60)
        password = local.admin_password()
        assert password and f"password: {password}" in started.stdout
        assert f"http://127.0.0.1:{port}" in started.stdout

        api = local.api()
        pool = api.request("GET", f"/api/v2/pools/{airflow_local.WAREHOUSE_POOL}")
        assert pool["slots"] == 1
        conf = {"inbox": str(inbox), "warehouse": str(warehouse.root)}
        run_id = api.trigger("ingest_cps", conf)
        api.unpause("ingest_cps")
        assert api.wait_for("ingest_cps", run_id, timeout=360) == "success", local._tail(80)
        again = helper("start", *where, timeout=60)
        assert again.returncode == 0 and "running" in again.stdout
    finally:
        stopped = helper("stop", *where, timeout=120)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert local.running_pid() is None
    assert not local.pid_file.exists()

    cps = {path: outcome for path, outcome in expected.items() if path.startswith("cps/")}
    with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
        versions = dict(con.execute("select original_path, status from versions where source = 'cps'").fetchall())
    for path, outcome in cps.items():
        if outcome != "REJECTED":
            assert versions.get(path) == outcome, (path, versions.get(path))
    assert "ACCEPTED" in versions.values()
