"""Where a ``msdw run``'s time outside task code goes, from Airflow's own records of it: the start and end of each DAG
run and task instance in the warehouse's Airflow metadata database (``<warehouse>/airflow/airflow.db``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any


def _at(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _span(start: dt.datetime | None, end: dt.datetime | None) -> float:
    return (end - start).total_seconds() if start and end else 0.0


def runs_since(db: Path, since: dt.datetime) -> dict[str, Any]:
    """The DAG runs started at or after ``since`` and their task instances: how many, and their seconds added up."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
        runs = [
            (dag_id, run_id, _at(start), _at(end))
            for dag_id, run_id, start, end in con.execute("select dag_id, run_id, start_date, end_date from dag_run")
        ]
        runs = [r for r in runs if r[2] is not None and r[2] >= since]
        tasks = []
        for dag_id, run_id, _, _ in runs:
            tasks += con.execute(
                "select start_date, end_date from task_instance where dag_id = ? and run_id = ?", (dag_id, run_id)
            ).fetchall()
    return {
        "dag_runs": len(runs),
        "dag_run_s": round(sum(_span(start, end) for _, _, start, end in runs), 3),
        "task_instances": len(tasks),
        "task_instance_s": round(sum(_span(_at(start), _at(end)) for start, end in tasks), 3),
    }


def outside_task_code(run_s: float, task_code_s: float, dbt_import_s: float, airflow: dict[str, Any]) -> dict[str, Any]:
    """Split the run's time outside task code by where Airflow says it was spent.

    ``dbt_import_s`` is the task code done outside any task instance (dbt's imports before the build DAG).
    """
    in_tasks_code = task_code_s - dbt_import_s
    return {
        "total_s": round(run_s - task_code_s, 3),
        # imports, parsing the DAG files, settling the heap, reading the return values
        "outside_dag_runs_s": round(run_s - airflow["dag_run_s"] - dbt_import_s, 3),
        # dag.test's set-up of each run (serialising the DAG, syncing the DAG files, creating the run), its scheduling
        # loop between tasks, closing the run
        "in_dag_runs_between_tasks_s": round(airflow["dag_run_s"] - airflow["task_instance_s"], 3),
        # the task runner and its Execution API calls (start, rendered fields, XCom, state), Cosmos around dbt
        "in_task_instances_s": round(airflow["task_instance_s"] - in_tasks_code, 3),
        "per_task_instance_s": round(
            (airflow["task_instance_s"] - in_tasks_code) / max(airflow["task_instances"], 1), 4
        ),
    }
