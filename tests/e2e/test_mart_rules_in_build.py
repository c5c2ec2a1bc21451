"""The marts' codes are tested against the seeds by dbt inside `build_warehouse`, as deployed.

In a copy of the project, one code the fixture returns use (age group ADULT) is taken out of the seed of code lists;
`msdw run` runs the real DAGs, and the build stops at the dbt test task, naming the test of the code list, before
anything is published. Cost: one `msdw run` of the fixture inbox, about 60 s on the shared 2-core machine.
"""

from __future__ import annotations

import pytest

from msdw.warehouse import Warehouse
from tests.e2e.project_copy import copy_project, run_python
from tests.fixtures import inbox as fx


@pytest.fixture(scope="module")
def blocked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, str]:
    root = tmp_path_factory.mktemp("rules")
    project = copy_project(root / "project")
    seed = project / "seeds" / "code_lists.csv"
    rows = seed.read_text(encoding="utf-8").splitlines()
    assert "age_group,ADULT" in rows
    seed.write_text("\n".join(row for row in rows if row != "age_group,ADULT") + "\n", encoding="utf-8")
    inbox = root / "inbox"
    fx.write_inbox(inbox, with_bad=False)
    warehouse = Warehouse.at(root / "warehouse")
    run = run_python(project, "-m", "msdw.cli", "run", "--inbox", str(inbox), "--warehouse", str(warehouse.root))
    return warehouse, run.stdout + run.stderr, run.returncode


def test_a_code_outside_its_list_stops_the_build_at_dbts_tests(blocked) -> None:
    warehouse, output, returncode = blocked
    assert returncode != 0, output[-3000:]
    assert "dbt.dbt_project_test" in output, output[-3000:]
    assert not warehouse.marts.exists()


def test_the_failing_tests_are_named_with_the_errors(blocked) -> None:
    _, output, _ = blocked
    for test in ("in_code_list_fct_victims_age_group", "in_code_list_fct_victim_identifications_age_group"):
        assert f"Failure in test {test}" in output, output[-3000:]
    assert "failed tasks dbt.dbt_project_test, publish (their errors are printed above)" in output
