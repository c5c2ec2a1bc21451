"""Running the dbt project (``dbt_project/``) against a warehouse folder.

The build reads the raw zone (``MSDW_RAW_DIR``) and writes the build database (``MSDW_BUILD_DB``); both come from
:func:`dbt_env`, so every caller (tests, the CLI, Cosmos tasks) points dbt at the same places the same way.

The dbt sources over the raw zone are generated from the source descriptions (:mod:`msdw.dbt_sources`):
``python -m msdw.transform sources`` rewrites ``models/staging/<source>/_<source>__sources.yml``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from msdw.errors import MsdwError, ToolMissing
from msdw.files import write_text_atomically
from msdw.warehouse import Warehouse, memory_limit

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
SEED_PATH_IN_COPY = "seeds"  # the link dbt_project/seeds -> ../seeds, for runs from a linked copy of the project
RAW_SCHEMA = "raw"
MARTS_SCHEMA = "main"
# What the first dbt step of a build makes, in one invocation: every seed, the staging views and the intermediate
# models, with the tests that read only them. The Cosmos task group leaves these out (and their tests with them), so
# it holds the marts, a task each, and the tests that read a mart.
PREPARED_SELECTION = ("resource_type:seed", "path:models/staging", "path:models/intermediate")
PREPARED_FLAGS = ("--indirect-selection", "cautious")
# A build in the pipeline leaves dbt's unit tests out, as dbt advises for production: their inputs are fixed, so they
# pass or fail with the code, not the data; `make test` runs them with every other test (``build_warehouse``).
PIPELINE_EXCLUDED = {"DBT_EXCLUDE_RESOURCE_TYPES": "unit_test"}
DOCS_FINGERPRINT = ".fingerprint"  # beside the dbt docs page: the project it shows
_TRACKING_OFF = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "DO_NOT_TRACK": "1",
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
}


class DbtFailed(MsdwError, RuntimeError):
    """A dbt command failed; ``nodes`` names the models, tests or seeds that failed, when dbt got that far."""

    def __init__(self, command: Sequence[str], nodes: Sequence[str], detail: str) -> None:
        self.command = list(command)
        self.nodes = list(nodes)
        self.detail = detail
        failing = ", ".join(self.nodes) if self.nodes else "no node (dbt stopped before running any)"
        super().__init__(
            f"dbt {' '.join(self.command)} failed at {failing}. Read the dbt log below, fix the model, test or input "
            f"named there, then run the build again.\n{detail}"
        )


@dataclass(frozen=True)
class DbtPaths:
    """Where one warehouse's dbt run keeps its artefacts, apart from other warehouses sharing the project."""

    project_dir: Path
    target_dir: Path
    log_dir: Path

    @classmethod
    def for_warehouse(cls, warehouse: Warehouse, project_dir: Path = PROJECT_DIR) -> DbtPaths:
        return cls(project_dir, warehouse.tmp / "dbt_target", warehouse.tmp / "dbt_logs")


def _warehouse(warehouse: Warehouse | str | os.PathLike[str]) -> Warehouse:
    return warehouse if isinstance(warehouse, Warehouse) else Warehouse.at(warehouse)


def dbt_env(warehouse: Warehouse | str | os.PathLike[str], project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """Environment variables that point the dbt project at ``warehouse`` (to merge into ``os.environ``)."""
    wh = _warehouse(warehouse)
    paths = DbtPaths.for_warehouse(wh, project_dir)
    env = {
        "MSDW_RAW_DIR": os.fspath(wh.raw),
        "MSDW_BUILD_DB": os.fspath(wh.build_db),
        "MSDW_DUCKDB_MEMORY_LIMIT": memory_limit(),
        "DBT_PROFILES_DIR": os.fspath(project_dir),
        "DBT_PROJECT_DIR": os.fspath(project_dir),
        "DBT_TARGET_PATH": os.fspath(paths.target_dir),
        "DBT_LOG_PATH": os.fspath(paths.log_dir),
        **_TRACKING_OFF,
    }
    links = wh.root / "linkage" / "person_links.parquet"
    env["MSDW_PERSON_LINKS"] = os.fspath(links)
    return env


def release_dbt_connections() -> None:
    """Close the DuckDB database that dbt-duckdb keeps open in this process after an in-process (dbtRunner) run, so
    that the build database can be opened again here (read-only, or attached by the publisher)."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # dbt never ran in this process
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if env is not None:
            env.close()


def dbt_executable() -> Path:
    """The ``dbt`` command installed beside the running Python."""
    candidate = Path(sys.executable).parent / "dbt"
    if candidate.exists():
        return candidate
    found = shutil.which("dbt")
    if found is None:
        raise ToolMissing("dbt is not installed in this environment: run `make setup` to install it.")
    return Path(found)


def _failed_nodes(target_dir: Path) -> list[str]:
    results = target_dir / "run_results.json"
    if not results.exists():
        return []
    data = json.loads(results.read_text())
    return [r["unique_id"] for r in data.get("results", []) if r.get("status") in {"error", "fail", "runtime error"}]


def run_dbt(
    warehouse: Warehouse | str | os.PathLike[str],
    args: list[str],
    project_dir: Path = PROJECT_DIR,
) -> None:
    """Run ``dbt <args>`` against ``warehouse`` in a subprocess; raise :class:`DbtFailed` naming failing nodes.

    For a process that has not loaded dbt (the CLI, tests): a Python start and dbt's imports cost less than loading
    dbt here. Where dbt is already loaded, :func:`invoke_dbt` runs it in-process and releases the build database.
    """
    wh = _warehouse(warehouse)
    wh.tmp.mkdir(parents=True, exist_ok=True)
    paths = DbtPaths.for_warehouse(wh, project_dir)
    results = paths.target_dir / "run_results.json"
    results.unlink(missing_ok=True)
    env = {**os.environ, **dbt_env(wh, project_dir)}
    command = [os.fspath(dbt_executable()), *args]
    proc = subprocess.run(command, cwd=project_dir, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr).strip().splitlines()
        raise DbtFailed(args, _failed_nodes(paths.target_dir), "\n".join(output[-60:]))


def build_warehouse(warehouse: Warehouse | str | os.PathLike[str], full_refresh: bool = False) -> None:
    """``dbt build``: seeds, models, data tests and unit tests, into the warehouse's build database."""
    run_dbt(warehouse, ["build", *(["--full-refresh"] if full_refresh else [])])


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """``os.environ`` updated with ``values`` inside the block, as it was afterwards."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _log_tail(log_dir: Path, lines: int = 60) -> str:
    log = log_dir / "dbt.log"
    if not log.exists():
        return f"(no dbt log at {log})"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def invoke_dbt(
    warehouse: Warehouse | str | os.PathLike[str],
    args: list[str],
    project_dir: Path = PROJECT_DIR,
) -> None:
    """Run ``dbt <args>`` against ``warehouse`` in this process (dbt's ``dbtRunner``); raise :class:`DbtFailed`
    naming failing nodes.

    Where dbt is already loaded (an Airflow worker running the Cosmos tasks), this saves a Python start and dbt's
    imports over :func:`run_dbt`. The build database, which dbt-duckdb keeps open afterwards, is released before
    returning, so the caller can open it again.
    """
    from dbt.cli.main import dbtRunner

    wh = _warehouse(warehouse)
    wh.tmp.mkdir(parents=True, exist_ok=True)
    paths = DbtPaths.for_warehouse(wh, project_dir)
    (paths.target_dir / "run_results.json").unlink(missing_ok=True)
    try:
        with _environment(dbt_env(wh, project_dir)):
            result = dbtRunner().invoke([*args, "--project-dir", os.fspath(project_dir), *_file_log_flags()])
    finally:
        release_dbt_connections()
        _release_dbt_locks()
    if not result.success:
        nodes = _failed_nodes(paths.target_dir)
        detail = f"{type(result.exception).__name__}: {result.exception}\n" if result.exception else ""
        raise DbtFailed(args, nodes, detail + _log_tail(paths.log_dir))


def _release_dbt_locks() -> None:
    """Drop the adapters dbt registered and collect what they and the parsed manifest leave behind.

    dbt makes its locks in a spawn context, as named semaphores that Python's resource tracker follows; an Airflow task
    process ends without running finalizers, so each lock still alive was reported as leaked, at error level, in
    every task that ran dbt.
    """
    import gc

    from dbt.adapters.factory import reset_adapters

    reset_adapters()
    gc.collect()


def _file_log_flags() -> list[str]:
    """dbt's log file at info level (each node and its outcome) unless ``DBT_LOG_LEVEL_FILE`` says otherwise: at its
    default, debug, dbt writes every statement and event to the file, which costs more than many nodes' work."""
    return [] if os.environ.get("DBT_LOG_LEVEL_FILE") else ["--log-level-file", "info"]


def build_upstream_of_marts(warehouse: Warehouse | str | os.PathLike[str]) -> None:
    """One in-process ``dbt build`` of :data:`PREPARED_SELECTION` (seeds, staging views, intermediate models) and of
    the tests that read only them, whose on-run-start hook first brings the raw zone's new files into the build
    database; the first dbt step of a build, before the marts."""
    with _environment(PIPELINE_EXCLUDED):
        invoke_dbt(warehouse, ["build", "--select", *PREPARED_SELECTION, *PREPARED_FLAGS])


def render_dbt_docs(warehouse: Warehouse | str | os.PathLike[str], force: bool = False) -> Path:
    """Generate the dbt docs site as one static page in ``<warehouse>/dbt_docs/index.html``; return that path.

    The site shows the project and the columns of its relations (no row counts), so it is generated again only when
    the project changed since the page was made (or with ``force``): its fingerprint is kept beside the page.
    dbt runs in this process (:func:`invoke_dbt`): the publish task runs in the worker that ran the dbt tasks.
    """
    wh = _warehouse(warehouse)
    page = wh.dbt_docs / "index.html"
    stamp = wh.dbt_docs / DOCS_FINGERPRINT
    fingerprint = _project_fingerprint()
    if not force and page.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8") == fingerprint:
        return page
    invoke_dbt(wh, ["docs", "generate", "--static"])
    built = DbtPaths.for_warehouse(wh).target_dir / "static_index.html"
    wh.dbt_docs.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built, page)
    write_text_atomically(stamp, fingerprint)
    return page


def _project_fingerprint(project_dir: Path = PROJECT_DIR) -> str:
    """The dbt version and the project's parsed manifest (parsed again whenever a project file changes)."""
    from dbt.version import __version__ as dbt_version

    digest = hashlib.sha256(ensure_manifest(project_dir).read_bytes())
    return f"dbt {dbt_version} manifest {digest.hexdigest()}\n"


def parse_project(target_dir: Path, project_dir: Path = PROJECT_DIR) -> Path:
    """Run ``dbt parse`` writing ``manifest.json`` into ``target_dir`` (for Cosmos' manifest load mode)."""
    target_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        **_TRACKING_OFF,
        "DBT_PROFILES_DIR": os.fspath(project_dir),
        "DBT_TARGET_PATH": os.fspath(target_dir),
        "DBT_LOG_PATH": os.fspath(target_dir / "logs"),
    }
    command = [os.fspath(dbt_executable()), "parse"]
    proc = subprocess.run(command, cwd=project_dir, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise DbtFailed(["parse"], [], (proc.stdout + proc.stderr)[-4000:])
    return target_dir / "manifest.json"


def _project_mtime(project_dir: Path) -> float:
    watched = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in ("models", "macros", "tests", "analyses", "../seeds"):
        watched.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    return max((p.stat().st_mtime for p in watched if p.exists()), default=0.0)


def ensure_manifest(project_dir: Path = PROJECT_DIR) -> Path:
    """A ``manifest.json`` of the project no older than its files, parsed again only when they changed.

    Cosmos loads the project from it (``LoadMode.DBT_MANIFEST``) so that parsing the DAG file never runs dbt, except
    the first time after the project changes.
    """
    manifest = project_dir / "target" / "manifest.json"
    if manifest.exists() and manifest.stat().st_mtime >= _project_mtime(project_dir):
        return manifest
    scratch = project_dir / "target" / f"parse-{os.getpid()}"
    try:
        parsed = parse_project(scratch, project_dir)
        os.replace(parsed, manifest)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return manifest


class ManifestMissing(MsdwError):
    """The dbt manifest a DAG file reads is missing or older than the project."""


def built_manifest(project_dir: Path = PROJECT_DIR) -> Path:
    """The project's ``manifest.json`` as :func:`ensure_manifest` made it, for a DAG file to read while the DAG
    processor parses it: never runs dbt; raises :class:`ManifestMissing` when it is absent or older than the
    project, so the DAG shows an import error instead of parsing the project on every parse."""
    manifest = project_dir / "target" / "manifest.json"
    if not manifest.exists():
        raise ManifestMissing(
            f"{manifest} does not exist: build it with `python -m msdw.transform manifest` (make setup, make airflow, "
            "msdw run and the compose file's airflow-init do it)"
        )
    if manifest.stat().st_mtime < _project_mtime(project_dir):
        raise ManifestMissing(
            f"{manifest} is older than the dbt project: rebuild it with `python -m msdw.transform manifest`"
        )
    return manifest


def cosmos_env(warehouse: Warehouse | str | os.PathLike[str]) -> dict[str, str]:
    """The variables a Cosmos dbt task needs: where the raw zone and build database are, DuckDB's memory limit (the
    task runs in a copy of the project, so nothing may be left to a default relative to it), no telemetry, no unit tests
    (:data:`PIPELINE_EXCLUDED`).

    Cosmos runs dbt in a copy of the project with its own profiles and target folders, so only these are passed.
    """
    env = dbt_env(warehouse)
    keep = (
        "MSDW_RAW_DIR",
        "MSDW_BUILD_DB",
        "MSDW_PERSON_LINKS",
        "MSDW_DUCKDB_MEMORY_LIMIT",
        *_TRACKING_OFF,
    )
    return {**{key: env[key] for key in keep}, "MSDW_SEED_PATH": SEED_PATH_IN_COPY, **PIPELINE_EXCLUDED}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m msdw.transform", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("sources", help="regenerate the dbt sources YAML from msdw.sources")
    commands.add_parser("manifest", help="parse the dbt project into target/manifest.json (read by the DAGs)")
    build = commands.add_parser("build", help="dbt build into a warehouse's build database")
    build.add_argument("--warehouse", required=True)
    build.add_argument("--full-refresh", action="store_true")
    docs = commands.add_parser("docs", help="render the dbt docs site into <warehouse>/dbt_docs")
    docs.add_argument("--warehouse", required=True)
    args = parser.parse_args(argv)
    if args.command == "sources":
        from msdw.dbt_sources import write_sources

        for path in write_sources():
            print(path)
    elif args.command == "manifest":
        print(ensure_manifest())
    elif args.command == "build":
        build_warehouse(args.warehouse, full_refresh=args.full_refresh)
    else:
        print(render_dbt_docs(args.warehouse, force=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
