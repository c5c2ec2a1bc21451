"""The monitor_returns DAG, run as `msdw run` runs DAGs (in-process, dag.test), alerts a local webhook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.conftest import REPO, Receiver

RUN_MONITOR = """
import json, sys
from msdw.orchestrate import load_dags, prepare, run_dag
from msdw.warehouse import Warehouse

warehouse = Warehouse.at(sys.argv[1])
prepare(warehouse, sys.argv[2])
dag = load_dags(("monitor_returns",))["monitor_returns"]
outcome = run_dag(dag, {"warehouse": str(warehouse.root)})
print(json.dumps({"state": outcome.state, "failed": outcome.failed_tasks, "returns": outcome.returns}, default=str))
"""


def test_dag_file_is_thin_and_scheduled_daily() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags" / "monitor_returns.py"))
    assert bag.import_errors == {}
    dag = bag.dags["monitor_returns"]
    assert [t.task_id for t in dag.topological_sort()] == ["check", "notify"]
    assert dag.schedule == "@daily" and dag.catchup is False
    assert dag.on_failure_callback is not None


@pytest.mark.timeout(600)
def test_monitor_dag_alerts_the_webhook(tmp_path: Path, webhook: Receiver) -> None:
    warehouse = tmp_path / "warehouse"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env["MSDW_ALERT_WEBHOOK_URL"] = webhook.url
    result = subprocess.run(
        [sys.executable, "-c", RUN_MONITOR, str(warehouse), str(tmp_path / "inbox")],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=540,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["state"].endswith("success"), outcome
    assert outcome["returns"]["notify"] == {"alerted": ["webhook"], "findings": 1}
    (body,) = webhook.wait()
    assert body["source"] == "monitor_returns" and body["title"] == "monitor_returns: 1 no data"
    assert body["details"][0].startswith(f"NO_DATA {warehouse}")
