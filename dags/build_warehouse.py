"""build_warehouse: when any source lands new raw data, link persons, build the dbt project, then gate and publish
the marts.

``link`` links victim records into persons (Splink). ``prepare`` then runs one ``dbt build`` of everything below the
marts: its on-run-start hook brings the raw zone into the build database (``load_raw_zone``: it loads only the raw
files added since the last build), then the reference seeds are loaded and tested, the staging views (rename and
cast) created and the intermediate models (latest version of each return, the union of identifications, the
person links) built. Then Cosmos runs one Airflow task per mart, the published tables, and one task running the
data tests that read a mart (a failing test stops the publish); the tests of the seeds ran in ``prepare``. dbt's
unit tests run in ``make test``, not here (``msdw.transform.PIPELINE_EXCLUDED``): their inputs are fixed.

A dbt start-up and an Airflow task cost about a second each, more than most models' work, so the models below the
marts share one invocation and per-model test tasks are not made: the marts are only published after all tests
pass. The dbt tasks pass ``raw_zone: ready`` so the hook does not run again in every task. Cosmos reads the
project from a manifest made by ``dbt parse`` (``msdw.transform.ensure_manifest``), so parsing this file does not
run dbt. dbt is invoked in-process (``dbtRunner``), which saves a dbt start-up per task; dbt-duckdb keeps the build
database open in the worker afterwards, so the publish task releases it
(``msdw.transform.release_dbt_connections``) before it reads the build database. ``MSDW_DBT_INVOCATION=subprocess``
runs each task as a dbt subprocess instead.

The build runs once every ingest DAG has announced its source's Asset (all of them, not any one: a cycle builds once,
over every source it landed), on the warehouse those Asset events carry; a manual trigger takes it from its conf,
else from the Airflow Variable or the environment (``msdw.config``). When none of the events says the ledger changed
and the last publish succeeded, the run is skipped: analysts keep the marts already published. Every dbt task's
environment follows the warehouse ``link`` resolved (``msdw.transform.cosmos_env``). A publish the mart gate blocks
fails the ``publish`` task, with the gate's reasons; the last good marts stay in place.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from msdw.alerts import dag_failure_callback
from msdw.noise import drop_known_noise
from msdw.orchestrate import WAREHOUSE_POOL, raw_assets
from msdw.transform import PREPARED_SELECTION, PROJECT_DIR, built_manifest, cosmos_env, dbt_executable

os.environ.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")
os.environ.setdefault("AIRFLOW__COSMOS__CACHE_DIR", os.fspath(PROJECT_DIR / "target" / "cosmos"))
os.environ.setdefault("AIRFLOW__OPENLINEAGE__NAMESPACE", "msdw")  # read by Cosmos, which warns when it is unset

from airflow.sdk import Param, dag, get_current_context, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior, TestIndirectSelection

drop_known_noise()
log = logging.getLogger(__name__)
ENV_KEYS = tuple(cosmos_env("/").keys())
INVOCATION = {"subprocess": InvocationMode.SUBPROCESS, "dbt_runner": InvocationMode.DBT_RUNNER}
EXECUTION = {"watcher": ExecutionMode.WATCHER, "local": ExecutionMode.LOCAL}
MODE = EXECUTION[os.environ.get("MSDW_COSMOS_EXECUTION", "local")]
# Local mode: one `dbt run` per model, then every test in one task. The watcher mode (one `dbt build`, a
# sensor per node) is faster on a scheduler but deadlocks under dag.test(), where sensors run before their producer
# finishes.
TESTS = TestBehavior.AFTER_EACH if MODE is ExecutionMode.WATCHER else TestBehavior.AFTER_ALL
# Each task runs dbt in a throw-away copy of the project: the artefacts (manifest.json, run_results.json) and the
# debug log file written there go unread, and a task touching one node needs no listing of every schema up front
# (dbt lists a schema when it first looks a relation up in it).
DBT_TASK_FLAGS = ["--no-write-json", "--log-level-file", "none", "--no-populate-cache"]
# The raw zone is brought into the build database once, by `prepare`: in each task's on-run-start hook it made
# every task slower as the history grew.
RAW_ZONE_READY = {"raw_zone": "ready"}


def _all_of(assets: list[Any]) -> Any:
    schedule = assets[0]
    for asset in assets[1:]:
        schedule = schedule & asset
    return schedule


def _templated_env() -> dict[str, str]:
    """Each dbt task's environment, rendered at run time from the warehouse ``link`` resolved for this run."""
    return {key: "{{ msdw_cosmos_env(ti.xcom_pull(task_ids='link'))['" + key + "'] }}" for key in ENV_KEYS}


@dag(
    dag_id="build_warehouse",
    schedule=_all_of(raw_assets()),
    catchup=False,
    is_paused_upon_creation=False,
    max_active_runs=1,
    max_active_tasks=1,  # one writer at a time on the DuckDB build database
    params={
        "warehouse": Param(None, type=["null", "string"], description="The warehouse folder (msdw.config)"),
        "inbox": Param(None, type=["null", "string"], description="The inbox folder (msdw.config)"),
    },
    user_defined_macros={"msdw_cosmos_env": cosmos_env},
    tags=["msdw", "dbt"],
    default_args={"on_failure_callback": dag_failure_callback},
    on_failure_callback=dag_failure_callback,
    doc_md=__doc__,
)
def build_warehouse() -> None:
    @task(pool=WAREHOUSE_POOL)
    def link() -> str:
        """Resolve this run's warehouse (``msdw.config``), skip the run when it was started by Asset events of which
        none changed the ledger and the last publish succeeded, then link victim records across agencies and months
        into persons (Splink), before dbt builds the models that read the links; return the warehouse's path."""
        from airflow.sdk.exceptions import AirflowSkipException

        from msdw.config import from_context, triggering_extras
        from msdw.linkage import link_persons
        from msdw.publish import needs_build
        from msdw.warehouse import Warehouse

        context = get_current_context()
        where = from_context(context)
        log.info("warehouse %s (from %s)", where.warehouse, where.origin["warehouse"])
        wh = Warehouse.at(where.warehouse).ensure()
        events = triggering_extras(context)
        if events and not any(extra.get("changed") for extra in events) and not needs_build(wh):
            raise AirflowSkipException("no source changed the ledger since the last build, which published")
        log.info("linkage: %s", link_persons(wh))
        return os.fspath(wh.root)

    @task(pool=WAREHOUSE_POOL)
    def prepare(warehouse: str) -> str:
        """One `dbt build` of everything below the marts (seeds, staging views, intermediate models) and of their
        tests, whose hook first brings the raw zone's new files into the build database (once for the whole build:
        the dbt tasks skip it)."""
        from msdw.transform import build_upstream_of_marts

        build_upstream_of_marts(warehouse)
        return warehouse

    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=PROJECT_DIR,
            manifest_path=built_manifest(PROJECT_DIR),
            project_name="msdw",
        ),
        profile_config=ProfileConfig(
            profile_name="msdw",
            target_name="build",
            profiles_yml_filepath=PROJECT_DIR / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            execution_mode=MODE,
            invocation_mode=INVOCATION[os.environ.get("MSDW_DBT_INVOCATION", "dbt_runner")],
            dbt_executable_path=dbt_executable(),
            # the tests of a mart against a reference seed (its codes) run in the test task, with the marts: eager
            # selection leaves out every test touching a node excluded below (the seeds)
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TESTS,
            emit_datasets=False,
            exclude=list(PREPARED_SELECTION),  # built and tested by `prepare`
        ),
        operator_args={
            "env": _templated_env(),
            "append_env": True,
            "install_deps": False,
            "pool": WAREHOUSE_POOL,
            "dbt_cmd_global_flags": DBT_TASK_FLAGS,
            "vars": RAW_ZONE_READY,
        },
    )

    @task(pool=WAREHOUSE_POOL, multiple_outputs=False)
    def publish(warehouse: str) -> dict[str, Any]:
        """Render the dbt docs, then build the marts aside, gate them and publish them; a blocked publish fails the
        task with the gate's reasons (the last good marts stay)."""
        from airflow.sdk.exceptions import AirflowFailException

        from msdw.publish import publish as publish_marts
        from msdw.report import render_report
        from msdw.transform import DbtPaths, release_dbt_connections, render_dbt_docs
        from msdw.warehouse import Warehouse

        release_dbt_connections()
        wh = Warehouse.at(warehouse)
        render_dbt_docs(wh)
        manifest = DbtPaths.for_warehouse(wh).target_dir / "manifest.json"
        result = publish_marts(wh, manifest=manifest if manifest.exists() else None)
        if not result.published:
            reasons = "\n".join(f"- {failure}" for failure in result.failures[:50])
            raise AirflowFailException(f"the mart gate blocked publishing; the last good marts stay:\n{reasons}")
        render_report(wh.marts, wh.report, wh.cache)
        return {
            "published": result.published,
            "path": os.fspath(result.path),
            "failures": list(result.failures),
            "tables": dict(result.tables),
        }

    warehouse = prepare(link())
    warehouse >> dbt >> publish(warehouse)


build_warehouse()
