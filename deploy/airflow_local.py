"""Run ``airflow standalone`` on this machine with msdw's DAGs, in its own process group, and stop it cleanly.

    python deploy/airflow_local.py start [--home data/airflow] [--port 8080] [--inbox DIR] [--warehouse DIR]
    python deploy/airflow_local.py stop  [--home data/airflow]
    python deploy/airflow_local.py status [--home data/airflow]

``start`` makes sure the dbt manifest the DAG files read is current, starts ``airflow standalone`` (which migrates
Airflow's metadata database, SQLite in ``--home``) in a new session (its own process group), waits until the API
server reports every component healthy, creates the ``msdw_warehouse`` pool (one slot: one task writes the warehouse
at a time) and prints the URL, the admin user and its password. The DAGs are the ones ``msdw run`` uses (``dags/``),
unpaused as they are created; every one of them, Asset-triggered ``build_warehouse`` included, uses ``--inbox`` and
``--warehouse`` (``MSDW_INBOX``, ``MSDW_WAREHOUSE`` in the components' environment: ``msdw.config``). ``stop`` sends
SIGTERM to the whole process group, then SIGKILL after ``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WAREHOUSE_POOL = "msdw_warehouse"
POOL_DESCRIPTION = "msdw: one task at a time writes the warehouse (DuckDB allows one writer)"
PID_FILE = "standalone.pid"
LOG_FILE = "standalone.log"
PASSWORDS_FILE = "simple_auth_manager_passwords.json.generated"


class LocalAirflowError(Exception):
    """Local Airflow could not be started or stopped; the message says what to do."""


@dataclass(frozen=True)
class LocalAirflow:
    home: Path
    host: str = "127.0.0.1"
    port: int = 8080

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.home / PID_FILE

    @property
    def log_file(self) -> Path:
        return self.home / LOG_FILE

    def environment(self, inbox: str, warehouse: str, parallelism: int = 4) -> dict[str, str]:
        """The environment of ``msdw run`` (``msdw.orchestrate.airflow_environment``), with this home and port."""
        from msdw.orchestrate import airflow_environment
        from msdw.warehouse import Warehouse

        env = dict(os.environ)
        env.update(airflow_environment(Warehouse.at(warehouse), inbox))
        bin_dir = os.fspath(Path(sys.executable).parent)
        env.update(
            {
                "PATH": bin_dir + os.pathsep + env.get("PATH", ""),
                "AIRFLOW_HOME": os.fspath(self.home),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}",
                "AIRFLOW__LOGGING__BASE_LOG_FOLDER": os.fspath(self.home / "logs"),
                "AIRFLOW__LOGGING__LOGGING_LEVEL": os.environ.get("MSDW_AIRFLOW_LOG_LEVEL", "INFO"),
                "AIRFLOW__COSMOS__CACHE_DIR": os.fspath(self.home / "cosmos"),
                "AIRFLOW__API__HOST": self.host,
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__BASE_URL": self.url,
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
                "AIRFLOW__CORE__PARALLELISM": str(parallelism),
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",  # msdw's DAGs start unpaused all the same
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
                "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            }
        )
        return env

    def running_pid(self) -> int | None:
        """The process group id of a running standalone started here, or None."""
        if not self.pid_file.exists():
            return None
        pid = int(self.pid_file.read_text().split()[0])
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError as exc:
            raise LocalAirflowError(f"process group {pid} in {self.pid_file} belongs to another user") from exc
        return pid

    def admin_password(self) -> str | None:
        path = self.home / PASSWORDS_FILE
        if not path.exists():
            return None
        return json.loads(path.read_text()).get("admin")

    def api(self) -> AirflowApi:
        password = self.admin_password()
        if password is None:
            raise LocalAirflowError(f"no admin password in {self.home / PASSWORDS_FILE}: start Airflow first")
        return AirflowApi(self.url, "admin", password)

    def health(self) -> dict | None:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=5) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def healthy(self) -> bool:
        report = self.health()
        if not report:
            return False
        parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
        return all((report.get(part) or {}).get("status") == "healthy" for part in parts)

    def start(self, inbox: str, warehouse: str, timeout: float = 300.0, parallelism: int = 4) -> int:
        """Start standalone unless it already runs; wait until healthy; return the process group id."""
        running = self.running_pid()
        if running is not None:
            return running
        from msdw.transform import ensure_manifest

        ensure_manifest()  # the DAG processor reads it and never runs dbt
        self.home.mkdir(parents=True, exist_ok=True)
        env = self.environment(inbox, warehouse, parallelism)
        airflow = os.fspath(Path(sys.executable).parent / "airflow")
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                [airflow, "standalone"],
                env=env,
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid_file.write_text(f"{process.pid}\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise LocalAirflowError(
                    f"airflow standalone exited with code {process.returncode}; see {self.log_file}:\n{self._tail()}"
                )
            if self.healthy():
                self.api().set_pool(WAREHOUSE_POOL, 1, POOL_DESCRIPTION)
                return process.pid
            time.sleep(2)
        self.stop()
        raise LocalAirflowError(
            f"airflow standalone was not healthy at {self.url} within {timeout:.0f} s; see {self.log_file}:\n"
            f"{self._tail()}\nIs port {self.port} free? Choose another with --port."
        )

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the process group: SIGTERM, then SIGKILL after ``timeout`` seconds. False when nothing ran."""
        pid = self.running_pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _group_alive(pid):
            time.sleep(0.5)
        if _group_alive(pid):
            os.killpg(pid, signal.SIGKILL)
            while _group_alive(pid):
                time.sleep(0.2)
        self.pid_file.unlink(missing_ok=True)
        return True

    def _tail(self, lines: int = 30) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


class _Busy(Exception):
    pass


@dataclass
class AirflowApi:
    """A small client of Airflow 3's REST API (``/api/v2``) with a JWT from ``/auth/token``."""

    url: str
    username: str
    password: str
    timeout: float = 30.0
    token: str | None = None

    retries: int = 5

    def request(self, method: str, path: str, body: dict | None = None) -> dict:
        """Send one request; retries when the server is busy (HTTP 500/503 on a locked SQLite, timeouts)."""
        for attempt in range(self.retries + 1):
            try:
                return self._request_once(method, path, body)
            except _Busy as exc:
                if attempt == self.retries:
                    raise LocalAirflowError(f"{method} {path} kept failing: {exc}; see the Airflow log") from exc
                time.sleep(min(2**attempt, 10))
        raise AssertionError("unreachable")

    def _request_once(self, method: str, path: str, body: dict | None) -> dict:
        if self.token is None and path != "/auth/token":
            credentials = {"username": self.username, "password": self.password}
            self.token = self.request("POST", "/auth/token", credentials)["access_token"]
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace")[:500]
            if exc.code in (500, 502, 503, 504):
                raise _Busy(f"HTTP {exc.code}: {detail}") from exc
            raise LocalAirflowError(f"{method} {path} answered HTTP {exc.code}: {detail}") from exc
        except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
            raise _Busy(str(exc)) from exc
        return json.loads(text) if text else {}

    def set_pool(self, name: str, slots: int, description: str) -> dict:
        """Create the pool, or set its slots and description when it exists."""
        body = {"name": name, "slots": slots, "description": description, "include_deferred": False}
        try:
            return self.request("POST", "/api/v2/pools", body)
        except LocalAirflowError as exc:
            if "HTTP 409" not in str(exc):
                raise
            return self.request("PATCH", f"/api/v2/pools/{name}", body)

    def unpause(self, dag_id: str) -> dict:
        return self.request("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})

    def trigger(self, dag_id: str, conf: dict, run_id: str | None = None) -> str:
        """Start a run with ``conf``; the run id is chosen here, so a retried request cannot start two runs."""
        run_id = run_id or f"msdw__{time.strftime('%Y%m%dT%H%M%S')}__{os.urandom(3).hex()}"
        body = {"dag_run_id": run_id, "logical_date": None, "conf": conf}
        try:
            self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", body)
        except LocalAirflowError as exc:
            if "HTTP 409" not in str(exc):
                raise
        return run_id

    def run_state(self, dag_id: str, run_id: str) -> str:
        quoted = urllib.parse.quote(run_id, safe="")
        return self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{quoted}")["state"]

    def wait_for(self, dag_id: str, run_id: str, timeout: float = 300.0) -> str:
        """Poll until the run ends; returns its final state (``success`` or ``failed``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.run_state(dag_id, run_id)
            if state in ("success", "failed"):
                return state
            time.sleep(2)
        raise LocalAirflowError(f"{dag_id} run {run_id} did not finish within {timeout:.0f} s")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    # a zombie leader of our own keeps the group "alive": reap it when it is our child
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pgid, os.WNOHANG)
    return True


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="airflow_local", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("start", "stop", "status"):
        sub = commands.add_parser(name)
        sub.add_argument("--home", default="data/airflow", help="AIRFLOW_HOME (default: data/airflow)")
        sub.add_argument("--host", default="127.0.0.1")
        sub.add_argument("--port", type=int, default=8080)
        sub.add_argument("--timeout", type=float, default=300.0 if name == "start" else 60.0)
        if name == "start":
            sub.add_argument("--inbox", default=os.environ.get("MSDW_INBOX", "data/inbox"))
            sub.add_argument("--warehouse", default=os.environ.get("MSDW_WAREHOUSE", "data/warehouse"))
            sub.add_argument("--parallelism", type=int, default=4, help="task slots of the local executor")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    local = LocalAirflow(Path(args.home).resolve(), args.host, args.port)
    try:
        if args.command == "start":
            pid = local.start(
                os.fspath(Path(args.inbox).resolve()),
                os.fspath(Path(args.warehouse).resolve()),
                args.timeout,
                args.parallelism,
            )
            print(f"Airflow is running at {local.url} (process group {pid}, log {local.log_file})")
            print(f"Log in as admin, password: {local.admin_password()}")
            print("Stop it with `make airflow-stop`.")
        elif args.command == "stop":
            print("Airflow stopped." if local.stop(args.timeout) else f"No Airflow was running from {local.home}.")
        else:
            pid = local.running_pid()
            state = "healthy" if local.healthy() else "not healthy"
            print(f"Airflow runs as process group {pid} at {local.url}, {state}." if pid else "Airflow is not running.")
            return 0 if pid else 3
    except LocalAirflowError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
