"""Receipts on the small fixture inbox: one per version, written once; a revision and a MISSING return each get their
own, once; the HTML twin says the same. (About 10 s: two small ingests.)"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from msdw.ingest import ingest_source
from msdw.landing import Inbox, land
from msdw.ledger import Ledger
from msdw.receipts import receipts_root, write_receipts
from msdw.receipts.model import Notice, Receipt, problems_from
from msdw.sources import SOURCES
from msdw.status import return_status
from msdw.warehouse import Warehouse
from tests.fixtures import inbox as fx

NOW = dt.datetime(2018, 5, 1, tzinfo=dt.UTC)  # after the due dates of the fixture's February and March returns


def ingest(inbox: Path, warehouse: Warehouse, run: str) -> None:
    for source in SOURCES:
        land(Inbox(inbox), warehouse, source.name, run, reject_strays=True)
        ingest_source(source, warehouse)


def documents(root: Path) -> dict[str, float]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*.json")}


def test_receipts_once_per_version_and_notice_with_revision_and_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MSDW_PSEUDONYM_KEY", "receipts-test-key-0123456789abcdef")
    inbox = tmp_path / "inbox"
    fx.write_inbox(inbox, with_bad=False)
    held_back = inbox / "police/2018-02/E23000002_victims.csv"  # MISSING in the first run, sent late in the second
    content = held_back.read_bytes()
    held_back.unlink()
    warehouse = Warehouse.at(tmp_path / "wh").ensure()
    ingest(inbox, warehouse, "run-1")
    root = receipts_root(warehouse)

    first = write_receipts(warehouse, now=NOW, send=False)
    written = first.written.documents
    receipts = [d for d in written if isinstance(d, Receipt)]
    notices = [d for d in written if isinstance(d, Notice)]
    with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
        versions = con.execute("select original_path, version from versions").fetchall()
    assert sorted((r.original_path, r.version) for r in receipts) == sorted(versions)
    statuses = {(r[1], r[2], f"{r[0]:%Y-%m}", r[3]): r[4] for r in return_status(warehouse)}
    for receipt in receipts:
        expected = statuses[(receipt.source, receipt.submitter, receipt.month, receipt.part)]
        assert receipt.status == expected, receipt  # ACCEPTED, or LATE as the return status says
        assert not receipt.problems
    assert {r.status for r in receipts} == {"ACCEPTED", "LATE"}
    with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
        (rows,) = con.execute("select sum(rows) from versions where status = 'ACCEPTED'").fetchone()
    assert sum(r.rows for r in receipts) == rows > 0
    missing = {(s, m, f"{mo:%Y-%m}", p) for mo, s, m, p, status, *_ in return_status(warehouse) if status == "MISSING"}
    assert missing == {("police", "E23000002", "2018-02", "victims")}
    assert [(n.source, n.submitter, n.month, n.part, n.due) for n in notices] == [(*missing.pop(), "2018-03-15")]
    assert all((root / n.relpath).name.endswith("__missing.json") for n in notices)

    one = root / receipts[0].relpath
    data = json.loads(one.read_text(encoding="utf-8"))
    assert set(data) >= {"source", "submitter", "month", "part", "version", "sha256", "original_path", "received_at"}
    assert set(data) >= {"status", "rows", "problems", "warnings"}
    html = one.with_suffix(".html").read_text(encoding="utf-8")
    assert data["sha256"] in html and f">{data['status']}:" in html
    assert oct(one.stat().st_mode & 0o777) == oct(0o600)

    before = documents(root)
    assert write_receipts(warehouse, now=NOW, send=False).written.documents == []
    assert documents(root) == before  # nothing written again, nothing changed

    # a revision of one return, and a return at last for a month that was missing
    revised = inbox / "police/2018-02/E23000001.csv"
    revised.write_text(revised.read_text(encoding="utf-8").replace("MET-OP-2,ROCU", "MET-OP-2,NCA"), encoding="utf-8")
    held_back.write_bytes(content)
    late_path = held_back.relative_to(inbox).as_posix()
    resent = inbox / "police/2018-02/E23000002.csv"  # the same bytes again, saved later: a duplicate
    os.utime(resent, (fx.LATE.timestamp(), fx.LATE.timestamp()))
    ingest(inbox, warehouse, "run-2")
    second = write_receipts(warehouse, now=NOW, send=False).written.documents
    duplicate = [d for d in second if d.status == "DUPLICATE"]
    second = [d for d in second if d.status != "DUPLICATE"]
    assert sorted((d.original_path, d.version) for d in second) == [
        ("police/2018-02/E23000001.csv", 2),
        (late_path, 1),
    ]
    assert {d.relpath.name for d in second} == {"police__operations__v2.json", "police__victims__v1.json"}
    (dup,) = duplicate
    assert (dup.original_path, dup.version, dup.warnings[0].rule) == ("police/2018-02/E23000002.csv", 1, "duplicate")
    assert dup.relpath.name.startswith("police__operations__v1__duplicate__")
    assert {d.original_path: d.status for d in second}[late_path] == "LATE"  # received now, long after its due date
    after = documents(root)
    assert {k: v for k, v in after.items() if k in before} == before  # the notice and v1 stay as they were
    assert write_receipts(warehouse, now=NOW, send=False).written.documents == []

    from msdw.cli import main

    assert main(["status", "--warehouse", str(warehouse.root), "--submitter", "E23000002"]) == 0
    shown = capsys.readouterr().out
    assert "2018-02 police        victims    LATE" in shown and "notice: MISSING, was due by 2018-03-15" in shown
    assert "v1   LATE" in shown and "v1   ACCEPTED" in shown and "v1__duplicate" not in shown
    assert main(["status", "--warehouse", str(warehouse.root), "--submitter", "E99"]) == 2
    assert "known submitters are" in capsys.readouterr().out


def test_problems_name_row_and_column_and_withhold_personal_values() -> None:
    personal = frozenset({"given_name", "date_of_birth"})
    (problem,) = problems_from(["police/x.csv, row 4, column given_name: 'Zofia' is not a name"], personal)
    assert (problem.row, problem.column) == (4, "given_name")
    assert "Zofia" not in problem.message and "withheld" in problem.message
    (gx,) = problems_from(
        ["cps/c.csv, row 2, column outcome: value 'GUILTY' not in X (expect_column_values_to_be_in_set)"], personal
    )
    assert (gx.row, gx.column, gx.rule) == (2, "outcome", "expect_column_values_to_be_in_set")
    assert "'GUILTY'" in gx.message and "allowed codes" in gx.fix
    (plain,) = problems_from(["glaa/GLAA_2018-06.xlsx: not a readable .xlsx workbook"], personal)
    assert (plain.row, plain.column, plain.rule) == (None, None, "readable_file")
    (huge,) = problems_from(["p.csv, row 2, column force_code: " + "x" * 5000], personal)
    assert len(huge.message) <= 400


def test_receipts_are_private_to_the_owner(tmp_path: Path) -> None:
    from msdw.receipts.model import write_once

    notice = Notice("cps", "CPS", "2018-03", "main", "2018-04-15")
    assert write_once(tmp_path / "receipts", notice) is True
    assert write_once(tmp_path / "receipts", notice) is False
    assert oct((tmp_path / "receipts").stat().st_mode & 0o777) == oct(0o700)
    assert sorted(os.listdir(tmp_path / "receipts" / "CPS" / "2018-03")) == [
        "cps__main__missing.html",
        "cps__main__missing.json",
    ]
