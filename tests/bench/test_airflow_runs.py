"""bench.airflow_runs: the time outside task code split by Airflow's records of the run's DAG runs and tasks."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from bench.airflow_runs import outside_task_code, runs_since

SINCE = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def airflow_db(tmp_path: Path) -> Path:
    """Two DAG runs of this run (10 s and 4 s; tasks of 3, 5 and 2 s) and one of an earlier run, as Airflow's SQLite
    metadata database stores them (naive UTC text)."""
    db = tmp_path / "airflow.db"
    with contextlib.closing(sqlite3.connect(db)) as con:
        con.execute("create table dag_run (dag_id text, run_id text, start_date text, end_date text)")
        con.execute(
            "create table task_instance (dag_id text, run_id text, task_id text, start_date text, end_date text)"
        )
        con.executemany(
            "insert into dag_run values (?, ?, ?, ?)",
            [
                ("ingest_police", "old", "2026-01-01 11:00:00.000000", "2026-01-01 11:30:00.000000"),
                ("ingest_police", "new", "2026-01-01 12:00:01.000000", "2026-01-01 12:00:11.000000"),
                ("build_warehouse", "new", "2026-01-01 12:00:12.500000", "2026-01-01 12:00:16.500000"),
            ],
        )
        con.executemany(
            "insert into task_instance values (?, ?, ?, ?, ?)",
            [
                ("ingest_police", "old", "load", "2026-01-01 11:00:00", "2026-01-01 11:29:00"),
                ("ingest_police", "new", "land", "2026-01-01 12:00:02", "2026-01-01 12:00:05"),
                ("ingest_police", "new", "load", "2026-01-01 12:00:05.5", "2026-01-01 12:00:10.5"),
                ("build_warehouse", "new", "link", "2026-01-01 12:00:13", "2026-01-01 12:00:15"),
                ("build_warehouse", "new", "publish", None, None),  # never started
            ],
        )
        con.commit()
    return db


def test_only_the_runs_since_the_start_are_counted(airflow_db: Path) -> None:
    assert runs_since(airflow_db, SINCE) == {
        "dag_runs": 2,
        "dag_run_s": 14.0,
        "task_instances": 4,
        "task_instance_s": 10.0,
    }


def test_time_outside_task_code_is_split_by_where_airflow_spent_it(airflow_db: Path) -> None:
    split = outside_task_code(run_s=20.0, task_code_s=8.5, dbt_import_s=0.5, airflow=runs_since(airflow_db, SINCE))
    assert split == {
        "total_s": 11.5,
        "outside_dag_runs_s": 5.5,  # 20 s run - 14 s in DAG runs - 0.5 s of task code before the build DAG
        "in_dag_runs_between_tasks_s": 4.0,
        "in_task_instances_s": 2.0,  # 10 s of task instances - 8 s of task code in them
        "per_task_instance_s": 0.5,
    }
    assert split["outside_dag_runs_s"] + split["in_dag_runs_between_tasks_s"] + split["in_task_instances_s"] == (
        pytest.approx(split["total_s"])
    )
