"""Bad returns are quarantined or rejected with reasons naming file, row and column; good ones beside them are
accepted exactly as in a run without the bad ones."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from msdw.ingest import ingest_source
from msdw.landing import Inbox, land
from msdw.ledger import Ledger
from msdw.sources import SOURCES
from msdw.warehouse import Warehouse
from tests.fixtures import bad_returns
from tests.fixtures import inbox as fx

CASES = bad_returns.corpus()


def ingest(inbox: Path, warehouse: Warehouse) -> None:
    for source in SOURCES:
        land(Inbox(inbox), warehouse, source.name, "run", reject_strays=True)
        ingest_source(source, warehouse)


def raw_contents(warehouse: Warehouse) -> dict[str, list]:
    con = duckdb.connect()
    found = {}
    for folder in sorted(p for p in warehouse.raw.iterdir() if p.is_dir() and p.name != "_ledger"):
        found[folder.name] = con.execute(
            f"select * exclude (_received_at, _version) from read_parquet('{folder}/*/*.parquet') order by all"
        ).fetchall()
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, Warehouse]]:
    root = tmp_path_factory.mktemp("bad")
    os.environ["MSDW_PSEUDONYM_KEY"] = "one-key-for-both-runs-0123456789abcdef"
    clean_inbox, mixed_inbox = root / "clean", root / "mixed"
    fx.write_inbox(clean_inbox, with_bad=False)
    fx.write_inbox(mixed_inbox, with_bad=False)
    bad_returns.write_corpus(mixed_inbox, CASES)
    clean, mixed = Warehouse.at(root / "wh-clean").ensure(), Warehouse.at(root / "wh-mixed").ensure()
    ingest(clean_inbox, clean)
    ingest(mixed_inbox, mixed)
    del os.environ["MSDW_PSEUDONYM_KEY"]
    yield clean, mixed


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert len({c.path for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.path[-60:] for c in CASES])
def test_each_bad_return_is_stopped_with_its_reason(runs, case: bad_returns.Bad) -> None:
    _, mixed = runs
    with Ledger(mixed.ledger_db).connect(read_only=True) as con:
        if case.outcome == "REJECTED":
            rows = con.execute("select reason from sightings where path = ? and outcome = 'REJECTED'", [case.path])
            (reason,) = rows.fetchall()[0]
            assert case.words in reason
            return
        status, errors = con.execute(
            "select status, errors from versions where original_path = ?", [case.path]
        ).fetchall()[0]
    assert status == "QUARANTINED"
    reasons = json.loads(errors)
    text = "\n".join(reasons)
    assert case.words in text, text[:2000]
    assert all(r.startswith(case.path) for r in reasons), reasons[:3]
    if case.column:
        assert f"column {case.column}" in text, text[:2000]
    if case.row:
        assert f"row {case.row}" in text, text[:2000]


def test_good_returns_load_exactly_as_without_the_bad_ones(runs) -> None:
    clean, mixed = runs
    assert raw_contents(mixed) == raw_contents(clean)
    with Ledger(mixed.ledger_db).connect(read_only=True) as con:
        accepted = con.execute("select count(*) from versions where status = 'ACCEPTED'").fetchall()[0][0]
    assert accepted == 7


def statuses(warehouse: Warehouse) -> list[tuple]:
    with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
        return con.execute("select original_path, version, status, errors from versions order by all").fetchall()


def test_batches_of_one_return_give_the_same_outcome(runs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checks across returns (refs unique within a submitter, operations dropped) hold across batch boundaries."""
    import msdw.ingest

    monkeypatch.setenv("MSDW_PSEUDONYM_KEY", "one-key-for-both-runs-0123456789abcdef")
    monkeypatch.setattr(msdw.ingest, "BATCH_BYTES", 1)
    inbox = tmp_path / "mixed"
    fx.write_inbox(inbox, with_bad=False)
    bad_returns.write_corpus(inbox, CASES)
    one_by_one = Warehouse.at(tmp_path / "wh").ensure()
    ingest(inbox, one_by_one)
    _, mixed = runs
    assert raw_contents(one_by_one) == raw_contents(mixed)
    assert statuses(one_by_one) == statuses(mixed)


@pytest.fixture(scope="module")
def built(runs) -> tuple[Warehouse, Warehouse]:
    """Both runs built by dbt (about 40 s)."""
    from msdw.transform import build_warehouse

    for warehouse in runs:
        build_warehouse(warehouse)
    return runs


def test_published_figures_equal_a_run_without_the_bad_files(built) -> None:
    """Every figure is the same with and without the bad files. The return status and the submitters' data quality
    differ by design (the bad returns appear there, quarantined), and months and forces seen only in bad returns add
    calendar rows and all-zero rows to the month-by-agency and month-by-force grids."""
    from msdw.publish import PUBLISHED_TABLES

    figures = []
    for warehouse in built:
        with duckdb.connect(str(warehouse.build_db), read_only=True) as con:
            figures.append(
                {
                    t: con.execute(f"select * from main.{t} order by all").fetchall()
                    for t in PUBLISHED_TABLES
                    if t not in ("mart_return_status", "mart_submitter_quality", "dim_month")
                }
            )
        for grid in ("mart_monthly_summary", "mart_crime_recording"):  # month x submitter grids: drop empty cells
            figures[-1][grid] = [r for r in figures[-1][grid] if any(r[2:])]
    assert figures[0]["fct_victim_identifications"]
    assert figures[0] == figures[1]


def test_a_code_that_is_no_force_is_quarantined_where_sent_and_never_missing(built) -> None:
    """``police/2018-05/X-NOPE.csv`` names no force: its return is QUARANTINED in that month and part, and the code
    is expected nowhere else. ``msdw status`` (the ledger) and ``mart_return_status`` (dbt) say the same for every
    return of the run with every bad file."""
    from msdw.status import return_status

    _, mixed = built
    from_ledger = sorted((f"{r[0]:%Y-%m}", r[1], r[2], r[3], r[4]) for r in return_status(mixed))
    with duckdb.connect(str(mixed.build_db), read_only=True) as con:
        from_dbt = sorted(
            (f"{m:%Y-%m}", *rest)
            for m, *rest in con.execute(
                "select month, source, submitter, part, status from main.mart_return_status"
            ).fetchall()
        )
    stray = [r for r in from_ledger if r[2] == "X-NOPE"]
    assert stray == [("2018-05", "police", "X-NOPE", "operations", "QUARANTINED")]
    assert {r[4] for r in from_ledger} == {"ACCEPTED", "LATE", "QUARANTINED", "MISSING"}
    assert from_ledger == from_dbt


# --- receipts of the same run (msdw.receipts): about 4 s more ---------------------------------------------------------


@pytest.fixture(scope="module")
def receipts(runs) -> dict[str, dict]:
    """Every receipt written for the mixed run, by its path under receipts/."""
    from msdw.receipts import receipts_root, write_receipts

    _, mixed = runs
    write_receipts(mixed, send=False)
    root = receipts_root(mixed)
    return {p.relative_to(root).as_posix(): json.loads(p.read_text(encoding="utf-8")) for p in root.rglob("*.json")}


def _receipt_of(receipts: dict[str, dict], path: str) -> dict:
    (found,) = [r for r in receipts.values() if r.get("kind") == "receipt" and r["original_path"] == path]
    return found


@pytest.mark.parametrize("case", CASES, ids=[c.path[-60:] for c in CASES])
def test_each_bad_return_has_a_receipt_naming_its_row_and_column(receipts, case: bad_returns.Bad) -> None:
    if case.outcome == "REJECTED":
        (rejection,) = [
            r for r in receipts.values() if r.get("kind") == "rejection" and r["original_path"] == case.path
        ]
        assert rejection["status"] == "REJECTED" and case.words in rejection["reason"] and rejection["fix"]
        return
    receipt = _receipt_of(receipts, case.path)
    assert receipt["status"] == "QUARANTINED" and receipt["rows"] == 0
    problems = receipt["problems"]
    assert problems and all(p["rule"] and p["message"] and p["fix"] for p in problems)
    assert any(case.words in p["message"] or case.words == p["column"] for p in problems), problems[:3]
    if case.column:
        assert case.column in {p["column"] for p in problems}, problems[:3]
    if case.row:
        assert case.row in {p["row"] for p in problems}, problems[:3]


def test_no_receipt_quotes_a_name_or_date_of_birth(runs, receipts) -> None:
    from msdw.receipts import receipts_root

    _, mixed = runs
    personal = [*fx.NAMES, *fx.DATES_OF_BIRTH, "Anna"]  # "Anna" is the bad corpus's victims' given name
    files = list(receipts_root(mixed).rglob("*.*"))
    assert len(files) == 2 * len(receipts)  # a JSON and its HTML twin
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not [value for value in personal if value in text], path


def test_good_returns_have_accepted_receipts(receipts) -> None:
    good = [r for r in receipts.values() if r.get("kind") == "receipt" and r["status"] != "QUARANTINED"]
    assert len(good) == 7 and {r["status"] for r in good} <= {"ACCEPTED", "LATE"}
    assert all(not r["problems"] and r["rows"] >= 0 for r in good)
    assert sum(r["status"] == "ACCEPTED" for r in good) >= 6


def test_a_code_that_is_no_force_gets_no_reminder(receipts) -> None:
    """The quarantined ``X-NOPE`` return has its receipt, but no month asks ``X-NOPE`` for a missing return; real
    forces that sent nothing in a month are reminded."""
    reminders = [path for path in receipts if path.endswith("__missing.json")]
    assert reminders
    assert not [path for path in reminders if path.startswith("X-NOPE/")]
    assert _receipt_of(receipts, "police/2018-05/X-NOPE.csv")["status"] == "QUARANTINED"
