"""Every SQL example in docs/analyst-guide.md runs against the fixture marts and returns the known answer."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "analyst-guide.md"
SQL_BLOCK = re.compile(r"^```sql name=([\w-]+)\n(.*?)^```$", re.DOTALL | re.MULTILINE)
REASON = "Workers: worker_ref is required (row 4): fix the row and send the workbook again"

EXPECTED: dict[str, list[tuple]] = {
    "monthly-headlines": [
        ("2019-01-01", 3, 3, 2, 0),
        ("2019-02-01", 3, 1, 3, 1),
        ("2019-03-01", 3, 3, 1, 0),
    ],
    "persons-and-records": [(9, 6, 3)],
    "agencies-in-common": [("BORDER_FORCE", "POLICE", 1), ("GLAA", "POLICE", 1)],
    "crime-recording-by-force": [("Metropolitan Police", 3, 2, 0.667), ("Kent", 1, 0, 0.0)],
    "live-operations-latest-month": [("Metropolitan Police", 2)],
    "conviction-rate-by-year": [(2019, 3, 1, 0.333)],
    "children-by-exploitation": [("CRIMINAL", 2), ("SEXUAL", 1)],
    "returns-needing-attention": [
        ("2019-01-01", "cps", "CPS", "main", "MISSING", None),
        ("2019-01-01", "glaa", "GLAA", "main", "QUARANTINED", REASON),
        ("2019-02-01", "police", "E23000002", "operations", "MISSING", None),
        ("2019-02-01", "police", "E23000002", "victims", "MISSING", None),
        ("2019-02-01", "police", "E23000032", "victims", "LATE", None),
        ("2019-03-01", "police", "E23000002", "operations", "LATE", None),
    ],
    "nationalities-in-a-year": [
        ("Albania", 2, 0),
        ("United Kingdom", 2, 1),
        ("Unknown", 1, 0),
        ("Viet Nam", 1, 0),
    ],
    "financial-year-by-agency": [
        ("2018/19", "BORDER_FORCE", 2, 2),
        ("2018/19", "CPS", 0, 0),
        ("2018/19", "GLAA", 2, 1),
        ("2018/19", "POLICE", 5, 4),
    ],
}


def guide_queries() -> dict[str, str]:
    blocks = SQL_BLOCK.findall(GUIDE.read_text(encoding="utf-8"))
    names = [name for name, _ in blocks]
    assert len(names) == len(set(names)), f"two SQL examples share a name: {names}"
    return dict(blocks)


def _plain(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


@pytest.fixture(scope="module")
def con(marts_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with contextlib.closing(duckdb.connect(os.fspath(marts_db), read_only=True)) as connection:
        yield connection


def test_the_guide_has_ten_named_sql_examples_each_with_a_known_answer() -> None:
    assert len(guide_queries()) == 10
    assert set(guide_queries()) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sql_example_returns_the_known_answer(con: duckdb.DuckDBPyConnection, name: str) -> None:
    sql = guide_queries()[name]
    rows = [tuple(_plain(v) for v in row) for row in con.execute(sql).fetchall()]
    expected = EXPECTED[name]
    assert len(rows) == len(expected), f"{name}: {rows}"
    for got, want in zip(rows, expected, strict=True):
        assert len(got) == len(want), f"{name}: {rows}"
        for value, wanted in zip(got, want, strict=True):
            if isinstance(wanted, float):
                assert value == pytest.approx(wanted, abs=5e-4), f"{name}: {rows}"
            else:
                assert value == wanted, f"{name}: {rows}"
