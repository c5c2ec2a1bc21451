"""Landing: discovery, rejection, archive, duplicates and revisions, re-runs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from msdw.landing import Inbox, land
from msdw.ledger import Ledger
from msdw.returns import ReturnRejected, identify
from msdw.warehouse import Warehouse
from tests.fixtures import inbox as fx


@pytest.mark.parametrize(
    ("path", "identity"),
    [
        ("police/2018-02/E23000001.csv", ("police", "E23000001", "2018-02", "operations")),
        ("police/2018-02/R-NW_victims.csv", ("police", "R-NW", "2018-02", "victims")),
        ("police/2019-12/X-BTP.csv", ("police", "X-BTP", "2019-12", "operations")),
        ("glaa/GLAA_2018-02.xlsx", ("glaa", "GLAA", "2018-02", "main")),
        ("border_force/bf_referrals_2018-02.jsonl", ("border_force", "BF", "2018-02", "main")),
        ("cps/cps_msht_2018-02.csv", ("cps", "CPS", "2018-02", "main")),
    ],
)
def test_identify(path: str, identity: tuple[str, str, str, str]) -> None:
    found = identify(path).identity
    assert (found.source, found.submitter, found.month, found.part) == identity


@pytest.mark.parametrize(
    "path",
    [
        "police/2018-13/E23000001.csv",
        "police/2018-02/E23000001.xlsx",
        "police/E23000001.csv",
        "glaa/GLAA_2018-02.csv",
        "cps/cps_2018-02.csv",
        "border_force/bf_referrals_2018-2.jsonl",
        "readme.txt",
    ],
)
def test_paths_fitting_no_pattern_are_rejected(path: str) -> None:
    with pytest.raises(ReturnRejected, match="fits no return pattern"):
        identify(path)


def test_due_date() -> None:
    identity = identify("police/2018-12/E23000001.csv").identity
    assert str(identity.due) == "2019-01-16 00:00:00"


def _land_all(inbox: Path, warehouse: Warehouse, run_id: str) -> dict[str, int]:
    totals = {"new": 0, "dup": 0, "rejected": 0}
    for source in ("police", "glaa", "border_force", "cps"):
        landed = land(Inbox(inbox), warehouse, source, run_id, reject_strays=True)
        totals["new"] += landed.new_versions
        totals["dup"] += landed.duplicates
        totals["rejected"] += len(landed.rejected)
    return totals


def test_landing_archives_rejects_and_is_idempotent(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    expected = fx.write_inbox(inbox)
    warehouse = Warehouse.at(tmp_path / "wh").ensure()
    first = _land_all(inbox, warehouse, "r1")
    assert first["rejected"] == sum(1 for v in expected.values() if v == "REJECTED")
    assert first["new"] == sum(1 for v in expected.values() if v != "REJECTED")
    # Every regular file is in the archive, owner-only and read-only, with its path and received time.
    assert stat.S_IMODE(warehouse.archive.stat().st_mode) == 0o700
    archived = [p for p in warehouse.archive.rglob("*") if p.is_file() and p.suffix != ".json"]
    regular = [p for p in inbox.rglob("*") if p.is_file() and not p.is_symlink()]
    assert len(archived) == len({p.read_bytes() for p in regular})
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o400 for p in archived)
    assert "/etc/hostname" not in "".join(p.read_text() for p in warehouse.archive.rglob("*.json"))
    # Running again reads nothing new.
    assert _land_all(inbox, warehouse, "r2") == {"new": 0, "dup": 0, "rejected": 0}


def test_duplicates_and_revisions(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    fx.write_inbox(inbox, with_bad=False)
    warehouse = Warehouse.at(tmp_path / "wh").ensure()
    _land_all(inbox, warehouse, "r1")
    path = inbox / "cps/cps_msht_2018-02.csv"
    content = path.read_bytes()
    # The same bytes dropped again (new modification time): a duplicate, no new version.
    os.utime(path, (path.stat().st_mtime + 100,) * 2)
    assert _land_all(inbox, warehouse, "r2") == {"new": 0, "dup": 1, "rejected": 0}
    # A changed file for the same return: a revision, version 2.
    path.write_bytes(content.replace(b"D2,4", b"D3,4"))
    assert _land_all(inbox, warehouse, "r3")["new"] == 1
    ledger = Ledger(warehouse.ledger_db)
    with ledger.connect(read_only=True) as con:
        versions = con.execute(
            "select version, status from versions where return_key = 'cps|CPS|2018-02|main' order by version"
        ).fetchall()
    assert versions == [(1, "PENDING"), (2, "PENDING")]
    # Two forces sending byte-identical files are two returns, not duplicates of each other.
    other = inbox / "police/2018-02/E23000009_victims.csv"
    other.write_bytes((inbox / "police/2018-02/E23000002_victims.csv").read_bytes())
    assert _land_all(inbox, warehouse, "r4") == {"new": 1, "dup": 0, "rejected": 0}


def test_symlinked_source_folder_is_rejected(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere"
    real.mkdir()
    (real / "cps_msht_2018-02.csv").write_text(fx.CPS_HEADER + "\n")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "cps").symlink_to(real)
    warehouse = Warehouse.at(tmp_path / "wh").ensure()
    landed = land(Inbox(inbox), warehouse, "cps", "r1")
    assert landed.new_versions == 0 and "not a regular file" in landed.rejected[0]


def test_fsspec_memory_inbox(tmp_path: Path) -> None:
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe("/msdw-inbox/cps/cps_msht_2018-02.csv", fx.GOOD["cps/cps_msht_2018-02.csv"].encode())
    warehouse = Warehouse.at(tmp_path / "wh").ensure()
    landed = land(Inbox("memory://msdw-inbox"), warehouse, "cps", "r1")
    assert landed.new_versions == 1


def test_operations_dropped_without_closure_warn(tmp_path: Path) -> None:
    from msdw.ingest import ingest_source
    from msdw.sources import source

    inbox = tmp_path / "inbox"
    header = fx.POLICE_OPS_HEADER + "\n"
    (inbox / "police/2018-01").mkdir(parents=True)
    (inbox / "police/2018-02").mkdir(parents=True)
    (inbox / "police/2018-01/E23000002.csv").write_text(
        header + "A,E23000002,POLICE,2018-01-01,LIVE,,LABOUR,0,0,,0,0,,N,N\n"
        "B,E23000002,POLICE,2018-01-01,SUSPENDED,,LABOUR,0,0,,0,0,,N,N\n"
        "C,E23000002,POLICE,2018-01-01,CLOSED,2018-01-20,LABOUR,0,0,,0,0,,N,N\n"
    )
    (inbox / "police/2018-02/E23000002.csv").write_text(
        header + "A,E23000002,POLICE,2018-01-01,LIVE,,LABOUR,0,0,,0,0,,N,N\n"
    )
    warehouse = Warehouse.at(tmp_path / "wh").ensure()
    land(Inbox(inbox), warehouse, "police", "r1")
    result = ingest_source(source("police"), warehouse)
    assert len(result.accepted) == 2
    with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
        warnings = con.execute(
            "select warnings from versions where original_path = 'police/2018-02/E23000002.csv'"
        ).fetchall()[0][0]
    assert "1 dropped without closure" in warnings and ": B" in warnings


def test_refs_unique_across_months_of_a_submitter(tmp_path: Path) -> None:
    from msdw.ingest import ingest_source
    from msdw.sources import source

    inbox = tmp_path / "inbox"
    row = "V-1,,,,,30,F,GBR,LABOUR,{month}-03,N,,N,N,\n"
    for month in ("2018-01", "2018-02", "2018-03"):
        (inbox / f"police/{month}").mkdir(parents=True)
        (inbox / f"police/{month}/E23000002_victims.csv").write_text(fx.VICTIMS_HEADER + "\n" + row.format(month=month))
    (inbox / "police/2018-03/E23000003_victims.csv").write_text(fx.VICTIMS_HEADER + "\n" + row.format(month="2018-03"))
    warehouse = Warehouse.at(tmp_path / "wh").ensure()
    land(Inbox(inbox), warehouse, "police", "r1")
    result = ingest_source(source("police"), warehouse)
    # January is first; February and March repeat its ref; another force may use the same ref.
    assert sorted(result.accepted) == [
        "police/2018-01/E23000002_victims.csv (v1)",
        "police/2018-03/E23000003_victims.csv (v1)",
    ]
    reasons = result.quarantined["police/2018-03/E23000002_victims.csv (v1)"]
    assert "'V-1' was already reported in 2018-01" in reasons[0] and "row 2, column victim_ref" in reasons[0]


def test_a_workbook_weighs_its_sheets_unzipped_in_an_ingestion_batch() -> None:
    from msdw.ingest import content_size

    workbook = fx.glaa_workbook("2018-02")
    assert content_size(workbook) > 2 * len(workbook)
    assert content_size(b"PK\x03\x04 not a zip") == len(b"PK\x03\x04 not a zip")
    assert content_size(b"a,b\n1,2\n") == 8
