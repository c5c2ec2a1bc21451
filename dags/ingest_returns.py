"""Airflow DAGs ingest_police, ingest_glaa, ingest_border_force, ingest_cps: one per source, made from its description.

Each DAG lands new inbox files (archive, identify, register), then parses, validates and loads the pending return
versions into the raw zone, then announces the source's Asset when its raw zone changed. The work lives in
``msdw.landing`` and ``msdw.ingest``; this file only wires it.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import Asset, Param, dag, get_current_context, task

from msdw.alerts import dag_failure_callback
from msdw.orchestrate import WAREHOUSE_POOL
from msdw.sources import SOURCES, Source
from msdw.sources import source as described
from msdw.warehouse import DEFAULT_INBOX, DEFAULT_WAREHOUSE, configured


def raw_asset(source: str) -> Asset:
    return Asset(described(source).asset_uri)


def make_ingest_dag(source: Source):
    inbox_default, warehouse_default = configured(DEFAULT_INBOX, DEFAULT_WAREHOUSE)

    @dag(
        dag_id=f"ingest_{source.name}",
        description=f"Ingest {source.description}",
        schedule="@hourly",
        start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        catchup=False,
        max_active_runs=1,
        tags=["msdw", "ingest", source.name],
        params={
            "inbox": Param(inbox_default, type="string", description="Inbox folder or fsspec URL"),
            "warehouse": Param(warehouse_default, type="string", description="Warehouse folder"),
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
            from msdw.landing import Inbox, land
            from msdw.warehouse import Warehouse

            params = context["params"]
            warehouse = Warehouse.at(params["warehouse"]).ensure()
            run_id = (context["dag_run"].conf or {}).get("msdw_run_id") or context["run_id"]
            landed = land(Inbox(params["inbox"]), warehouse, source.name, run_id, reject_strays=True)
            return {"new_versions": landed.new_versions, "duplicates": landed.duplicates, "rejected": landed.rejected}

        @task(pool=WAREHOUSE_POOL, multiple_outputs=False)
        def load(landed: dict, **context) -> dict:
            from msdw.ingest import ingest_source
            from msdw.warehouse import Warehouse

            warehouse = Warehouse.at(context["params"]["warehouse"]).ensure()
            result = ingest_source(source, warehouse)
            return {**landed, **result.as_dict()}

        @task(outlets=[raw_asset(source.name)], multiple_outputs=False)
        def announce(result: dict) -> dict:
            from airflow.sdk.exceptions import AirflowSkipException

            if not result["accepted"]:
                raise AirflowSkipException("the raw zone did not change")
            get_current_context()["outlet_events"][raw_asset(source.name)].extra = {"accepted": len(result["accepted"])}
            return {"accepted": len(result["accepted"])}

        announce(load(land()))

    return ingest()


for _source in SOURCES:
    globals()[f"ingest_{_source.name}"] = make_ingest_dag(_source)
