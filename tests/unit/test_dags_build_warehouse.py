"""The build_warehouse DAG: one Airflow task per dbt seed and model, one for the tests, each with the lean flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dag() -> object:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags" / "build_warehouse.py"))
    assert bag.import_errors == {}
    return bag.dags["build_warehouse"]


def test_one_task_per_seed_and_model_then_one_test_task(dag: object) -> None:
    from msdw.transform import ensure_manifest

    nodes = json.loads(ensure_manifest().read_text())["nodes"].values()
    expected = {n["name"] for n in nodes if n["resource_type"] in ("seed", "model") and n["package_name"] == "msdw"}
    dbt_tasks = [t for t in dag.tasks if t.task_id.startswith("dbt.")]  # type: ignore[attr-defined]
    names = {t.task_id.removeprefix("dbt.").rsplit("_", 1)[0] for t in dbt_tasks}
    assert names == expected | {"dbt_project"}
    assert len(dbt_tasks) == len(expected) + 1


def test_every_dbt_task_skips_unread_artefacts(dag: object) -> None:
    dbt_tasks = [t for t in dag.tasks if t.task_id.startswith("dbt.")]  # type: ignore[attr-defined]
    assert dbt_tasks
    for task in dbt_tasks:
        flags = task.dbt_cmd_global_flags
        assert {"--no-write-json", "--no-populate-cache"} <= set(flags), task.task_id
        assert flags[flags.index("--log-level-file") + 1] == "none", task.task_id
        assert task.install_deps is False, task.task_id
