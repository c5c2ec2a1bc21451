"""retention: every day, destroy the archived files whose period in ``retention.yml`` is over.

The policy and the work live in ``msdw.retention`` (the same as ``msdw retention``): expired archived files are
crypto-shredded, their versions' raw files removed, and each deletion recorded in the ledger's ``deletions`` table.
When anything was destroyed, the raw zone's Assets are announced, so build_warehouse runs and the rows leave the marts.
The task holds the warehouse pool's one slot, as every writer does.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import Asset, Param, dag, get_current_context, task

from msdw.alerts import dag_failure_callback
from msdw.orchestrate import WAREHOUSE_POOL
from msdw.sources import SOURCES
from msdw.warehouse import DEFAULT_WAREHOUSE, configured

RAW_ASSETS = [Asset(f"msdw://raw/{source.name}") for source in SOURCES]  # those of the ingest DAGs


@dag(
    dag_id="retention",
    description="Daily: destroy archived files past their retention period (retention.yml)",
    schedule="@daily",
    start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    tags=["msdw", "retention"],
    params={"warehouse": Param(configured(warehouse=DEFAULT_WAREHOUSE)[1], type="string", description="Warehouse")},
    default_args={"retries": 1, "retry_delay": dt.timedelta(minutes=5)},
    on_failure_callback=dag_failure_callback,
    doc_md=__doc__,
)
def retention() -> None:
    @task(pool=WAREHOUSE_POOL, multiple_outputs=False)
    def apply() -> dict:
        from msdw.retention import Policy, apply_retention
        from msdw.warehouse import Warehouse

        warehouse = Warehouse.at(get_current_context()["params"]["warehouse"])
        if not warehouse.ledger_db.exists():
            return {"destroyed_files": 0, "entries": []}
        done = apply_retention(warehouse, Policy.load())
        return {"destroyed_files": len({e.sha256 for e in done}), "entries": [f"{e.rule}: {e.label}" for e in done]}

    @task(outlets=RAW_ASSETS, multiple_outputs=False)
    def announce(result: dict) -> dict:
        """The raw zone changed: its Assets schedule build_warehouse, which takes the rows out of the marts."""
        from airflow.sdk.exceptions import AirflowSkipException

        if not result["destroyed_files"]:
            raise AirflowSkipException("nothing was destroyed")
        return {"destroyed_files": result["destroyed_files"]}

    announce(apply())


retention()
