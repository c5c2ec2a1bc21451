"""Superset 5.0 for real: installed from deploy/superset/requirements.lock in its own virtual environment, started by
deploy/superset/bootstrap.sh itself (SQLite metadata in a temporary folder, the bundle imported as the compose
service imports it) over a published marts.duckdb, on 127.0.0.1. Every chart of the dashboard returns rows through
the REST API, the year charts have a categorical x axis, the dashboard renders in headless Chromium (its screenshot
is kept in test-artifacts/superset/), and importing again, as a restart does, replaces a chart an older bundle made.

Cost: the first run on a machine installs Superset from PyPI into ~/.cache/msdw-superset-venv/<lock hash> (about
600 MB: 15 s from a warm uv cache, a few minutes from PyPI); later runs reuse it. Then about 205 s on the 2-core
machine under load: bootstrap.sh (migrations, admin, roles, import) and the server's start 120-140 s, every
chart's data 7 s, the dashboard in Chromium 20-25 s, importing again 20 s, stopping 5 s. Every process started
here is in one process group, stopped on leaving (TERM, then KILL after 20 s), whether the tests pass or fail.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import hashlib
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from msdw.publish import build_aside
from msdw.warehouse import Warehouse
from tests.deploy.conftest import REPO
from tests.report.browser import browser_page
from tests.report.marts_fixture import build_marts

SUPERSET_DIR = REPO / "deploy" / "superset"
LOCK = SUPERSET_DIR / "requirements.lock"
MODELS = REPO / "dbt_project" / "models" / "marts" / "_marts__models.yml"
VENV_CACHE = Path(os.environ.get("MSDW_SUPERSET_VENV_CACHE", Path.home() / ".cache" / "msdw-superset-venv"))
ARTIFACTS = REPO / "test-artifacts" / "superset"
SPEC = yaml.safe_load((SUPERSET_DIR / "dashboard.yml").read_text(encoding="utf-8"))
YEAR_CHARTS = ("Operations by year opened, prosecuted and convicted", "CPS outcomes by year")
ADMIN = "admin"
START_TIMEOUT = 420.0
STOP_TIMEOUT = 20.0


def superset_venv() -> Path:
    """Superset's own virtual environment, installed once per version of the lock (keyed by its hash)."""
    venv = VENV_CACHE / hashlib.sha256(LOCK.read_bytes()).hexdigest()[:16]
    installed = venv / ".installed"
    VENV_CACHE.mkdir(parents=True, exist_ok=True)
    with open(VENV_CACHE / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer at a time; the others wait and reuse it
        if installed.exists():
            return venv
        uv = Path(sys.executable).parent / "uv"
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, venv], check=True, timeout=120)
        subprocess.run(
            [uv, "pip", "install", "--quiet", "--python", venv / "bin" / "python", "-r", LOCK],
            check=True,
            timeout=600,
        )
        installed.touch()
    return venv


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop the process group of ``process`` (bootstrap.sh, then gunicorn and its workers): TERM, then KILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_TIMEOUT)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=STOP_TIMEOUT)


@dataclass
class Superset:
    url: str
    password: str
    log: Path
    env: dict[str, str]

    def tail(self, lines: int = 60) -> str:
        """The end of Superset's output, without SQLAlchemy's warnings."""
        text = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        kept = [line for line in text if "SAWarning" not in line]
        return "\n".join(kept[-lines:]) or "(no output)"

    def api(self) -> Api:
        api = Api(self.url)
        login = {"username": ADMIN, "password": self.password, "provider": "db"}
        token = api.call("POST", "/api/v1/security/login", login)
        api.token = token["access_token"]
        return api

    def session_cookie(self) -> str:
        """Log in through the login form, as a browser does; the session cookie."""
        jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object, **kwargs: object) -> None:
                return None

        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
        page = opener.open(f"{self.url}/login/", timeout=30).read().decode()
        csrf = re.search(r'id="csrf_token"[^>]*value="([^"]+)"', page, re.S)
        assert csrf, "no csrf_token on Superset's login page"
        form = urllib.parse.urlencode({"username": ADMIN, "password": self.password, "csrf_token": csrf.group(1)})
        with contextlib.suppress(urllib.error.HTTPError):  # the 302 to the welcome page
            opener.open(f"{self.url}/login/", data=form.encode(), timeout=30)
        cookies = {c.name: c.value for c in jar}
        assert "session" in cookies, "Superset's login form set no session cookie"
        return cookies["session"]


@dataclass
class Api:
    url: str
    token: str = ""

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        request = urllib.request.Request(f"{self.url}{path}", data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path}: HTTP {exc.code} {exc.read()[:2000]!r}") from exc


@pytest.fixture(scope="module")
def marts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A published marts.duckdb: the fixture tables copied as a publish copies them (storage v1.0.0)."""
    warehouse = Warehouse.at(tmp_path_factory.mktemp("superset") / "warehouse").ensure()
    build_marts(warehouse.build_db)
    os.replace(build_aside(warehouse), warehouse.marts)
    return warehouse.marts


@pytest.fixture(scope="module")
def superset(marts: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Superset]:
    venv = superset_venv()
    home = tmp_path_factory.mktemp("superset_home")
    port = free_port()
    password = secrets.token_urlsafe(16)
    keep = ("PATH", "LANG", "LC_ALL", "TZ")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env |= {
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "TMPDIR": str(home),
        "SUPERSET_HOME": str(home),
        "SUPERSET_CONFIG_PATH": str(SUPERSET_DIR / "superset_config.py"),
        "SUPERSET_SECRET_KEY": secrets.token_urlsafe(32),
        "SUPERSET_DATABASE_URI": f"sqlite:///{home / 'superset.db'}",
        "SUPERSET_ADMIN_USER": ADMIN,
        "SUPERSET_ADMIN_PASSWORD": password,
        "MSDW_MARTS_URI": f"duckdb:///{marts}?access_mode=READ_ONLY",
        "MSDW_SUPERSET_DIR": str(SUPERSET_DIR),
        "MSDW_MODELS": str(MODELS),
        "SUPERSET_BIND": f"127.0.0.1:{port}",
        "SUPERSET_WORKERS": "1",
    }
    server = Superset(f"http://127.0.0.1:{port}", password, home / "superset.log", env)
    with open(server.log, "wb") as log:
        process = subprocess.Popen(
            ["bash", str(SUPERSET_DIR / "bootstrap.sh")],
            cwd=home,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, f"bootstrap.sh exited with {process.returncode}:\n{server.tail()}"
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{server.url}/health", timeout=5) as health:
                if health.status == 200:
                    break
            assert time.monotonic() < deadline, f"Superset not healthy after {START_TIMEOUT} s:\n{server.tail()}"
            time.sleep(2)
        yield server
    finally:
        stop_group(process)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(server.log, ARTIFACTS / "superset.log")


@pytest.fixture(scope="module")
def charts(superset: Superset) -> dict[str, dict]:
    """The dashboard's charts by name, as the REST API lists them."""
    api = superset.api()
    listed = api.call("GET", f"/api/v1/dashboard/{SPEC['slug']}/charts")["result"]
    return {chart["slice_name"]: chart for chart in listed}


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_every_chart_of_the_dashboard_returns_rows(superset: Superset, charts: dict[str, dict]) -> None:
    assert set(charts) == {chart["name"] for chart in SPEC["charts"]}
    api = superset.api()
    failures: dict[str, str] = {}
    for name, chart in charts.items():
        # The chart's saved query context, as alerts, reports and thumbnails run it.
        result = api.call("GET", f"/api/v1/chart/{chart['id']}/data/")["result"]
        (query,) = result
        if query.get("error") or query.get("status") != "success":
            failures[name] = f"{query.get('status')}: {query.get('error')}"
        elif not query["rowcount"] or not query["data"]:
            failures[name] = "no rows"
    assert failures == {}, superset.tail()


@pytest.mark.slow
def test_year_charts_have_a_categorical_x_axis(superset: Superset, charts: dict[str, dict]) -> None:
    api = superset.api()
    for name in YEAR_CHARTS:
        saved = api.call("GET", f"/api/v1/chart/{charts[name]['id']}")["result"]
        params = json.loads(saved["params"])
        assert params["xAxisForceCategorical"] is True, name
        assert "time_grain_sqla" not in params, name
        (query,) = api.call("GET", f"/api/v1/chart/{charts[name]['id']}/data/")["result"]
        years = {row[params["x_axis"]] for row in query["data"]}
        assert years and all(isinstance(year, int) and 2000 < year < 2100 for year in years), (name, years)


DRAWN = (
    "[...document.querySelectorAll('.dashboard-chart')]"
    ".filter(chart => chart.querySelector('canvas, table') && !chart.querySelector('.ant-alert')).length"
)
"""The charts on the page that are drawn (an ECharts canvas or a table) and show no error."""


async def render_dashboard(superset: Superset, cookie: str, shot: Path) -> tuple[list[int], int]:
    """Open the dashboard logged in, wait until every chart's data has come back and every chart is drawn, and take
    a screenshot. The HTTP status of each chart data request and the number of charts drawn."""
    expected = len(SPEC["charts"])
    async with browser_page() as page:
        statuses: dict[str, int] = {}
        requests: set[str] = set()
        dispatch = page.dispatch

        def watch(message: dict) -> None:
            dispatch(message)
            method, params = message.get("method"), message.get("params", {})
            if method == "Network.requestWillBeSent" and "/api/v1/chart/data" in params["request"]["url"]:
                requests.add(params["requestId"])
            elif method == "Network.responseReceived" and params.get("requestId") in requests:
                statuses[params["requestId"]] = params["response"]["status"]

        page.dispatch = watch  # type: ignore[method-assign]
        await page.send("Network.enable")
        await page.send("Network.setCookie", {"name": "session", "value": cookie, "url": superset.url})
        # The window is sized once, before loading: resizing it later makes the dashboard lay its grid out again.
        size = {"width": 1400, "height": 2600, "deviceScaleFactor": 1, "mobile": False}
        await page.send("Emulation.setDeviceMetricsOverride", size)
        await page.open(f"{superset.url}/superset/dashboard/{SPEC['slug']}/", timeout=90)
        deadline = asyncio.get_running_loop().time() + 90
        while len(statuses) < expected or await page.evaluate(DRAWN) < expected:
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)  # let ECharts finish its animation before the picture
        picture = await page.send("Page.captureScreenshot", {"format": "png"})
        shot.parent.mkdir(parents=True, exist_ok=True)
        shot.write_bytes(base64.b64decode(picture["data"]))
        return sorted(statuses.values()), int(await page.evaluate(DRAWN) or 0)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_dashboard_renders_every_chart_in_chromium(superset: Superset) -> None:
    shot = ARTIFACTS / "dashboard.png"
    shot.unlink(missing_ok=True)
    statuses, drawn = asyncio.run(render_dashboard(superset, superset.session_cookie(), shot))
    assert statuses == [200] * len(SPEC["charts"])
    assert drawn == len(SPEC["charts"])
    assert shot.stat().st_size > 50_000


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_importing_again_replaces_a_chart_an_older_bundle_made(superset: Superset, charts: dict[str, dict]) -> None:
    """What a restart after an upgrade does: the chart as an older bundle made it (a continuous year axis) is
    replaced by the current one, in place."""
    chart = charts[YEAR_CHARTS[1]]
    metadata = Path(superset.env["SUPERSET_DATABASE_URI"].removeprefix("sqlite:///"))
    api = superset.api()
    params = json.loads(api.call("GET", f"/api/v1/chart/{chart['id']}")["result"]["params"])
    older = {k: v for k, v in params.items() if k != "xAxisForceCategorical"} | {"time_grain_sqla": "P1M"}
    with contextlib.closing(sqlite3.connect(metadata)) as con, con:
        con.execute("update slices set params = ? where id = ?", [json.dumps(older), chart["id"]])
    bundle = Path(superset.env["TMPDIR"]) / "again.zip"
    python = shutil.which("python", path=superset.env["PATH"])
    steps = [
        [
            python,
            SUPERSET_DIR / "bundle.py",
            "--source",
            SUPERSET_DIR,
            "--models",
            MODELS,
            "--output",
            bundle,
            "--uri",
            superset.env["MSDW_MARTS_URI"],
        ],
        [python, SUPERSET_DIR / "import_bundle.py", "--path", bundle, "--username", ADMIN],
    ]
    for step in steps:  # as bootstrap.sh runs them
        done = subprocess.run(step, env=superset.env, capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    again = superset.api().call("GET", f"/api/v1/dashboard/{SPEC['slug']}/charts")["result"]
    assert {c["slice_name"]: c["id"] for c in again} == {name: c["id"] for name, c in charts.items()}
    params = json.loads(api.call("GET", f"/api/v1/chart/{chart['id']}")["result"]["params"])
    assert params["xAxisForceCategorical"] is True and "time_grain_sqla" not in params
