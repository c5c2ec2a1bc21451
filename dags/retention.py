"""retention: every day, destroy the archived files whose period in ``retention.yml`` is over.

The policy and the work live in ``msdw.retention`` (the same as ``msdw retention``): expired archived files are
crypto-shredded, their versions' raw files removed, and each deletion recorded in the ledger's ``deletions`` table;
data-quality records older than their period are removed too.
When anything was destroyed, every raw zone Asset is announced (carrying the warehouse and that it changed), so
build_warehouse runs on that warehouse and the rows leave the marts. The warehouse comes from ``msdw.config``.
The task holds the warehouse pool's one slot, as every writer does.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import Param, dag, get_current_context, task

from msdw.alerts import dag_failure_callback
from msdw.orchestrate import WAREHOUSE_POOL, raw_assets

RAW_ASSETS = raw_assets()  # those of the ingest DAGs


@dag(
    dag_id="retention",
    description="Daily: destroy archived files past their retention period (retention.yml)",
    schedule="@daily",
    start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=False,
    tags=["msdw", "retention"],
    params={"warehouse": Param(None, type=["null", "string"], description="Warehouse folder (msdw.config)")},
    default_args={"retries": 1, "retry_delay": dt.timedelta(minutes=5)},
    on_failure_callback=dag_failure_callback,
    doc_md=__doc__,
)
def retention() -> None:
    @task(pool=WAREHOUSE_POOL, multiple_outputs=False)
    def apply() -> dict:
        from msdw.config import from_context
        from msdw.retention import Policy, apply_retention, purge_quality_results
        from msdw.warehouse import Warehouse

        warehouse = Warehouse.at(from_context(get_current_context()).warehouse)
        if not warehouse.ledger_db.exists():
            return {"warehouse": str(warehouse.root), "destroyed_files": 0, "entries": []}
        policy = Policy.load()
        done = apply_retention(warehouse, policy)
        return {
            "warehouse": str(warehouse.root),
            "destroyed_files": len({e.sha256 for e in done}),
            "entries": [f"{e.rule}: {e.label}" for e in done],
            "quality_results_removed": len(purge_quality_results(warehouse, policy)),
        }

    @task(outlets=RAW_ASSETS, multiple_outputs=False)
    def announce(result: dict) -> dict:
        """The raw zone changed: its Assets schedule build_warehouse, which takes the rows out of the marts."""
        from airflow.sdk.exceptions import AirflowSkipException

        if not result["destroyed_files"]:
            raise AirflowSkipException("nothing was destroyed")
        extra = {"warehouse": result["warehouse"], "changed": True, "destroyed_files": result["destroyed_files"]}
        events = get_current_context()["outlet_events"]
        for asset in RAW_ASSETS:  # every source's, as build_warehouse waits for all of them; on this warehouse
            events[asset].extra = extra
        return extra

    announce(apply())


retention()
