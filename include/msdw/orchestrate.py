"""Running the Airflow DAGs in-process, as ``dag.test()`` does: the same DAGs and tasks a scheduler runs.

Airflow keeps its metadata database (SQLite) in ``<warehouse>/airflow``; it is created on first use. The environment
must be set before Airflow is imported, so this module imports Airflow only inside functions.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from msdw.returns import MsdwError
from msdw.sources import SOURCES
from msdw.warehouse import Warehouse

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO / "dags"
INGEST_DAGS = tuple(s.ingest_dag for s in SOURCES)
BUILD_DAG = "build_warehouse"
MONITOR_DAG = "monitor_returns"
WAREHOUSE_POOL = "msdw_warehouse"  # one slot: only one task writes the warehouse at a time (a scheduler honours it)


def raw_asset(source: str) -> object:
    """The Asset an ingest DAG announces after each run (``msdw://raw/<source>``); ``build_warehouse`` runs once every
    source has announced."""
    from airflow.sdk import Asset

    from msdw.sources import source as described

    return Asset(described(source).asset_uri)


def raw_assets() -> list[object]:
    return [raw_asset(source.name) for source in SOURCES]


class OrchestrationError(MsdwError):
    pass


@dataclass
class DagOutcome:
    dag_id: str
    state: str
    seconds: float
    failed_tasks: list[str] = field(default_factory=list)
    returns: dict[str, object] = field(default_factory=dict)


def airflow_environment(warehouse: Warehouse, inbox: str) -> dict[str, str]:
    home = warehouse.airflow_home
    return {
        "AIRFLOW_HOME": os.fspath(home),
        "AIRFLOW__CORE__DAGS_FOLDER": os.fspath(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "300",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": os.environ.get("MSDW_AIRFLOW_LOG_LEVEL", "ERROR"),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": os.fspath(home / "logs"),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__COSMOS__CACHE_DIR": os.fspath(home / "cosmos"),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "msdw",  # read by Cosmos, which warns in every process when it is unset
        "DO_NOT_TRACK": "1",
        "SCARF_ANALYTICS": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "GX_ANALYTICS_ENABLED": "False",
        "DBT_QUIET": os.environ.get("DBT_QUIET", "True"),  # dbt's own lines stay in the task logs' detail
        "MSDW_INBOX": inbox,
        "MSDW_WAREHOUSE": os.fspath(warehouse.root),
    }


def prepare(warehouse: Warehouse, inbox: str) -> None:
    """Set the environment and create Airflow's metadata database when it does not exist yet."""
    os.environ.update(airflow_environment(warehouse, inbox))
    warehouse.airflow_home.mkdir(parents=True, exist_ok=True)
    marker = warehouse.airflow_home / ".migrated"
    if not marker.exists():
        from airflow.utils import db

        db.upgradedb()
        marker.write_text("ok\n")
    _quiet_loggers()


def _quiet_loggers() -> None:
    level = getattr(logging, os.environ.get("MSDW_AIRFLOW_LOG_LEVEL", "ERROR"))
    for name in ("airflow", "great_expectations", "sqlalchemy", "alembic", "cosmos", "dbt", "py.warnings"):
        logging.getLogger(name).setLevel(level)


def load_dags(dag_ids: tuple[str, ...] | None = None) -> dict[str, object]:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.fspath(DAGS_FOLDER))
    if bag.import_errors:
        problems = "; ".join(f"{path}: {err.strip().splitlines()[-1]}" for path, err in bag.import_errors.items())
        raise OrchestrationError(f"DAG files failed to import: {problems}")
    return {k: v for k, v in bag.dags.items() if dag_ids is None or k in dag_ids}


@contextmanager
def long_lived_heap() -> Iterator[Callable[[], None]]:
    """Keep the objects that live for the whole run (modules, DAGs, configuration) out of the garbage collector's
    full passes while the DAGs run; yields the function that settles the heap again before each DAG.

    Cosmos collects garbage after every dbt task; with Airflow, dbt and Great Expectations loaded, each full pass
    walks about half a million objects (0.3 to 0.7 s a task). Settling collects the garbage, then freezes what is
    left (``gc.freeze``), so later passes walk only what the running DAG allocates. The heap is unfrozen on the way
    out, so that the interpreter can release everything at exit.
    """

    def settle() -> None:
        gc.collect()
        gc.freeze()
        release_free_memory()

    try:
        yield settle
    finally:
        gc.unfreeze()


def resident_gb() -> float:
    """This process's resident memory now, in GB (0 where /proc is not available)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024**3


def release_free_memory() -> None:
    """Hand the memory freed by the DAGs run so far back to the system (``malloc_trim``): glibc keeps freed memory
    in its arenas, so without it the peak of a long run in one process would be that of its steps added together."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc
        return
    before = resident_gb()
    libc.malloc_trim(0)
    log.info("released free memory: resident %.2f GB -> %.2f GB", before, resident_gb())


def _preload_dbt() -> None:
    """Import what every in-process dbt task imports, so that it is loaded once and settled with the long-lived
    objects rather than collected after the first task."""
    import dbt.adapters.duckdb
    import dbt.cli.main  # noqa: F401


def run_dag(dag: object, conf: dict[str, object]) -> DagOutcome:
    """Run one DAG to the end in this process (``dag.test``) and report its task states and return values."""
    started = time.monotonic()
    dag_run = dag.test(run_conf=conf)  # type: ignore[attr-defined]
    seconds = time.monotonic() - started
    outcome = DagOutcome(dag.dag_id, str(dag_run.state), seconds)  # type: ignore[attr-defined]
    for ti in dag_run.get_task_instances():
        if str(ti.state) in ("failed", "upstream_failed", "TaskInstanceState.FAILED"):
            outcome.failed_tasks.append(ti.task_id)
    outcome.returns = _xcom_returns(dag_run)
    return outcome


def _xcom_returns(dag_run: object) -> dict[str, object]:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = (
            session.query(XComModel)
            .filter(
                XComModel.dag_id == dag_run.dag_id,  # type: ignore[attr-defined]
                XComModel.run_id == dag_run.run_id,  # type: ignore[attr-defined]
                XComModel.key == "return_value",
            )
            .all()
        )
        return {row.task_id: XComModel.deserialize_value(row) for row in rows}


def run_pipeline(
    warehouse: Warehouse,
    inbox: str,
    with_build: bool = True,
    say: Callable[[str], None] = print,
) -> tuple[str, list[DagOutcome]]:
    """Run the ingest DAGs, then ``build_warehouse`` when it exists; returns the msdw run id and the outcomes."""
    prepare(warehouse, inbox)
    run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    if with_build:
        from msdw.transform import ensure_manifest

        ensure_manifest()  # parse the dbt project now, not inside the DAG file's import
    dags = load_dags()
    conf = {"inbox": inbox, "warehouse": os.fspath(warehouse.root), "msdw_run_id": run_id}
    outcomes = []
    order = [d for d in INGEST_DAGS if d in dags]
    if with_build and BUILD_DAG in dags:
        order.append(BUILD_DAG)
    missing = [d for d in INGEST_DAGS if d not in dags]
    if missing:
        raise OrchestrationError(f"DAGs missing from {DAGS_FOLDER}: {', '.join(missing)}")
    with long_lived_heap() as settle:
        for i, dag_id in enumerate(order, start=1):
            say(f"[{i}/{len(order)}] {dag_id} ...")
            if dag_id == BUILD_DAG:
                _preload_dbt()
            settle()
            outcome = run_dag(dags[dag_id], conf)
            say(f"[{i}/{len(order)}] {dag_id}: {outcome.state} in {outcome.seconds:.1f} s")
            outcomes.append(outcome)
    return run_id, outcomes
