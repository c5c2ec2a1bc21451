"""The deployment refuses to start with the placeholders of .env.example or short secrets (deploy/check_secrets.py,
run by airflow-init, on which every service waits), and starts with the secrets `make env` writes. About 2 s."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.deploy.conftest import REPO, load_script
from tests.deploy.test_compose import compose

SCRIPT = REPO / "deploy" / "check_secrets.py"


def _container_env(env_file: Path) -> dict[str, str]:
    """What airflow-init's container gets from ``env_file`` (.env names mapped as docker-compose.yml maps them)."""
    check = load_script("deploy/check_secrets.py")
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line and line[0] != "#")
    return {variable: values[name] for name, variable in check.SECRETS.items()}


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, os.fspath(SCRIPT)], capture_output=True, text=True, env=env, timeout=60)


def test_the_placeholders_of_env_example_stop_the_deployment() -> None:
    result = _run(_container_env(REPO / ".env.example"))
    assert result.returncode == 1
    assert "make env" in result.stderr
    for name in ("MSDW_PSEUDONYM_KEY", "MSDW_ARCHIVE_KEY", "AIRFLOW_FERNET_KEY", "SUPERSET_ADMIN_PASSWORD"):
        assert f"{name} is still the placeholder" in result.stderr


def test_make_env_secrets_pass_and_a_short_one_does_not(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    assert (
        load_script("deploy/make_env.py").main(
            ["--template", os.fspath(REPO / ".env.example"), "--output", os.fspath(env_file)]
        )
        == 0
    )
    env = _container_env(env_file)
    assert _run(env).returncode == 0
    short = _run({**env, "POSTGRES_PASSWORD": "hunter2"})
    assert short.returncode == 1 and "POSTGRES_PASSWORD is too short" in short.stderr and "make env" in short.stderr


def test_airflow_init_runs_the_check_and_every_service_waits_for_it(tmp_path: Path) -> None:
    import json

    result = compose(tmp_path, "config", "--format", "json", env_file=REPO / ".env.example")
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    check = load_script("deploy/check_secrets.py")
    init_env = services["airflow-init"]["environment"]
    assert set(check.SECRETS.values()) <= set(init_env)
    assert "python /opt/msdw/deploy/check_secrets.py" in (REPO / "deploy/airflow/init.sh").read_text()
    for name, service in services.items():
        if name not in ("airflow-init", "postgres", "redis"):
            assert service["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully", name
