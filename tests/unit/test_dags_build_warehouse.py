"""The build_warehouse DAG: `link`, then `prepare` builds everything below the marts, a task per mart, one for the
tests."""

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


def _below_marts(node: dict) -> bool:
    return node["resource_type"] == "seed" or node["path"].startswith(("staging/", "intermediate/"))


def test_a_task_per_mart_then_one_test_task(dag: object) -> None:
    nodes = _manifest_nodes()
    marts = {n["name"] for n in nodes if n["resource_type"] == "model" and n["path"].startswith("marts/")}
    assert marts
    tasks = _dbt_tasks(dag)
    assert set(tasks) == marts | {"dbt_project"}
    assert all(type(t).__name__ != "EmptyOperator" for t in tasks.values())


def test_link_then_prepare_then_the_task_group_then_publish(dag: object) -> None:
    link, prepare, publish = (dag.get_task(t) for t in ("link", "prepare", "publish"))  # type: ignore[attr-defined]
    assert link.upstream_task_ids == set()
    assert prepare.upstream_task_ids == {"link"}
    downstream = {t.task_id for t in prepare.get_flat_relatives(upstream=False)}
    assert {t.task_id for t in _dbt_tasks(dag).values()} | {"publish"} <= downstream
    assert "dbt.dbt_project_test" in publish.upstream_task_ids


def _dbt_ls(tmp_path: Path, *selection: str) -> set[str]:
    from dbt.cli.main import dbtRunner

    from msdw.transform import PROJECT_DIR

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
            *selection,
        ]
    )
    assert result.success, result.exception
    return set(result.result)


def test_prepare_selection_builds_everything_below_the_marts(tmp_path: Path) -> None:
    """dbt's own selector, given `prepare`'s selection, picks every seed, staging and intermediate model and no
    mart."""
    from msdw.transform import PREPARED_FLAGS, PREPARED_SELECTION

    listed = _dbt_ls(tmp_path, "--select", *PREPARED_SELECTION, *PREPARED_FLAGS)
    nodes = _manifest_nodes()
    wanted = {n["name"] for n in nodes if _below_marts(n)}
    built = {n["name"] for n in nodes if n["resource_type"] in ("seed", "model")} & listed
    assert built == wanted
    # the tests it runs read nothing but what it builds (cautious selection): a test of a seed and a mart is left
    # to the task group's test task
    by_id = {n["unique_id"]: n for n in nodes}
    tests = [n for n in nodes if n["resource_type"] == "test" and n["name"] in listed]
    assert tests  # the seeds' tests at least
    for test in tests:
        parents = [by_id[p]["name"] for p in test["depends_on"]["nodes"] if p in by_id]
        assert set(parents) <= wanted, test["name"]


def test_every_data_test_runs_once_in_prepare_or_in_the_test_task(dag: object, tmp_path: Path) -> None:
    from msdw.transform import PREPARED_FLAGS, PREPARED_SELECTION

    test_task = _dbt_tasks(dag)["dbt_project"]
    assert set(test_task.exclude.split()) == set(PREPARED_SELECTION)
    tests = {n["name"] for n in _manifest_nodes() if n["resource_type"] == "test"}
    in_prepare = _dbt_ls(tmp_path, "--select", *PREPARED_SELECTION, *PREPARED_FLAGS) & tests
    # as the task runs them: with its indirect selection, which keeps the tests of a mart against a seed
    selection = ("--indirect-selection", test_task.indirect_selection) if test_task.indirect_selection else ()
    in_test_task = _dbt_ls(tmp_path, "--resource-type", "test", "--exclude", *test_task.exclude.split(), *selection)
    assert in_prepare and in_test_task
    assert in_prepare | in_test_task == tests
    assert not in_prepare & in_test_task


def test_the_marts_codes_are_tested_against_the_seeds_in_the_test_task(dag: object, tmp_path: Path) -> None:
    """A mart's codes are tested against their reference seed (``relationships``, ``in_code_list``): those tests
    read a seed, which `prepare` builds, and a mart, so only the test task can run them, and it does."""
    test_task = _dbt_tasks(dag)["dbt_project"]
    nodes = _manifest_nodes()
    by_id = {n["unique_id"]: n for n in nodes}
    across = set()
    for node in (n for n in nodes if n["resource_type"] == "test"):
        parents = [by_id[p] for p in node["depends_on"]["nodes"] if p in by_id]
        if any(_below_marts(p) for p in parents) and not all(_below_marts(p) for p in parents):
            across.add(node["name"])
    assert any(name.startswith("in_code_list_fct_victims_gender") for name in across), sorted(across)
    assert any(name.startswith("relationships_fct_victims_exploitation_type") for name in across), sorted(across)
    listed = _dbt_ls(
        tmp_path,
        "--resource-type",
        "test",
        "--exclude",
        *test_task.exclude.split(),
        "--indirect-selection",
        test_task.indirect_selection,
    )
    assert across <= listed


def test_every_dbt_task_skips_unread_artefacts(dag: object) -> None:
    dbt_tasks = list(_dbt_tasks(dag).values())
    assert dbt_tasks
    for task in dbt_tasks:
        flags = task.dbt_cmd_global_flags
        assert {"--no-write-json", "--no-populate-cache"} <= set(flags), task.task_id
        assert flags[flags.index("--log-level-file") + 1] == "none", task.task_id
        assert task.install_deps is False, task.task_id
