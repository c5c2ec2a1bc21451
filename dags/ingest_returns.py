"""Airflow DAGs `ingest_<source>` (ingest_police, ...): one per source of msdw.sources, made from its description.

Each DAG lands new inbox files (archive, identify, register), then parses, validates and loads the pending return
versions into the raw zone, then writes the receipts of what it processed for the submitters (``msdw.receipts``),
then announces the source's Asset, carrying the inbox and warehouse it worked on and whether the ledger changed:
``build_warehouse`` runs once every source has announced, on that warehouse. The DAGs look for new files on the
schedule ``MSDW_INGEST_SCHEDULE`` (default every ten minutes) and are unpaused when created. The inbox and warehouse
come from ``msdw.config`` (environment, Airflow Variables, the run's conf). The work lives in ``msdw.landing``,
``msdw.ingest`` and ``msdw.receipts``; this file only wires it.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import Param, dag, get_current_context, task

from msdw.alerts import dag_failure_callback
from msdw.config import ingest_schedule
from msdw.orchestrate import WAREHOUSE_POOL, raw_asset
from msdw.sources import SOURCES, Source


def make_ingest_dag(source: Source):
    @dag(
        dag_id=f"ingest_{source.name}",
        description=f"Ingest {source.description}",
        schedule=ingest_schedule(),
        start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        catchup=False,
        max_active_runs=1,
        is_paused_upon_creation=False,
        tags=["msdw", "ingest", source.name],
        params={
            "inbox": Param(None, type=["null", "string"], description="Inbox folder or fsspec URL (msdw.config)"),
            "warehouse": Param(None, type=["null", "string"], description="Warehouse folder (msdw.config)"),
        },
        default_args={"retries": 0, "on_failure_callback": dag_failure_callback},
        on_failure_callback=dag_failure_callback,
        doc_md=__doc__,
    )
    def ingest() -> None:
        # Each task's dict is one XCom (multiple_outputs=False): no copy of each key, no Execution API call for each.
        @task(
            retries=2,
            retry_delay=dt.timedelta(seconds=10),
            retry_exponential_backoff=True,
            pool=WAREHOUSE_POOL,
            multiple_outputs=False,
        )
        def land(**context) -> dict:
            from msdw.config import from_context
            from msdw.landing import Inbox, land
            from msdw.warehouse import Warehouse

            where = from_context(context, need_inbox=True)
            warehouse = Warehouse.at(where.warehouse).ensure()
            run_id = (context["dag_run"].conf or {}).get("msdw_run_id") or context["run_id"]
            landed = land(Inbox(where.inbox), warehouse, source.name, run_id, reject_strays=True)
            return {
                **where.as_extra(),
                "new_versions": landed.new_versions,
                "duplicates": landed.duplicates,
                "rejected": landed.rejected,
            }

        @task(pool=WAREHOUSE_POOL, multiple_outputs=False)
        def load(landed: dict) -> dict:
            from msdw.ingest import ingest_source
            from msdw.warehouse import Warehouse

            result = ingest_source(source, Warehouse.at(landed["warehouse"]).ensure())
            return {**landed, **result.as_dict()}

        @task(outlets=[raw_asset(source.name)], multiple_outputs=False)
        def announce(result: dict) -> dict:
            """Announce the source's Asset after every run, changed or not, so that the build waits for every source
            of the cycle; the event says whether the ledger changed (a version accepted or quarantined)."""
            extra = {
                "warehouse": result["warehouse"],
                "inbox": result.get("inbox"),
                "changed": bool(result["accepted"] or result["quarantined"]),
                "accepted": len(result["accepted"]),
                "quarantined": len(result["quarantined"]),
            }
            get_current_context()["outlet_events"][raw_asset(source.name)].extra = extra
            return extra

        # Receipts for the submitters when the processing ends, before the Asset wakes the build (anomaly flags).
        @task(retries=2, retry_delay=dt.timedelta(seconds=10), pool=WAREHOUSE_POOL, multiple_outputs=False)
        def receipts(result: dict) -> dict:
            from msdw.receipts import write_receipts
            from msdw.warehouse import Warehouse

            return write_receipts(Warehouse.at(result["warehouse"]).ensure(), source.name).as_dict()

        loaded = load(land())
        receipts(loaded) >> announce(loaded)

    return ingest()


for _source in SOURCES:
    globals()[f"ingest_{_source.name}"] = make_ingest_dag(_source)
