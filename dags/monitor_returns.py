"""monitor_returns: every day, check the warehouse and alert on overdue, late or quarantined returns, stale marts and a
blocked publish.

The warehouse comes from ``msdw.config`` (environment, Airflow Variables, the run's conf). The checks live in
``msdw.monitor`` and the alert channels (webhook, e-mail) in ``msdw.alerts``, configured by the
``MSDW_ALERT_*`` and ``MSDW_SMTP_*`` variables. The run fails, and so alerts through its failure callback too, when
an alert cannot be delivered.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import Param, dag, get_current_context, task

from msdw.alerts import dag_failure_callback


@dag(
    dag_id="monitor_returns",
    description="Daily: overdue, late and quarantined returns, stale marts, a blocked publish",
    schedule="@daily",
    start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=False,
    tags=["msdw", "monitor"],
    params={"warehouse": Param(None, type=["null", "string"], description="Warehouse folder (msdw.config)")},
    default_args={"retries": 1, "retry_delay": dt.timedelta(minutes=5)},
    on_failure_callback=dag_failure_callback,
    doc_md=__doc__,
)
def monitor_returns() -> None:
    @task(multiple_outputs=False)
    def check() -> dict:
        from msdw.config import from_context
        from msdw.monitor import MonitorPolicy, monitor
        from msdw.warehouse import Warehouse

        warehouse = Warehouse.at(from_context(get_current_context()).warehouse)
        return monitor(warehouse, policy=MonitorPolicy.from_env()).as_dict()

    @task(multiple_outputs=False)
    def notify(report: dict) -> dict:
        from msdw.alerts import AlertConfig, send_alert
        from msdw.monitor import MonitorPolicy, MonitorReport

        alert = MonitorReport.from_dict(report).alert(MonitorPolicy.from_env().listed)
        if alert is None:
            return {"alerted": [], "findings": 0}
        return {"alerted": send_alert(alert, AlertConfig.from_env()), "findings": len(report["findings"])}

    notify(check())


monitor_returns()
