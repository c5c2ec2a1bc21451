"""The mart gate refuses the implausible: marts with no accepted return, and months that lost rows though their returns
did not change."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import duckdb
import pytest

from msdw.plausibility import implausible, month_profile

TABLES = ("mart_return_status", "fct_victim_identifications", "dim_force")


def marts(path: Path, statuses: list[tuple[str, str, str | None]], identifications: dict[str, int]) -> Path:
    """A marts file: (month, status, accepted sha) rows of mart_return_status, identifications per month."""
    path.unlink(missing_ok=True)
    with contextlib.closing(duckdb.connect(os.fspath(path))) as con:
        con.execute(
            "create table mart_return_status (month date, source varchar, submitter varchar, part varchar, "
            "status varchar, accepted_sha256 varchar)"
        )
        for month, status, sha in statuses:
            con.execute(
                "insert into mart_return_status values (?, 'cps', 'CPS', 'defendants', ?, ?)",
                [f"{month}-01", status, sha],
            )
        con.execute("create table fct_victim_identifications (identification_id varchar, month date)")
        for month, count in identifications.items():
            con.execute(
                "insert into fct_victim_identifications select 'id-' || i, cast(? as date) from range(?) t(i)",
                [f"{month}-01", count],
            )
        con.execute("create table dim_force (force_code varchar)")
    return path


def record(path: Path) -> dict:
    return {"published_at": "2019-03-01T00:00:00+00:00", "months": month_profile(path, TABLES)}


def test_no_accepted_return_is_implausible(tmp_path: Path) -> None:
    empty = marts(tmp_path / "m.duckdb", [], {})
    assert "no return has been accepted" in implausible(empty, TABLES, None)[0]
    missing = marts(tmp_path / "m.duckdb", [("2019-01", "MISSING", None), ("2019-02", "QUARANTINED", None)], {})
    failures = implausible(missing, TABLES, None)
    assert len(failures) == 1 and "MSDW_WAREHOUSE" in failures[0]
    late = marts(tmp_path / "m.duckdb", [("2019-01", "LATE", "abc")], {"2019-01": 1})
    assert implausible(late, TABLES, None) == []


def test_the_profile_counts_rows_of_month_grained_tables_only(tmp_path: Path) -> None:
    path = marts(tmp_path / "m.duckdb", [("2019-01", "ACCEPTED", "a")], {"2019-01": 3, "2019-02": 2})
    profile = month_profile(path, TABLES)
    assert profile["2019-01"]["rows"] == {"fct_victim_identifications": 3, "mart_return_status": 1}
    assert profile["2019-02"] == {"returns": None, "rows": {"fct_victim_identifications": 2}}
    assert (
        profile["2019-01"]["returns"]
        != month_profile(marts(tmp_path / "n.duckdb", [("2019-01", "ACCEPTED", "b")], {}), TABLES)["2019-01"]["returns"]
    )


def test_rows_lost_for_a_month_whose_returns_did_not_change_block(tmp_path: Path) -> None:
    statuses = [("2019-01", "ACCEPTED", "a"), ("2019-02", "ACCEPTED", "b")]
    before = record(marts(tmp_path / "before.duckdb", statuses, {"2019-01": 5, "2019-02": 4}))
    same = marts(tmp_path / "same.duckdb", statuses, {"2019-01": 5, "2019-02": 4})
    assert implausible(same, TABLES, before) == []
    more = marts(tmp_path / "more.duckdb", [*statuses, ("2019-03", "ACCEPTED", "c")], {"2019-01": 6, "2019-03": 1})
    failures = implausible(more, TABLES, before)
    assert len(failures) == 1
    assert failures[0].startswith("fct_victim_identifications: 2019-02 has 0 rows, 4 at the last publish")
    revised = [("2019-01", "ACCEPTED", "a"), ("2019-02", "ACCEPTED", "b2")]  # a revision may remove rows
    assert implausible(marts(tmp_path / "rev.duckdb", revised, {"2019-01": 5, "2019-02": 1}), TABLES, before) == []
    blocked_before = {"months": before["months"]}  # never published: nothing to compare with
    assert implausible(marts(tmp_path / "x.duckdb", statuses, {"2019-01": 1}), TABLES, blocked_before) == []


def test_the_gate_reads_the_month_profile_once_and_hands_it_to_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default mart gate profiles the candidate once; the plausibility checks and publish.json use that profile."""
    from msdw import plausibility, publish
    from msdw.quality import mart_gate
    from msdw.warehouse import Warehouse

    statuses = [("2019-01", "ACCEPTED", "a")]
    previous = record(marts(tmp_path / "before.duckdb", statuses, {"2019-01": 2}))
    candidate = marts(tmp_path / "now.duckdb", statuses, {"2019-01": 1})
    warehouse = Warehouse.at(tmp_path / "wh").ensure()
    monkeypatch.setattr(publish, "read_publish_record", lambda _wh: previous)
    monkeypatch.setattr(mart_gate, "check_marts", lambda *_a, **_k: mart_gate.GateResult(True, [], None))
    calls = []
    real = plausibility.month_profile

    def counted(path: Path, tables: tuple[str, ...]) -> dict:
        calls.append(path)
        return real(path, tables)

    monkeypatch.setattr(plausibility, "month_profile", counted)
    monkeypatch.setattr(publish, "month_profile", counted)
    outcome = publish._default_gate(candidate, warehouse)
    assert calls == [candidate]
    assert outcome.months == real(candidate, publish.PUBLISHED_TABLES)
    assert not outcome.passed
    assert outcome.failures[0].startswith("fct_victim_identifications: 2019-01 has 1 rows, 2 at the last publish")
