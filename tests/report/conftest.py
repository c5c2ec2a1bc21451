from __future__ import annotations

from pathlib import Path

import pytest

from msdw.report import render_report
from tests.report.marts_fixture import build_marts


@pytest.fixture(scope="session")
def marts_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made marts.duckdb of marts_fixture, built once."""
    return build_marts(tmp_path_factory.mktemp("published") / "marts.duckdb")


@pytest.fixture(scope="session")
def report_page(marts_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report rendered once from the fixture marts."""
    return render_report(marts_db, tmp_path_factory.mktemp("warehouse") / "report")
