"""The archive encrypted at rest: nothing readable without the key, a wrong or missing key changes nothing, a
plaintext archive migrated in place, crypto-shredding, the replay view of ``msdw rebuild``, retention and the modes
of a fresh warehouse. Landing only (no Airflow): each test takes well under a few seconds."""

from __future__ import annotations

import datetime as dt
import grp
import hashlib
import os
import stat
from pathlib import Path

import pytest

from msdw.archive import KEY_ENV, MAGIC, Archive, ArchiveIntegrityError, ArchiveKeyError
from msdw.cli import main
from msdw.errors import MsdwError
from msdw.landing import Inbox, land
from msdw.ledger import Ledger, Outcome
from msdw.rebuild import PROTOCOL, rounds
from msdw.retention import Policy, apply_retention
from msdw.warehouse import ANALYST_GROUP_ENV, Warehouse
from tests.fixtures import inbox as fx

SOURCES = ("police", "glaa", "border_force", "cps")
ENCODINGS = ("utf-8", "cp1252", "latin-1", "utf-16", "utf-16-le", "utf-16-be", "utf-32-le")


@pytest.fixture(autouse=True)
def _no_keys_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (KEY_ENV, ANALYST_GROUP_ENV, "MSDW_PSEUDONYM_KEY"):
        monkeypatch.delenv(name, raising=False)


def _land_all(inbox: Path | str, warehouse: Warehouse, run_id: str = "r1") -> None:
    for source in SOURCES:
        land(Inbox(inbox), warehouse, source, run_id, reject_strays=True)


def _secrets() -> list[bytes]:
    texts = [*fx.NAMES, *fx.DATES_OF_BIRTH]
    return sorted({text.encode(encoding, errors="ignore") for text in texts for encoding in ENCODINGS} - {b""})


def _snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    return {
        os.fspath(p.relative_to(root)): (stat.S_IMODE(p.stat().st_mode), p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def landed(tmp_path: Path) -> tuple[Path, Warehouse]:
    inbox = tmp_path / "inbox"
    fx.write_inbox(inbox)
    warehouse = Warehouse.at(tmp_path / "wh").ensure()
    _land_all(inbox, warehouse)
    return inbox, warehouse


def test_no_name_or_date_of_birth_in_any_archive_file(landed) -> None:
    inbox, warehouse = landed
    plaintext = b"".join(p.read_bytes() for p in inbox.rglob("*") if p.is_file() and not p.is_symlink())
    assert b"Kowalczyk" in plaintext and b"1990-07-14" in plaintext  # the scan would find them
    files = [p for p in warehouse.archive.rglob("*") if p.is_file()]
    sealed = [p for p in files if len(p.name) == 64]
    assert len(sealed) >= 15 and all(p.read_bytes().startswith(MAGIC) for p in sealed)
    for path in files:
        content = path.read_bytes()
        for secret in _secrets():
            assert secret not in content, (path, secret)
    # The name stays the plaintext's SHA-256, and the content comes back whole.
    archive = Archive.open(warehouse)
    for path in sealed:
        assert hashlib.sha256(archive.read(path.name)).hexdigest() == path.name
    assert stat.S_IMODE(warehouse.archive_key_file.stat().st_mode) == 0o600
    assert warehouse.archive_key_file != warehouse.key_file


def test_a_wrong_or_missing_key_is_a_setup_error_and_changes_nothing(
    landed, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox, warehouse = landed
    (inbox / "cps/cps_msht_2018-04.csv").write_text(fx.CPS_HEADER + "\n")  # something new to land
    before = _snapshot(warehouse.root)

    monkeypatch.setenv(KEY_ENV, "a-wrong-archive-key-of-enough-length-0123456789")
    with pytest.raises(ArchiveKeyError, match="not the key the archive"):
        land(Inbox(inbox), warehouse, "cps", "r2")
    code = main(["run", "--inbox", str(inbox), "--warehouse", str(warehouse.root)])
    assert code == 2 and "not the key the archive" in capsys.readouterr().err
    for command in (["retention", "--dry-run"], ["retention"], ["rebuild"]):
        assert main([*command, "--warehouse", str(warehouse.root)]) == 2, command
        assert "not the key the archive" in capsys.readouterr().err
    monkeypatch.delenv(KEY_ENV)

    key = warehouse.archive_key_file.read_bytes()
    warehouse.archive_key_file.unlink()
    code = main(["run", "--inbox", str(inbox), "--warehouse", str(warehouse.root)])
    assert code == 2 and "key is missing" in capsys.readouterr().err
    assert not warehouse.archive_key_file.exists()  # no new key made behind the user's back
    warehouse.archive_key_file.write_bytes(key)
    warehouse.archive_key_file.chmod(0o600)
    assert _snapshot(warehouse.root) == before


def test_the_key_may_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "k" * 40)
    warehouse = Warehouse.at(tmp_path / "wh").ensure()
    sha = Archive.open(warehouse).store(b"return", "cps/cps_msht_2018-02.csv", dt.datetime(2018, 3, 1))
    assert not warehouse.archive_key_file.exists()
    assert Archive.open(warehouse).read(sha) == b"return"
    monkeypatch.setenv(KEY_ENV, "short")
    with pytest.raises(ArchiveKeyError, match="too short"):
        Archive.open(warehouse)


def test_a_plaintext_archive_is_encrypted_in_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warehouse = Warehouse.at(tmp_path / "wh").ensure()
    contents = [b"first return", "Zofia Kowalczyk".encode("cp1252")]
    for content in contents:  # as archived before encryption: the plaintext under its hash, read-only
        sha = hashlib.sha256(content).hexdigest()
        (warehouse.archive / sha[:2]).mkdir(exist_ok=True)
        (warehouse.archive / sha[:2] / sha).write_bytes(content)
        (warehouse.archive / sha[:2] / sha).chmod(0o400)
    assert main(["archive-encrypt", "--warehouse", str(warehouse.root)]) == 0
    assert "Encrypted 2 archived files" in capsys.readouterr().out
    archive = Archive.open(warehouse)
    for content in contents:
        sha = hashlib.sha256(content).hexdigest()
        path = archive.path(sha)
        assert path.read_bytes().startswith(MAGIC) and b"Kowalczyk" not in path.read_bytes()
        assert stat.S_IMODE(path.stat().st_mode) == 0o400 and archive.read(sha) == content
    assert not [p for p in warehouse.archive.rglob(".*.tmp")]
    assert main(["archive-encrypt", "--warehouse", str(warehouse.root)]) == 0  # again: nothing to do
    assert "Encrypted 0 archived files" in capsys.readouterr().out


def _ciphertexts(archive: Archive) -> dict[str, bytes]:
    """Each archived file past its header (nonce, ciphertext and tag): what a rotation must not touch."""
    header = len(MAGIC) + 8 + 12 + 48
    return {sha: archive.path(sha).read_bytes()[header:] for sha in archive.hashes()}


def test_rotating_the_key_kept_in_archive_key(landed, capsys: pytest.CaptureFixture[str]) -> None:
    _, warehouse = landed
    archive = Archive.open(warehouse)
    contents = {sha: archive.read(sha) for sha in archive.hashes()}
    ciphertexts = _ciphertexts(archive)
    old_key = warehouse.archive_key_file.read_bytes()
    assert main(["archive-rotate-key", "--warehouse", str(warehouse.root)]) == 0
    out = capsys.readouterr().out
    assert f"Re-wrapped {len(contents)} archived files" in out and "back it up now" in out
    new_key = warehouse.archive_key_file.read_bytes()
    assert new_key != old_key and stat.S_IMODE(warehouse.archive_key_file.stat().st_mode) == 0o600
    rotated = Archive.open(warehouse)
    assert rotated.key_id != archive.key_id
    assert {sha: rotated.read(sha) for sha in rotated.hashes()} == contents
    assert _ciphertexts(rotated) == ciphertexts  # only the wrapped data keys changed
    for sha in rotated.hashes():
        assert stat.S_IMODE(rotated.path(sha).stat().st_mode) == 0o400
    warehouse.archive_key_file.write_bytes(old_key)
    with pytest.raises(ArchiveKeyError, match="re-keyed"):
        Archive.open(warehouse)


def test_rotating_a_key_from_the_environment(landed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, warehouse = landed
    old = Archive.open(warehouse)
    contents = {sha: old.read(sha) for sha in old.hashes()}
    monkeypatch.setenv(KEY_ENV, warehouse.archive_key_file.read_text().strip())
    warehouse.archive_key_file.unlink()
    assert main(["archive-rotate-key", "--warehouse", str(warehouse.root)]) == 2  # no new key given
    assert Archive.open(warehouse).key_id == old.key_id
    new_key = tmp_path / "new.key"
    new_key.write_text("n" * 64 + "\n")
    assert main(["archive-rotate-key", "--warehouse", str(warehouse.root), "--new-key-file", str(new_key)]) == 0
    assert not warehouse.archive_key_file.exists()  # the variable is the operator's to change
    with pytest.raises(ArchiveKeyError, match="re-keyed"):
        Archive.open(warehouse)
    monkeypatch.setenv(KEY_ENV, "n" * 64)
    archive = Archive.open(warehouse)
    assert {sha: archive.read(sha) for sha in archive.hashes()} == contents
    with pytest.raises(ArchiveKeyError, match="the key in use"):
        archive.rekey("n" * 64)
    with pytest.raises(ArchiveKeyError, match="too short"):
        archive.rekey("short")


def test_an_interrupted_rotation_is_finished_by_running_it_again(landed, monkeypatch: pytest.MonkeyPatch) -> None:
    import msdw.archive as archive_module

    _, warehouse = landed
    archive = Archive.open(warehouse)
    contents = {sha: archive.read(sha) for sha in archive.hashes()}
    assert len(contents) > 2
    real_write = archive_module.write_bytes_atomically
    writes = []

    def crash_on_the_third_file(path: Path, data: bytes, **kwargs: object) -> None:
        if len(path.name) == 64:
            writes.append(path)
            if len(writes) == 3:
                raise OSError("disk full")
        real_write(path, data, **kwargs)

    monkeypatch.setattr(archive_module, "write_bytes_atomically", crash_on_the_third_file)
    with pytest.raises(OSError, match="disk full"):
        archive.rekey("r" * 64)
    monkeypatch.setattr(archive_module, "write_bytes_atomically", real_write)
    half = Archive.open(warehouse)  # the old key still opens the archive, and the files not yet re-wrapped
    first = writes[0].name
    with pytest.raises(ArchiveKeyError, match="run `msdw archive-rotate-key` again with the same new key"):
        half.read(first)
    with pytest.raises(ArchiveKeyError, match="was interrupted"):
        half.rekey("x" * 64)
    assert half.rekey("r" * 64) == len(contents) - 2
    done = Archive.open(warehouse)
    assert {sha: done.read(sha) for sha in done.hashes()} == contents


def test_destroying_shreds_the_data_key(tmp_path: Path) -> None:
    warehouse = Warehouse.at(tmp_path / "wh").ensure()
    archive = Archive.open(warehouse)
    sha = archive.store(b"a return", "cps/cps_msht_2018-02.csv", dt.datetime(2018, 3, 1))
    link = tmp_path / "another-name-for-the-same-file"
    os.link(archive.path(sha), link)  # e.g. a rebuilt warehouse's archive
    archive.destroy(sha)
    assert not archive.path(sha).exists() and not archive.sidecar(sha).exists()
    with pytest.raises((ArchiveIntegrityError, ArchiveKeyError)):
        archive.unseal(link.read_bytes(), sha)


def test_the_replay_view_lands_as_the_inbox_did(landed, tmp_path: Path) -> None:
    _, warehouse = landed
    archive = Archive.open(warehouse)
    plan = rounds(archive.arrivals())
    assert len(plan) == 1  # every path arrived once
    manifest = tmp_path / "round.json"
    files = [
        {"path": a.path, "sha256": a.sha256, "size": a.size, "received_at": a.received_at.isoformat()} for a in plan[0]
    ]
    import json

    manifest.write_text(json.dumps({"warehouse": str(warehouse.root), "files": files}))
    again = Warehouse.at(tmp_path / "again").ensure()
    (again.root / "archive.key").write_bytes(warehouse.archive_key_file.read_bytes())
    _land_all(f"{PROTOCOL}://{manifest}", again)

    def versions(w: Warehouse) -> list[tuple]:
        with Ledger(w.ledger_db).connect(read_only=True) as con:
            return con.execute(
                "select return_key, version, sha256, original_path, received_at, status from versions order by all"
            ).fetchall()

    assert versions(again) == versions(warehouse) and len(versions(again)) >= 14


def test_replay_rounds_keep_each_return_in_the_order_received() -> None:
    from msdw.archive import Arrival

    t = dt.datetime(2018, 3, 1)
    path = "police/2018-02/E23000001.csv"
    arrivals = [
        Arrival("a", path, t, 1),
        Arrival("b", "cps/cps_msht_2018-02.csv", t + dt.timedelta(hours=1), 1),
        Arrival("c", path, t + dt.timedelta(days=1), 1),  # a revision at the same path
        Arrival("d", "notes/readme.txt", t + dt.timedelta(days=2), 1),
        Arrival("a", path, t + dt.timedelta(days=3), 1),  # the first version sent again: a duplicate
    ]
    assert [[a.sha256 for a in r] for r in rounds(arrivals)] == [["a", "b", "d"], ["c"], ["a"]]


def _processed(warehouse: Warehouse) -> None:
    """Mark every landed version accepted, except the bad fixtures, quarantined (what ingestion would do)."""
    ledger = Ledger(warehouse.ledger_db)
    pending = [v for s in SOURCES for v in ledger.pending(s)]
    outcomes = [
        Outcome(
            v, "QUARANTINED" if v.original_path in fx.BAD or "2018-03" in v.original_path else "ACCEPTED", 1, [], []
        )
        for v in pending
    ]
    with ledger.connect() as con:
        con.begin()
        ledger.finish(con, outcomes)
        con.commit()


def test_retention_destroys_what_is_expired_and_records_it(landed, tmp_path: Path) -> None:
    inbox, warehouse = landed
    _processed(warehouse)
    revision = inbox / "cps/cps_msht_2018-02.csv"
    revision.write_text(fx.CPS_HEADER + "\n")
    later = dt.datetime(2018, 6, 1, tzinfo=dt.UTC).timestamp()
    os.utime(revision, (later, later))
    land(Inbox(inbox), warehouse, "cps", "r2")
    _processed(warehouse)
    policy = Policy(superseded_months=12, quarantined_months=12, rejected_months=6, all_years=10)
    # As of 2019-05-01: the quarantined versions (received 2018-03-05) and the rejected file are over their period;
    # the superseded CPS version was superseded on 2018-06-01, within it.
    found = apply_retention(warehouse, policy, as_of=dt.date(2019, 5, 1), dry_run=True)
    with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
        quarantined = con.execute("select return_key, version from versions where status = 'QUARANTINED'").fetchall()
    assert sorted((e.return_key, e.version) for e in found if e.rule == "quarantined") == sorted(quarantined)
    assert {e.rule for e in found} == {"quarantined", "rejected"}
    assert all(Archive.open(warehouse).path(e.sha256).exists() for e in found)  # a dry run changes nothing
    later_found = apply_retention(warehouse, policy, as_of=dt.date(2019, 6, 2), dry_run=True)
    assert {(e.return_key, e.rule) for e in later_found} - {(e.return_key, e.rule) for e in found} == {
        ("cps|CPS|2018-02|main", "superseded")
    }
    warehouse.build_db.write_bytes(b"models holding copies of the rows")
    destroyed = apply_retention(warehouse, policy, as_of=dt.date(2019, 6, 2))
    assert not warehouse.build_db.exists()  # the next build makes it again, without the destroyed rows
    assert destroyed == later_found
    assert not any(Archive.open(warehouse).path(e.sha256).exists() for e in destroyed)
    with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
        recorded = con.execute("select sha256, rule, return_key, version from deletions order by all").fetchall()
    assert recorded == sorted((e.sha256, e.rule, e.return_key, e.version) for e in destroyed)
    assert apply_retention(warehouse, policy, as_of=dt.date(2019, 6, 2)) == []  # nothing left to do


def test_a_fresh_warehouse_is_owner_only(landed) -> None:
    _, warehouse = landed
    assert stat.S_IMODE(warehouse.root.stat().st_mode) == 0o700
    for zone in (warehouse.archive, warehouse.raw, warehouse.tmp):
        assert stat.S_IMODE(zone.stat().st_mode) == 0o700, zone
    for path in (warehouse.ledger_db, warehouse.archive_key_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_an_analyst_group_may_reach_the_marts_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    group = grp.getgrgid(os.getgid()).gr_name
    monkeypatch.setenv(ANALYST_GROUP_ENV, group)
    warehouse = Warehouse.at(tmp_path / "wh")
    warehouse.root.mkdir()
    warehouse.marts.write_bytes(b"marts")
    warehouse.ledger_db.write_bytes(b"ledger")
    warehouse.ensure()
    assert stat.S_IMODE(warehouse.root.stat().st_mode) == 0o710
    assert stat.S_IMODE(warehouse.marts.stat().st_mode) == 0o640 and warehouse.marts.stat().st_gid == os.getgid()
    assert stat.S_IMODE(warehouse.ledger_db.stat().st_mode) == 0o600
    assert stat.S_IMODE(warehouse.raw.stat().st_mode) == 0o700


def test_the_policy_may_leave_out_the_period_of_quality_records(tmp_path: Path) -> None:
    assert Policy.load().quality_results_months == 24  # retention.yml
    policy = tmp_path / "retention.yml"
    policy.write_text("superseded_months: 1\nquarantined_months: 1\nrejected_months: 1\nall_years: 1\n")
    assert Policy.load(policy).quality_results_months == 24
    policy.write_text(policy.read_text() + "quality_results_months: 3\n")
    assert Policy.load(policy).quality_results_months == 3
    policy.write_text(policy.read_text().replace(": 3", ": -3"))
    with pytest.raises(MsdwError, match="quality_results_months must be whole numbers"):
        Policy.load(policy)
