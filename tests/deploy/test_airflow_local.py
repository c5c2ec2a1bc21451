"""deploy/airflow_local.py without starting Airflow: its environment and stopping when nothing runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.deploy.conftest import REPO, load_script

airflow_local = load_script("deploy/airflow_local.py")


def test_environment_is_msdw_runs_with_its_own_home_and_port(tmp_path: Path) -> None:
    local = airflow_local.LocalAirflow(tmp_path / "home", port=18123)
    env = local.environment(str(tmp_path / "inbox"), str(tmp_path / "warehouse"))
    assert env["AIRFLOW_HOME"] == str(tmp_path / "home")
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(REPO / "dags")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{tmp_path / 'home' / 'airflow.db'}"
    assert env["AIRFLOW__API__PORT"] == "18123" and env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:18123/execution/"
    assert env["MSDW_INBOX"] == str(tmp_path / "inbox") and env["MSDW_WAREHOUSE"] == str(tmp_path / "warehouse")
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False" and env["DO_NOT_TRACK"] == "1"


def test_stop_and_status_when_nothing_runs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / airflow_local.PID_FILE).write_text("999999999\n")  # a process group that does not exist
    local = airflow_local.LocalAirflow(home, port=18124)
    assert local.running_pid() is None
    assert local.stop() is False and not local.pid_file.exists()
    script = [sys.executable, str(REPO / "deploy" / "airflow_local.py")]
    status = subprocess.run([*script, "status", "--home", str(home)], capture_output=True, text=True, timeout=60)
    assert status.returncode == 3 and "not running" in status.stdout
    stop = subprocess.run([*script, "stop", "--home", str(home)], capture_output=True, text=True, timeout=60)
    assert stop.returncode == 0 and "No Airflow was running" in stop.stdout


def test_stop_ends_the_whole_process_group(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    leader = subprocess.Popen(
        ["bash", "-c", "sleep 300 & sleep 300 & wait"], start_new_session=True, stdout=subprocess.DEVNULL
    )
    (home / airflow_local.PID_FILE).write_text(f"{leader.pid}\n")
    local = airflow_local.LocalAirflow(home)
    assert local.running_pid() == leader.pid
    assert local.stop(timeout=10) is True
    leader.wait(timeout=10)
    assert local.running_pid() is None
    assert subprocess.run(["pgrep", "-g", str(leader.pid)], capture_output=True).returncode == 1
