"""release_statistics: every quarter, once the quarter's returns are all due and published, make the official-statistics
release (``msdw release``): the accessible workbook, CSVs and manifest in ``releases/<release_id>/``.

The warehouse comes from ``msdw.config`` (environment, Airflow Variables, the run's conf). The work lives in
``msdw.release``. ``check_published`` skips the run when nothing was ever published (a new deployment) and fails it
when the last publish attempt was blocked (a release is made only from marts that passed the gate); ``release``
then makes the release, or finds it already made from the same marts (re-running is safe). Trigger it by hand with
params ``through`` (YYYY-MM, empty for the latest period due) and ``frequency``. The monitor (``monitor_returns``)
alerts when a due release was not made.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import Param, dag, get_current_context, task

from msdw.alerts import dag_failure_callback


@dag(
    dag_id="release_statistics",
    description="Quarterly: the official-statistics release from the published marts",
    schedule="0 6 23 1,4,7,10 *",  # a week after the quarter's last returns were due (the 15th)
    start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=False,
    tags=["msdw", "release"],
    params={
        "warehouse": Param(None, type=["null", "string"], description="Warehouse folder (msdw.config)"),
        "through": Param("", type="string", description="Last month, YYYY-MM; empty: the latest period due"),
        "frequency": Param("quarter", enum=["quarter", "month"], description="Periods of the release"),
    },
    default_args={"retries": 1, "retry_delay": dt.timedelta(minutes=5)},
    on_failure_callback=dag_failure_callback,
    doc_md=__doc__,
)
def release_statistics() -> None:
    @task(multiple_outputs=False)
    def check_published() -> str:
        from airflow.sdk.exceptions import AirflowSkipException

        from msdw.config import from_context
        from msdw.publish import read_publish_record
        from msdw.release.periods import ReleaseError
        from msdw.warehouse import Warehouse

        warehouse = Warehouse.at(from_context(get_current_context()).warehouse)
        record = read_publish_record(warehouse) or {}
        if "published_at" not in record:  # a new deployment: nothing to release yet (monitor_returns says so)
            raise AirflowSkipException(f"no published marts in {warehouse.root} yet: nothing to release")
        if not (record.get("last_attempt") or {}).get("published", True):
            raise ReleaseError("the last publish was blocked by the mart gate: fix it and publish before releasing")
        return str(warehouse.root)

    @task(multiple_outputs=False)
    def release(warehouse: str) -> dict:
        from msdw.release.build import make_release
        from msdw.warehouse import Warehouse

        params = get_current_context()["params"]
        result = make_release(Warehouse.at(warehouse), params.get("through") or None, params["frequency"])
        return {"release_id": result.release_id, "path": str(result.path), "made": result.made, "ods": result.ods}

    release(check_published())


release_statistics()
