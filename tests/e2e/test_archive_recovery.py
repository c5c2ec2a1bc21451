"""End to end, from the archive alone: disaster recovery by `msdw rebuild`, pseudonym key rotation, retention, and
the modes of a fresh warehouse.

Costs: four pipeline runs of the fixture inbox, 242 s for the module on the shared 2-core machine: the module's
`msdw run` 75 s, the disaster recovery 67 s, the key rotation 53 s, retention and the `msdw run` after it 46 s.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import duckdb
import pytest

from msdw.ledger import Ledger
from msdw.warehouse import Warehouse
from tests.e2e.test_ingest_pipeline import msdw
from tests.fixtures import inbox as fx


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Warehouse, dict]:
    root = tmp_path_factory.mktemp("archive-e2e")
    inbox = root / "inbox"
    fx.write_inbox(inbox)
    warehouse = Warehouse.at(root / "warehouse")
    result = msdw("run", "--inbox", str(inbox), "--warehouse", str(warehouse.root))
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return root, warehouse, json.loads((warehouse.root / "publish.json").read_text())


def _only_archive_and_keys(source: Warehouse, target: Path) -> Warehouse:
    """A copy of ``source`` after a disaster: everything lost but the archive and the keys."""
    target.mkdir(mode=0o700)
    shutil.copytree(source.archive, target / "archive")
    for key in (source.key_file, source.archive_key_file):
        shutil.copy2(key, target / key.name)
    return Warehouse.at(target)


def _digests(record: dict) -> dict[str, str]:
    return {table: info["sha256"] for table, info in record["tables"].items()}


@pytest.fixture(scope="module")
def recovered(original) -> Warehouse:
    root, warehouse, _ = original
    lost = _only_archive_and_keys(warehouse, root / "recovered")
    result = msdw("rebuild", "--warehouse", str(lost.root))
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    assert "switched" in result.stdout
    return lost


def test_a_fresh_warehouse_keeps_victim_level_data_from_other_users(original) -> None:
    _, warehouse, _ = original
    assert stat.S_IMODE(warehouse.root.stat().st_mode) == 0o700
    for name in ("archive", "raw", "linkage", "tmp", "gx", "data_docs", "airflow"):
        assert stat.S_IMODE((warehouse.root / name).stat().st_mode) == 0o700, name
    for path in (warehouse.ledger_db, warehouse.marts, warehouse.key_file, warehouse.archive_key_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    # No file below the warehouse is readable by others: the path to it is closed at the warehouse folder or before.
    for path in warehouse.root.rglob("*"):
        if path.is_file():
            chain = [path, *[p for p in path.parents if warehouse.root in (p, *p.parents)]]
            folders_open = all(stat.S_IMODE(p.stat().st_mode) & 0o001 for p in chain[1:])
            assert not (folders_open and stat.S_IMODE(path.stat().st_mode) & 0o004), path


def test_disaster_recovery_publishes_the_same_tables(original, recovered) -> None:
    _, warehouse, before = original
    after = json.loads((recovered.root / "publish.json").read_text())
    assert _digests(after) == _digests(before)
    assert len(_digests(after)) >= 10

    def versions(w: Warehouse) -> list[tuple]:
        with Ledger(w.ledger_db).connect(read_only=True) as con:
            return con.execute(
                "select return_key, version, sha256, original_path, received_at, status, rows"
                " from versions order by all"
            ).fetchall()

    assert versions(recovered) == versions(warehouse)
    previous = list(recovered.root.parent.glob("recovered.previous-*"))
    assert len(previous) == 1 and sorted(p.name for p in previous[0].iterdir()) == [
        "archive",
        "archive.key",
        "pseudonym.key",
    ]


def test_rebuilding_under_a_new_pseudonym_key(original) -> None:
    root, warehouse, _ = original
    rotated = Warehouse.at(root / "rotated")
    result = msdw("rebuild", "--warehouse", str(warehouse.root), "--into", str(rotated.root), "--new-pseudonym-key")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    assert rotated.key_file.read_bytes() != warehouse.key_file.read_bytes()

    def summary(w: Warehouse) -> list[tuple]:
        with duckdb.connect(str(w.marts), read_only=True) as con:
            return con.execute("select * from mart_monthly_summary order by all").fetchall()

    def pseudonyms(w: Warehouse) -> set[str]:
        con = duckdb.connect()
        found: set[str] = set()
        for table in ("police_victims", "glaa_workers", "border_force_referrals"):
            found |= {
                v
                for row in con.execute(
                    "select given_name_key, family_name_key, dob_key, name_token_keys"
                    f" from read_parquet('{w.raw}/{table}/*/*.parquet')"
                ).fetchall()
                for v in (*row[:3], *(row[3] or []))
                if v is not None
            }
        return found

    assert summary(rotated) == summary(warehouse) and summary(rotated)
    old, new = pseudonyms(warehouse), pseudonyms(rotated)
    assert len(old) >= 10 and len(new) == len(old) and not old & new


def test_retention_destroys_expired_versions_and_their_rows_leave_the_marts(recovered, tmp_path: Path) -> None:
    policy = tmp_path / "retention.yml"
    policy.write_text("superseded_months: 24\nquarantined_months: 12\nrejected_months: 12\nall_years: 8\n")
    # As of 2026-03-10, everything received before 2018-03-10 is over eight years old: all but the late CPS return.
    with Ledger(recovered.ledger_db).connect(read_only=True) as con:
        expected = {
            f"{key} v{version}"
            for key, version in con.execute(
                "select return_key, version from versions where received_at < date '2018-03-10'"
            ).fetchall()
        }
        kept = con.execute("select sha256 from versions where received_at >= date '2018-03-10'").fetchall()
    args = ("retention", "--warehouse", str(recovered.root), "--policy", str(policy), "--as-of", "2026-03-10")
    dry = msdw(*args, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    listed = {line.split(None, 1)[1].split(" (sha256")[0] for line in dry.stdout.splitlines()[1:] if "(sha256" in line}
    assert listed - {"rejected file"} == expected and "rejected file" in listed
    hashes = [p.name for p in recovered.archive.rglob("*") if len(p.name) == 64]

    real = msdw(*args)
    assert real.returncode == 0, real.stderr
    remaining = [p.name for p in recovered.archive.rglob("*") if len(p.name) == 64]
    assert sorted(remaining) == sorted({sha for (sha,) in kept}) and len(hashes) > len(remaining)
    with Ledger(recovered.ledger_db).connect(read_only=True) as con:
        deleted = con.execute("select return_key || ' v' || version, rule from deletions where version is not null")
        deletions = deleted.fetchall()
    assert {d for d, _ in deletions} == expected and {r for _, r in deletions} == {"all"}
    # raw files of return versions (the folders starting with _ hold exports: the ledger's, the anomaly flags)
    versions = [p for p in recovered.raw.rglob("*.parquet") if not p.parent.name.startswith("_")]
    assert {p.name.split("__")[2][:16] for p in versions} <= {sha[:16] for (sha,) in kept}

    # A revision received later keeps two of MET's victims; everything else received in March 2018 is gone.
    inbox = tmp_path / "inbox"
    victims = inbox / "police/2018-02/E23000001_victims.csv"
    victims.parent.mkdir(parents=True)
    victims.write_text(
        fx.VICTIMS_HEADER + "\nMET-V-3,,,,,16,FEMALE,Viet Nam,SEXUAL,2018-02-10,0,,1,N/A,\n"
        "MET-V-5,,Ikenna,Okonkwo,,,UNKNOWN,Martian,UNKNOWN,2018-02-28,N,,N,N,\n"
    )
    os.utime(victims, (fx.LATE.timestamp(), fx.LATE.timestamp()))
    run = msdw("run", "--inbox", str(inbox), "--warehouse", str(recovered.root))
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-5000:]
    with duckdb.connect(str(recovered.marts), read_only=True) as con:
        identifications = con.execute("select identification_id from fct_victim_identifications order by 1").fetchall()
    assert identifications == [("POLICE:E23000001:MET-V-3",), ("POLICE:E23000001:MET-V-5",)]
