"""A warehouse linked once for the linkage tests (training the model takes a few seconds)."""

from __future__ import annotations

import pytest

from msdw.linkage import link_persons
from msdw.warehouse import Warehouse
from tests.unit.linkage.cases import all_records
from tests.unit.linkage.rawzone import write_raw


@pytest.fixture(scope="session")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    warehouse = Warehouse.at(tmp_path_factory.mktemp("linked"))
    write_raw(warehouse, all_records())
    link_persons(warehouse)
    return warehouse
