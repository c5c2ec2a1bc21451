"""The build_warehouse DAG: `prepare` builds the seeds and staging views, a task per other model, one for the tests."""

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


def _manifest_nodes() -> list[dict]:
    from msdw.transform import ensure_manifest

    nodes = json.loads(ensure_manifest().read_text())["nodes"].values()
    return [n for n in nodes if n["package_name"] == "msdw"]


def _dbt_tasks(dag: object) -> dict[str, object]:
    return {
        t.task_id.removeprefix("dbt.").rsplit("_", 1)[0]: t
        for t in dag.tasks  # type: ignore[attr-defined]
        if t.task_id.startswith("dbt.")
    }


def test_a_task_per_seed_and_model_but_staging_then_one_test_task(dag: object) -> None:
    nodes = _manifest_nodes()
    expected = {n["name"] for n in nodes if n["resource_type"] == "seed"} | {
        n["name"] for n in nodes if n["resource_type"] == "model" and not n["path"].startswith("staging/")
    }
    tasks = _dbt_tasks(dag)
    assert set(tasks) == expected | {"dbt_project"}
    assert not any(name.startswith("stg_") for name in tasks)


def test_seeds_are_placeholders_and_prepare_builds_them_with_the_staging_views(dag: object) -> None:
    """`prepare` loads the seeds and creates the staging views in one dbt build; their tasks run nothing."""
    seeds = {n["name"] for n in _manifest_nodes() if n["resource_type"] == "seed"}
    for name, task in _dbt_tasks(dag).items():
        assert (type(task).__name__ == "EmptyOperator") == (name in seeds), name
    prepare = dag.get_task("prepare")  # type: ignore[attr-defined]
    downstream = {t.task_id for t in prepare.get_flat_relatives(upstream=False)}
    assert {t.task_id for t in _dbt_tasks(dag).values()} <= downstream


def test_prepare_selection_builds_exactly_the_seeds_and_staging_views(tmp_path: Path) -> None:
    """dbt's own selector, given `prepare`'s selection, picks every seed and staging model and nothing else."""
    from dbt.cli.main import dbtRunner

    from msdw.transform import PREPARED_FLAGS, PREPARED_SELECTION, PROJECT_DIR

    result = dbtRunner().invoke(
        [
            "ls",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            "--quiet",
            "--output",
            "name",
            "--select",
            *PREPARED_SELECTION,
            *PREPARED_FLAGS,
        ]
    )
    assert result.success, result.exception
    nodes = _manifest_nodes()
    wanted = {n["name"] for n in nodes if n["resource_type"] == "seed" or n["path"].startswith("staging/")}
    built = {n["name"] for n in nodes if n["resource_type"] in ("seed", "model")} & set(result.result)
    assert built == wanted
    # the tests it runs read nothing but what it builds (cautious selection): a test of a seed and a model built
    # later is left to the task group's test task
    by_id = {n["unique_id"]: n for n in nodes}
    tests = [n for n in nodes if n["resource_type"] == "test" and n["name"] in set(result.result)]
    assert tests  # the seeds' tests at least
    for test in tests:
        parents = [by_id[p]["name"] for p in test["depends_on"]["nodes"] if p in by_id]
        assert set(parents) <= wanted, test["name"]


def test_every_dbt_task_skips_unread_artefacts(dag: object) -> None:
    dbt_tasks = [t for t in _dbt_tasks(dag).values() if type(t).__name__ != "EmptyOperator"]
    assert dbt_tasks
    for task in dbt_tasks:
        flags = task.dbt_cmd_global_flags
        assert {"--no-write-json", "--no-populate-cache"} <= set(flags), task.task_id
        assert flags[flags.index("--log-level-file") + 1] == "none", task.task_id
        assert task.install_deps is False, task.task_id
